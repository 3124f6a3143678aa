import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { ZoneSet } from '../../boundaries/read-zones.js';
import {
  DIVERGING_STOPS, SEQUENTIAL_STOPS, countWindows, differenceGrid, maxAbs, readDisplayGrid, renderPng,
  type DisplayGrid, type Ramp,
} from '../map-render.js';
import { niceTicks } from './charts.js';
import type { ReportData } from './data.js';
import { esc, fmtAxis } from './format.js';
import { zonesOverlay } from './zones-overlay.js';

/** Long side of a rendered map, in pixels. */
const MAP_MAX_SIDE = 800;

export interface Progress {
  start(phase: string, total: number, unit?: string): void;
  tick(done: number): void;
  end(): void;
}

export interface MapFigure {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly png: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** id of the <g> holding this map's outlines and names (shared by maps on one display grid). */
  readonly overlayId: string | null;
  readonly legend: string;
}

export interface Maps {
  readonly figures: MapFigure[];
  /** `<g id=...>` outline groups, referenced by the maps through <use>. */
  readonly overlays: string[];
  /** What every epoch map shows (said once, above them). */
  readonly lead: string;
  readonly notes: string[];
}

/**
 * One map per epoch from sequestration_<year>.tif, on one colour scale (0 to the largest
 * coefficient, so epochs compare at a glance), and a first-to-last change map from
 * change_<from>_<to>.tif, or, when the run wrote none, the difference of the two epochs' maps.
 */
export async function renderMaps(dir: string, data: ReportData, zones: ZoneSet | null, progress: Progress): Promise<Maps> {
  const notes: string[] = [];
  const figures: MapFigure[] = [];
  if (data.s.settings.rasters === false) return { figures, overlays: [], lead: '', notes: ['The run was made with --no-rasters, so there are no maps.'] };
  const exists = (p: string) => access(p).then(() => true, () => false);
  const epochFiles: { year: number; path: string }[] = [];
  for (const year of data.years) {
    const path = join(dir, `sequestration_${year}.tif`);
    if (await exists(path)) epochFiles.push({ year, path });
    else notes.push(`sequestration_${year}.tif is missing from the folder: no map for ${year}.`);
  }
  const first = data.years[0];
  const last = data.years[data.years.length - 1];
  const changeName = first !== undefined && last !== undefined && first !== last ? `change_${first}_${last}.tif` : null;
  const changePath = changeName && (await exists(join(dir, changeName))) ? join(dir, changeName) : null;
  const files = [...epochFiles.map((f) => f.path), ...(changePath ? [changePath] : [])];
  const windows = await Promise.all(files.map((f) => countWindows(f, MAP_MAX_SIDE)));
  progress.start('report maps', windows.reduce((s, n) => s + n, 0), 'tiles');
  let done = 0;
  const tick = () => progress.tick(++done);

  const coefficientMax = Math.max(0, ...data.s.coefficients.map((r) => data.num(r, 'coefficient_t_ha_yr_high') ?? data.num(r, 'coefficient_t_ha_yr') ?? 0));
  const seqRamp: Ramp = { stops: SEQUENTIAL_STOPS, min: 0, max: coefficientMax || 1 };
  const overlays = new Map<string, { id: string; markup: string }>();
  const overlayFor = (year: number, grid: DisplayGrid): string | null => {
    if (!zones) return null;
    const proj4 = data.s.grids.find((g) => g.years.includes(year))?.crs_proj4;
    if (!proj4) return null;
    const key = [proj4, grid.originX, grid.originY, grid.pixelWidth, grid.pixelHeight, grid.width, grid.height].join('|');
    let o = overlays.get(key);
    if (!o) {
      const id = `zones-${overlays.size}`;
      o = { id, markup: overlayMarkup(id, zonesOverlay(zones, proj4, grid), grid) };
      overlays.set(key, o);
    }
    return o.id;
  };

  const grids = new Map<number, DisplayGrid>();
  let lead = '';
  for (const { year, path } of epochFiles) {
    const grid = await readDisplayGrid(path, MAP_MAX_SIDE, tick);
    if (year === first || year === last) grids.set(year, grid);
    lead ||= `Sequestration per hectare of each cell (${data.perHaYear}: the coefficient of its land-use class), on one colour scale for every epoch, with the zones' outlines; ${describeScale(grid)}. Grey: outside the zones or no data.`;
    figures.push({
      id: `map-${year}`, title: `Sequestration ${year}`, caption: '',
      png: renderPng(grid, seqRamp), width: grid.width, height: grid.height, overlayId: overlayFor(year, grid),
      legend: legend(`grad-${year}`, seqRamp, data.perHaYear, false),
    });
  }
  if (changeName && first !== undefined && last !== undefined) {
    let grid: DisplayGrid | null = null;
    let how = '';
    if (changePath) {
      grid = await readDisplayGrid(changePath, MAP_MAX_SIDE, tick);
      how = `from ${changeName}`;
    } else {
      const a = grids.get(first);
      const b = grids.get(last);
      grid = a && b ? differenceGrid(a, b) : null;
      how = `the ${last} map minus the ${first} map`;
      if (!grid) notes.push(`No change map: the ${first} and ${last} rasters are missing or on different grids.`);
    }
    if (grid) {
      const m = maxAbs(grid);
      const ticks = niceTicks(0, m || 1, 4);
      const bound = ticks[ticks.length - 1]!;
      const ramp: Ramp = { stops: DIVERGING_STOPS, min: -bound, max: bound };
      figures.push({
        id: `map-change-${first}-${last}`, title: `Change ${first}–${last}`,
        caption: `${last} minus ${first}, ${data.perHaYear} (${how}), ${describeScale(grid)}. Pink: sequestration lost; green: gained; near white: no change.`,
        png: renderPng(grid, ramp), width: grid.width, height: grid.height, overlayId: overlayFor(last, grid),
        legend: legend('grad-change', ramp, data.perHaYear, true),
      });
    }
  }
  progress.end();
  if (!zones) notes.push('The zones file could not be read again, so the maps have no county outlines.');
  return { figures, overlays: [...overlays.values()].map((o) => o.markup), lead, notes };
}

