import { deflateSync } from 'node:zlib';

/**
 * A minimal PNG encoder (no native dependency): 8-bit palette images with per-entry alpha,
 * which is all the report's maps need. Every scanline uses filter 0 (none): palette indices
 * of a map compress well enough with DEFLATE alone, and filters would not help indexed data.
 */
export interface PaletteImage {
  readonly width: number;
  readonly height: number;
  /** One palette index per pixel, row by row. */
  readonly indices: Uint8Array;
  /** RGBA per palette entry (4 bytes each, at most 256 entries). */
  readonly paletteRgba: Uint8Array;
}

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

export function encodePalettePng(img: PaletteImage): Uint8Array {
  const { width, height, indices, paletteRgba } = img;
  const entries = paletteRgba.length / 4;
  if (!Number.isInteger(entries) || entries < 1 || entries > 256) throw new Error(`PNG palette must have 1..256 RGBA entries, got ${paletteRgba.length} bytes`);
  if (indices.length !== width * height) throw new Error(`PNG: ${indices.length} indices for a ${width} x ${height} image`);
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr.set([8, 3, 0, 0, 0], 8); // bit depth 8, colour type 3 (palette), deflate, filter method 0, no interlace
  const plte = new Uint8Array(entries * 3);
  const trns = new Uint8Array(entries);
  for (let i = 0; i < entries; i++) {
    plte[3 * i] = paletteRgba[4 * i]!;
    plte[3 * i + 1] = paletteRgba[4 * i + 1]!;
    plte[3 * i + 2] = paletteRgba[4 * i + 2]!;
    trns[i] = paletteRgba[4 * i + 3]!;
  }
  const raw = new Uint8Array((width + 1) * height);
  for (let row = 0; row < height; row++) raw.set(indices.subarray(row * width, (row + 1) * width), row * (width + 1) + 1);
  const idat = deflateSync(raw, { level: 6 });
  const chunks = [chunk('IHDR', ihdr), chunk('PLTE', plte), chunk('tRNS', trns), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(SIGNATURE.length + chunks.reduce((s, c) => s + c.length, 0));
  out.set(SIGNATURE, 0);
  let at = SIGNATURE.length;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, as PNG chunks use), table-driven. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const t = crcTable;
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
