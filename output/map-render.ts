import { fromFile, type GeoTIFFImage } from 'geotiff';
import { registerDecoders } from '../rasters/decoders.js';
import { encodePalettePng } from './png.js';

/**
 * A GeoTIFF reduced to map size: the mean of the valid cells under each display pixel, read
 * window by window from the coarsest overview that is still about `maxSide` pixels on its
 * long side (the full-resolution image when there is none). Memory is the display grid plus
 * one window, whatever the raster's size.
 */
export interface DisplayGrid {
  readonly width: number;
  readonly height: number;
  /** Mean value per display pixel; NaN where no cell had data. */
  readonly values: Float32Array;
  /** Upper-left corner and size of one display pixel, in the raster's CRS (y grows down by pixelHeight). */
  readonly originX: number;
  readonly originY: number;
  readonly pixelWidth: number;
  readonly pixelHeight: number;
  /** Cells of the image read per display pixel side, and which image (0 = full resolution). */
  readonly factor: number;
  readonly imageIndex: number;
  /** Full-resolution cells per display pixel side (overview decimation x factor). */
  readonly cellsPerPixel: number;
}

/** Windows a display read decodes, for the progress bar. */
export async function countWindows(path: string, maxSide: number): Promise<number> {
  const tiff = await fromFile(path);
  try {
    const { image } = await pickImage(tiff, maxSide);
    return windowsOf(image).length;
  } finally {
    await tiff.close();
  }
}

export async function readDisplayGrid(path: string, maxSide: number, onWindow: () => void = () => undefined): Promise<DisplayGrid> {
  registerDecoders();
  const tiff = await fromFile(path);
  try {
    const base = await tiff.getImage(0);
    const { image, index } = await pickImage(tiff, maxSide);
    const w = image.getWidth();
    const h = image.getHeight();
    const factor = Math.max(1, Math.ceil(Math.max(w, h) / maxSide));
    const width = Math.ceil(w / factor);
    const height = Math.ceil(h / factor);
    const nodata = base.getGDALNoData();
    const sum = new Float64Array(width * height);
    const count = new Uint32Array(width * height);
    for (const [x0, y0, x1, y1] of windowsOf(image)) {
      const [band] = await image.readRasters({ window: [x0, y0, x1, y1], samples: [0], interleave: false });
      const cells = band as ArrayLike<number>;
      const ww = x1 - x0;
      for (let r = y0; r < y1; r++) {
        const outRow = Math.floor(r / factor) * width;
        const inRow = (r - y0) * ww;
        for (let c = x0; c < x1; c++) {
          const v = cells[inRow + c - x0]!;
          if (v !== v || v === nodata) continue; // v !== v: NaN
          const o = outRow + Math.floor(c / factor);
          sum[o]! += v;
          count[o]!++;
        }
      }
      onWindow();
    }
    const values = new Float32Array(width * height);
    for (let i = 0; i < values.length; i++) values[i] = count[i]! > 0 ? sum[i]! / count[i]! : Number.NaN;
    const [originX, originY] = base.getOrigin() as [number, number];
    const [resX, resY] = base.getResolution() as [number, number];
    // An overview's cell is the base extent over its own size (GDAL's rule).
    const cellW = (Math.abs(resX) * base.getWidth()) / w;
    const cellH = (Math.abs(resY) * base.getHeight()) / h;
    return {
      width, height, values, originX, originY, pixelWidth: cellW * factor, pixelHeight: cellH * factor, factor, imageIndex: index,
      cellsPerPixel: (base.getWidth() / w) * factor,
    };
  } finally {
    await tiff.close();
  }
}

type Tiff = Awaited<ReturnType<typeof fromFile>>;

/**
 * The coarsest reduced-resolution image (COG overview) whose long side is still at least 3/4 of
 * maxSide: a 750-pixel overview beats averaging 2 x 2 pixels of a 1500-pixel one for an
 * 800-pixel map (a quarter of the tiles to decode, and the overview is already an average).
 */