function describeScale(grid: DisplayGrid): string {
  const n = Math.round(grid.cellsPerPixel * 10) / 10;
  const how = grid.imageIndex > 0 ? `read from the GeoTIFF's overview ${grid.imageIndex}` : 'read from the full-resolution cells';
  return n === 1 ? 'one pixel per cell' : `each pixel is the mean of about ${n} × ${n} cells (${how})`;
}

function overlayMarkup(id: string, overlay: ReturnType<typeof zonesOverlay>, grid: DisplayGrid): string {
  const fontSize = Math.max(11, Math.max(grid.width, grid.height) / 48).toFixed(1);
  const labels = overlay.labels.map((l) => `<text x="${l.x.toFixed(1)}" y="${l.y.toFixed(1)}">${esc(l.name)}</text>`).join('');
  return `<g id="${id}"><path d="${overlay.path}" fill="none" stroke="#1f2933" stroke-width="1.2" stroke-linejoin="round" vector-effect="non-scaling-stroke"/>`
    + `<g font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif" font-size="${fontSize}" font-weight="600" text-anchor="middle" dominant-baseline="middle" fill="#1f2933" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">${labels}</g></g>`;
}

/** A colour bar with ticks, in SVG (the same stops as the PNG's palette). */
function legend(id: string, ramp: Ramp, unit: string, diverging: boolean): string {
  const w = 320;
  const x0 = 10;
  const stops = ramp.stops.map((c, i) => `<stop offset="${((i / (ramp.stops.length - 1)) * 100).toFixed(1)}%" stop-color="${c}"/>`).join('');
  const ticks = niceTicks(ramp.min, ramp.max, diverging ? 4 : 5).filter((t) => t >= ramp.min - 1e-9 && t <= ramp.max + 1e-9);
  const tickMarks = ticks.map((t) => {
    const x = x0 + ((t - ramp.min) / (ramp.max - ramp.min || 1)) * w;
    return `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="20" y2="26" stroke="#1f2933"/><text x="${x.toFixed(1)}" y="38" text-anchor="middle">${esc(fmtAxis(t))}</text>`;
  }).join('');
  return `<svg class="legend" viewBox="0 0 ${w + 120} 44" width="${w + 120}" height="44" role="img" aria-label="colour scale in ${esc(unit)}" font-family="system-ui,sans-serif" font-size="11" fill="#1f2933">`
    + `<defs><linearGradient id="${id}">${stops}</linearGradient></defs><rect x="${x0}" y="6" width="${w}" height="14" fill="url(#${id})" stroke="#9aa5b1" stroke-width="0.5"/>${tickMarks}`
    + `<text x="${x0 + w + 10}" y="17">${esc(unit)}</text></svg>`;
}
