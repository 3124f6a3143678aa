import { describe, it, expect } from 'vitest';
import { inflateSync } from 'node:zlib';
import { crc32, encodePalettePng } from '../output/png.js';
import { colourIndices, rampPalette, SEQUENTIAL_STOPS } from '../output/map-render.js';

/** The chunks of a PNG file: type, data, and whether the stored CRC matches. */
function chunks(png: Uint8Array): { type: string; data: Uint8Array; crcOk: boolean }[] {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out = [];
  for (let at = 8; at < png.length;) {
    const len = dv.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + len);
    out.push({ type, data, crcOk: dv.getUint32(at + 8 + len) === crc32(png.subarray(at + 4, at + 8 + len)) });
    at += 12 + len;
  }
  return out;
}

describe('PNG encoder (report maps)', () => {
  it('CRC-32 matches the reference value of the IEND chunk type', () => {
    expect(crc32(new TextEncoder().encode('IEND'))).toBe(0xae426082);
  });

  it('writes signature, IHDR, PLTE, tRNS, IDAT (filter 0 rows) and IEND with valid CRCs', () => {
    const indices = Uint8Array.of(0, 1, 2, 2, 1, 0);
    const palette = Uint8Array.of(0, 0, 0, 0, 255, 0, 0, 255, 0, 0, 255, 128);
    const png = encodePalettePng({ width: 3, height: 2, indices, paletteRgba: palette });
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const c = chunks(png);
    expect(c.map((k) => k.type)).toEqual(['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND']);
    expect(c.every((k) => k.crcOk)).toBe(true);
    const ihdr = new DataView(c[0]!.data.buffer, c[0]!.data.byteOffset, 13);
    expect([ihdr.getUint32(0), ihdr.getUint32(4), c[0]!.data[8], c[0]!.data[9]]).toEqual([3, 2, 8, 3]);
    expect([...c[1]!.data]).toEqual([0, 0, 0, 255, 0, 0, 0, 0, 255]);
    expect([...c[2]!.data]).toEqual([0, 255, 128]);
    expect([...inflateSync(c[3]!.data)]).toEqual([0, 0, 1, 2, 0, 2, 1, 0]);
  });

  it('colours no data (NaN) with the transparent entry 0 and clamps values to the ramp', () => {
    const ramp = { stops: SEQUENTIAL_STOPS, min: 0, max: 10 };
    expect([...colourIndices(Float32Array.of(Number.NaN, 0, 5, 10, 20, -1), ramp)]).toEqual([0, 1, 128, 255, 255, 1]);
    const pal = rampPalette(ramp);
    expect(pal[3]).toBe(0);
    expect([...pal.subarray(4, 8)]).toEqual([0xff, 0xff, 0xe5, 255]);
    expect([...pal.subarray(255 * 4, 256 * 4)]).toEqual([0x00, 0x45, 0x29, 255]);
  });
});