async function pickImage(tiff: Tiff, maxSide: number): Promise<{ image: GeoTIFFImage; index: number }> {
  let best = { image: await tiff.getImage(0), index: 0 };
  const count = await tiff.getImageCount();
  for (let i = 1; i < count; i++) {
    const image = await tiff.getImage(i);
    const subfile = Number(image.getFileDirectory().getValue('NewSubfileType') ?? 0);
    if ((subfile & 1) === 0 || (subfile & 4) !== 0) continue; // not an overview, or a mask
    if (Math.max(image.getWidth(), image.getHeight()) < 0.75 * maxSide) continue;
    if (image.getWidth() < best.image.getWidth()) best = { image, index: i };
  }
  return best;
}

/** Tile-aligned windows (strips are grouped into bands of about a million cells). */
function windowsOf(image: GeoTIFFImage): [number, number, number, number][] {
  const w = image.getWidth();
  const h = image.getHeight();
  const tiled = image.isTiled;
  const tw = tiled ? image.getTileWidth() : w;
  const blockH = image.getTileHeight();
  const th = tiled ? blockH : Math.max(blockH, Math.floor(1_048_576 / w / blockH) * blockH);
  const out: [number, number, number, number][] = [];
  for (let y = 0; y < h; y += th) {
    for (let x = 0; x < w; x += tw) out.push([x, y, Math.min(x + tw, w), Math.min(y + th, h)]);
  }
  return out;
}

/** `to - from` per display pixel where both have data (the two grids must match). */
export function differenceGrid(from: DisplayGrid, to: DisplayGrid): DisplayGrid | null {
  if (from.width !== to.width || from.height !== to.height || from.originX !== to.originX || from.originY !== to.originY
    || from.pixelWidth !== to.pixelWidth || from.pixelHeight !== to.pixelHeight) return null;
  const values = new Float32Array(from.values.length);
  for (let i = 0; i < values.length; i++) values[i] = to.values[i]! - from.values[i]!;
  return { ...to, values };
}

// ---- colour --------------------------------------------------------------------------------------

/** ColorBrewer YlGn (sequential) and PiYG (diverging: pink = loss, green = gain; colour-blind safe). */
export const SEQUENTIAL_STOPS = ['#ffffe5', '#f7fcb9', '#d9f0a3', '#addd8e', '#78c679', '#41ab5d', '#238443', '#006837', '#004529'];
export const DIVERGING_STOPS = ['#8e0152', '#c51b7d', '#de77ae', '#f1b6da', '#fde0ef', '#f7f7f7', '#e6f5d0', '#b8e186', '#7fbc41', '#4d9221', '#276419'];

export interface Ramp {
  readonly stops: readonly string[];
  readonly min: number;
  readonly max: number;
}

/**
 * A 256-entry palette: entry 0 is transparent (no data), entries 1..255 run through the ramp
 * from min to max. Values outside [min, max] take the end colours.
 */
export function rampPalette(ramp: Ramp): Uint8Array {
  const rgb = ramp.stops.map(hexRgb);
  const pal = new Uint8Array(256 * 4);
  for (let i = 1; i < 256; i++) {
    const t = ((i - 1) / 254) * (rgb.length - 1);
    const k = Math.min(Math.floor(t), rgb.length - 2);
    const f = t - k;
    for (let ch = 0; ch < 3; ch++) pal[4 * i + ch] = Math.round(rgb[k]![ch]! * (1 - f) + rgb[k + 1]![ch]! * f);
    pal[4 * i + 3] = 255;
  }
  return pal;
}

export function colourIndices(values: Float32Array, ramp: Ramp): Uint8Array {
  const out = new Uint8Array(values.length);
  const span = ramp.max - ramp.min || 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    const t = Math.min(1, Math.max(0, (v - ramp.min) / span));
    out[i] = 1 + Math.round(t * 254);
  }
  return out;
}

export function renderPng(grid: DisplayGrid, ramp: Ramp): Uint8Array {
  return encodePalettePng({ width: grid.width, height: grid.height, indices: colourIndices(grid.values, ramp), paletteRgba: rampPalette(ramp) });
}

/** Largest |value| of the grid (0 when it holds no data). */
export function maxAbs(grid: DisplayGrid): number {
  let m = 0;
  for (const v of grid.values) if (v === v && Math.abs(v) > m) m = Math.abs(v);
  return m;
}

function hexRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
