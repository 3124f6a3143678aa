import proj4 from '../../rasters/proj4.js';
import type { ZoneSet } from '../../boundaries/read-zones.js';
import { crsFromProj4, sameCrs } from '../../rasters/crs.js';
import type { DisplayGrid } from '../map-render.js';

/**
 * County outlines and names over a map, as SVG in the map image's pixel space: rings are
 * reprojected once to the raster CRS (proj4), scaled to display pixels and thinned to points
 * at least half a pixel apart. The SVG sits over the PNG in the page, so names stay crisp.
 */
export interface Overlay {
  /** `<path>` data of all outlines. */
  readonly path: string;
  readonly labels: { x: number; y: number; name: string }[];
}

export function zonesOverlay(zones: ZoneSet, rasterProj4: string, grid: DisplayGrid): Overlay {
  const rasterCrs = crsFromProj4(rasterProj4);
  const transform = sameCrs(zones.crs, rasterCrs) ? null : proj4(zones.crs.proj4, rasterCrs.proj4);
  const parts: string[] = [];
  const labels: Overlay['labels'] = [];
  for (const zone of zones.zones) {
    const rings: number[][] = [];
    for (const polygon of zone.polygons) {
      polygon.forEach((ring) => {
        const px = toDisplay(ring, transform, grid);
        if (px.length < 6) return;
        rings.push(px);
        parts.push(pathOf(px));
      });
    }
    const at = labelPoint(rings, grid);
    if (at) labels.push({ ...at, name: zone.name });
  }
  return { path: parts.join(''), labels };
}

function toDisplay(ring: readonly (readonly number[])[], transform: proj4.Converter | null, g: DisplayGrid): number[] {
  const out: number[] = [];
  let lx = Number.NaN;
  let ly = Number.NaN;
  for (const p of ring) {
    let x = Number(p[0]);
    let y = Number(p[1]);
    if (transform) [x, y] = transform.forward([x, y]) as [number, number];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const px = (x - g.originX) / g.pixelWidth;
    const py = (g.originY - y) / g.pixelHeight;
    if (Math.abs(px - lx) + Math.abs(py - ly) < 0.5) continue;
    out.push(px, py);
    lx = px;
    ly = py;
  }
  return out;
}

function pathOf(px: number[]): string {
  let d = `M${px[0]!.toFixed(1)} ${px[1]!.toFixed(1)}`;
  for (let i = 2; i < px.length; i += 2) d += `L${px[i]!.toFixed(1)} ${px[i + 1]!.toFixed(1)}`;
  return `${d}Z`;
}

const MIN_LABEL_PX = 28;

/**
 * Where a zone's name goes: of a grid of candidate points over the zone's largest ring that
 * fall inside the zone (even-odd over all its rings) and inside the image, the one farthest
 * from any edge. Cheap and good enough for a few hundred zones; null when nothing is inside.
 */
function labelPoint(rings: number[][], g: DisplayGrid): { x: number; y: number } | null {
  let main: number[] | null = null;
  let mainArea = 0;
  for (const r of rings) {
    const a = Math.abs(ringArea(r));
    if (a > mainArea) { mainArea = a; main = r; }
  }
  if (!main) return null;
  let minX = Infinity; let minY = Infinity; let maxX = -Infinity; let maxY = -Infinity;
  for (let i = 0; i < main.length; i += 2) {
    minX = Math.min(minX, main[i]!); maxX = Math.max(maxX, main[i]!);
    minY = Math.min(minY, main[i + 1]!); maxY = Math.max(maxY, main[i + 1]!);
  }
  minX = Math.max(minX, 0); minY = Math.max(minY, 0); maxX = Math.min(maxX, g.width); maxY = Math.min(maxY, g.height);
  // A zone smaller than a short word on the map gets no name (it would cover the zone).
  if (maxX - minX < MIN_LABEL_PX || maxY - minY < MIN_LABEL_PX / 2) return null;
  const steps = 16;
  let best: { x: number; y: number } | null = null;
  let bestD = -1;
  for (let i = 0; i <= steps; i++) {
    for (let j = 0; j <= steps; j++) {
      const x = minX + ((maxX - minX) * (i + 0.5)) / (steps + 1);
      const y = minY + ((maxY - minY) * (j + 0.5)) / (steps + 1);
      if (!insideAll(rings, x, y)) continue;
      // Keep names off the image border as well as off the outline.
      const d = Math.min(edgeDistance(rings, x, y), x, y, g.width - x, g.height - y);
      if (d > bestD) { bestD = d; best = { x, y }; }
    }
  }
  return best;
}

function ringArea(r: number[]): number {
  let s = 0;
  for (let i = 0, j = r.length - 2; i < r.length; j = i, i += 2) s += (r[j]! - r[i]!) * (r[j + 1]! + r[i + 1]!);
  return s / 2;
}

function insideAll(rings: number[][], x: number, y: number): boolean {
  let inside = false;
  for (const r of rings) {
    for (let i = 0, j = r.length - 2; i < r.length; j = i, i += 2) {
      const yi = r[i + 1]!; const yj = r[j + 1]!;
      if ((yi > y) !== (yj > y) && x < ((r[j]! - r[i]!) * (y - yi)) / (yj - yi) + r[i]!) inside = !inside;
    }
  }
  return inside;
}

function edgeDistance(rings: number[][], x: number, y: number): number {
  let best = Infinity;
  for (const r of rings) {
    for (let i = 0, j = r.length - 2; i < r.length; j = i, i += 2) {
      const ax = r[j]!; const ay = r[j + 1]!; const bx = r[i]!; const by = r[i + 1]!;
      const dx = bx - ax; const dy = by - ay;
      const len2 = dx * dx + dy * dy;
      const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2));
      best = Math.min(best, Math.hypot(x - ax - t * dx, y - ay - t * dy));
    }
  }
  return best;
}
