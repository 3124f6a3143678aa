import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { newTally, transitionKey, type ClassTally, type Tallies, type TransitionTally, type ZoneTally } from './merge.js';
import type { Plan } from './plan.js';

/**
 * Local `--resume`: resume.json keeps each epoch's and pair's raw tallies (whole cells and
 * fractional coverage apart, so they reload bit for bit) with fingerprints of what they depend
 * on. A run with --resume reuses the tallies of every epoch whose input files hash the same and
 * every raster that is still the file the earlier run wrote, and decodes only the other epochs.
 */

/** Bumped whenever the counting engine could count the same inputs differently. */
const STATE_FORMAT = 1;

/** [whole cells, fractional coverage, hectares] */
type SavedTally = [number, number, number];
interface SavedZone { classes: [number, ...SavedTally][]; nodata: SavedTally; outside_cells: number }
interface SavedEpoch {
  year: number;
  inputs_sha256: string[];
  /** The pair the tallies are the marginal of: the other epoch's year and input hashes (epochSource). */
  source?: (number | string)[];
  zones: SavedZone[];
}
/** Per zone: [from code, to code, whole, frac, hectares] (code -1 = nodata). */
interface SavedPair { from_year: number; to_year: number; zones: [number, number, ...SavedTally][][] }
/** An output raster as this run left it: the next --resume keeps it only if it is still this file. */
export interface SavedRaster { file: string; size_bytes: number; mtime_ms: number; sha256: string }

export interface ResumeState {
  format: number;
  /** SHA-256 of this block (without this field) as written: a block edited by hand is not trusted. */
  checksum?: string;
  /** Fingerprint of the zones and every setting the counts depend on (not the rasters: those are per epoch). */
  count_key: string;
  /** count_key plus what the output rasters' values depend on (coefficients, extent, --unmapped). */
  raster_key: string;
  epochs: SavedEpoch[];
  pairs: SavedPair[];
  overlap_cells: number;
  rasters: SavedRaster[];
}

export interface ResumeKeys { count: string; raster: string }

const bytes = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Fingerprints of everything an epoch's tallies depend on besides its own files: the zones as
 * projected into the grid (so a changed .prj, --zones-crs or polygon counts), the coverage rule,
 * the cell areas, and the task windows (areas are summed window by window, so another layout of
 * the first file's blocks could change their last bits). The raster key adds the cells' values
 * (coefficients), --unmapped and the output window.
 */
export function resumeKeys(input: { version: string; coverage: string; plan: Plan; rasterValues: Float32Array; rasterOptions: unknown }): ResumeKeys {
  const g = input.plan.groups[0]!;
  const h = createHash('sha256').update(JSON.stringify({ format: STATE_FORMAT, version: input.version, coverage: input.coverage, grid: g.grid, crs: g.crs.proj4 }));
  for (const a of [g.geometry.coords, g.geometry.ringStart, g.geometry.zoneRing]) h.update(bytes(a));
  const lattice = g.cellArea.lattice;
  h.update(JSON.stringify({ kind: g.cellArea.kind, constantHa: g.cellArea.constantHa, lattice: lattice && { ...lattice, ha: undefined } }));
  if (lattice) h.update(bytes(lattice.ha));
  for (const t of input.plan.tasks) {
    h.update(JSON.stringify([t.window, t.zones]));
    if (t.rowHa) h.update(bytes(t.rowHa));
  }
  const count = h.digest('hex');
  const raster = createHash('sha256').update(count).update(bytes(input.rasterValues))
    .update(JSON.stringify({ options: input.rasterOptions, output: g.output && { ...g.output, changePairs: undefined } })).digest('hex');
  return { count, raster };
}

const saveTally = (t: ClassTally): SavedTally => [t.whole, t.frac, t.areaHa];
const loadTally = ([whole, frac, areaHa]: SavedTally, into = newTally()): ClassTally => Object.assign(into, { whole, frac, areaHa });

export function saveState(plan: Plan, tallies: Tallies, keys: ResumeKeys, sha256Of: Map<string, string>, rasters: SavedRaster[]): ResumeState {
  const state: ResumeState = {
    format: STATE_FORMAT, count_key: keys.count, raster_key: keys.raster,
    epochs: plan.epochs.map((e, i) => ({
      year: e.year,
      inputs_sha256: e.files.map((f) => sha256Of.get(f.path) ?? ''),
      source: epochSource(plan, i, sha256Of),
      zones: tallies.byEpoch[i]!.map((z) => ({
        classes: [...z.classes].map(([code, t]) => [code, ...saveTally(t)]), nodata: saveTally(z.nodata), outside_cells: z.outsideCells,
      })),
    })),
    pairs: plan.pairs.map(([a, b], p) => ({
      from_year: plan.epochs[a]!.year, to_year: plan.epochs[b]!.year,
      zones: tallies.byPair[p]!.map((m) => [...m.values()].map((t) => [t.from, t.to, ...saveTally(t)])),
    })),
    overlap_cells: tallies.overlapCells,
    rasters,
  };
  return { ...state, checksum: checksum(state) };
}

const checksum = (state: ResumeState): string => createHash('sha256').update(JSON.stringify({ ...state, checksum: undefined })).digest('hex');

/** The state an earlier run left in `out`/resume.json, or why there is none to use. */
export async function loadState(out: string): Promise<{ state: ResumeState } | { reason: string }> {
  const path = join(out, 'resume.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { reason: `${path} does not exist` };
  }
  try {
    const state = JSON.parse(text) as ResumeState | null;
    if (!state || typeof state !== 'object' || state.format !== STATE_FORMAT) return { reason: `${path} was written by another version of lucc-carbon` };
    if (state.checksum !== checksum(state) || !wellFormed(state)) return { reason: `${path} was changed after the run wrote it` };
    return { state };
  } catch {
    return { reason: `${path} is not valid JSON` };
  }
}

export interface Reuse {
  /** Plan epochs to decode, in order (tallies restored from the earlier run are kept, the others counted). */
  counted: number[];
  /** Output raster files of the earlier run that stay as they are. */
  keep: string[];
  /** Years whose tallies come from the earlier run. */
  reusedYears: number[];
  /** The earlier run's raster records (for the SHA-256 of kept files). */
  rasters: SavedRaster[];
}

/**
 * Which epochs must be decoded again: those whose files changed (or were not in the earlier run),
 * the ends of every epoch pair not counted before, and the epochs (or pair ends) whose output
 * raster is missing, was written with other coefficients, or is no longer the file written then.
 * Restores the rest into `tallies`. The caller has checked that the state's count_key is this run's.
 */
export async function applyState(
  state: ResumeState, keys: ResumeKeys, plan: Plan, tallies: Tallies, sha256Of: Map<string, string>, out: string,
  rasters: { epochs: boolean; changePairs: [number, number][] },
): Promise<Reuse> {
  const zoneTotal = tallies.byEpoch[0]!.length;
  const hashesOf = (i: number) => plan.epochs[i]!.files.map((f) => sha256Of.get(f.path) ?? '');
  const same = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((v, k) => v === b[k]);
  const unchanged = plan.epochs.map((e, i) => {
    const s = state.epochs.find((x) => x.year === e.year);
    return s && s.zones.length === zoneTotal && same(s.inputs_sha256, hashesOf(i)) ? s : null;
  });
  const variable = plan.groups[0]!.cellArea.constantHa === null && plan.epochs.length > 1;
  const saved = unchanged.map((s, i) => (s && (!variable || same(s.source ?? [], epochSource(plan, i, sha256Of))) ? s : null));
  // fresh: tallies counted again; decode: epochs the tasks read (fresh ones, and others for a pair or a raster)
  const fresh = new Set(plan.epochs.flatMap((_, i) => (saved[i] ? [] : [i])));
  const decode = new Set(fresh);
  const savedPairs = plan.pairs.map(([a, b]) => {
    const s = unchanged[a] && unchanged[b] ? state.pairs.find((x) => x.from_year === plan.epochs[a]!.year && x.to_year === plan.epochs[b]!.year && x.zones.length === zoneTotal) : undefined;
    if (!s) { decode.add(a); decode.add(b); }
    return s ?? null;
  });
  // With cell areas that vary, a fresh epoch's hectares must be summed over its own source pair, as in a fresh run.
  if (variable) for (const i of fresh) decode.add(sourceNeighbour(plan, i));
  // A raster is intact when it is the file the earlier run wrote: same size and modification
  // time, or (copied, restored from a backup) same size and SHA-256.
  const intact = async (file: string): Promise<boolean> => {
    const rec = state.raster_key === keys.raster ? state.rasters.find((r) => r.file === file) : undefined;
    const st = rec ? await stat(join(out, file)).catch(() => null) : null;
    if (!st || st.size !== rec!.size_bytes) return false;
    return st.mtimeMs === rec!.mtime_ms || (await sha256File(join(out, file))) === rec!.sha256;
  };
  const epochFile = (i: number) => `sequestration_${plan.epochs[i]!.year}.tif`;
  const changeFile = ([a, b]: [number, number]) => `change_${plan.epochs[a]!.year}_${plan.epochs[b]!.year}.tif`;
  if (rasters.epochs) {
    for (let i = 0; i < plan.epochs.length; i++) if (!decode.has(i) && !(await intact(epochFile(i)))) decode.add(i);
    for (const pair of rasters.changePairs) if (!(decode.has(pair[0]) && decode.has(pair[1])) && !(await intact(changeFile(pair)))) { decode.add(pair[0]); decode.add(pair[1]); }
  }
  const counted = [...decode].sort((a, b) => a - b);
  saved.forEach((s, i) => { if (s) tallies.restore(i, s.zones.map(loadZone)); });
  savedPairs.forEach((s, p) => { if (s) tallies.restorePair(p, s.zones.map(loadTransitions)); });
  if (counted.length === 0) tallies.overlapCells = state.overlap_cells;
  const keep = !rasters.epochs ? [] : [
    ...plan.epochs.flatMap((_, i) => (decode.has(i) ? [] : [epochFile(i)])),
    ...rasters.changePairs.filter(([a, b]) => !(decode.has(a) && decode.has(b))).map(changeFile),
  ];
  return { counted, keep, reusedYears: plan.epochs.flatMap((e, i) => (fresh.has(i) ? [] : [e.year])), rasters: state.rasters };
}

/**
 * The epoch whose pair an epoch's tallies are the marginal of in a full run (workers/count-epochs.ts):
 * the previous one, or the second for the first epoch; -1 with a single epoch (counted directly).
 */
function sourceNeighbour(plan: Plan, i: number): number {
  return plan.epochs.length === 1 ? -1 : i === 0 ? 1 : i - 1;
}

/** An epoch's source pair as saved: the neighbour's year and input hashes (empty with one epoch). */
function epochSource(plan: Plan, i: number, sha256Of: Map<string, string>): (number | string)[] {
  const j = sourceNeighbour(plan, i);
  return j < 0 ? [] : [plan.epochs[j]!.year, ...plan.epochs[j]!.files.map((f) => sha256Of.get(f.path) ?? '')];
}

/** The block's shape, checked before anything is restored from it (the checksum guards its values). */
function wellFormed(s: ResumeState): boolean {
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  const tally = (t: unknown, lead = 0) => Array.isArray(t) && t.length === lead + 3 && t.every(num);
  const list = (v: unknown, each: (x: unknown) => boolean) => Array.isArray(v) && v.every(each);
  const zone = (z: unknown) => {
    const o = z as SavedZone | null;
    return o !== null && typeof o === 'object' && list(o.classes, (c) => tally(c, 1)) && tally(o.nodata) && num(o.outside_cells);
  };
  return typeof s.count_key === 'string' && typeof s.raster_key === 'string' && num(s.overlap_cells)
    && list(s.epochs, (e) => { const o = e as SavedEpoch | null; return o !== null && num(o.year) && list(o.inputs_sha256, (h) => typeof h === 'string') && list(o.source ?? [], (v) => typeof v === 'string' || num(v)) && list(o.zones, zone); })
    && list(s.pairs, (p) => { const o = p as SavedPair | null; return o !== null && num(o.from_year) && num(o.to_year) && list(o.zones, (rows) => list(rows, (r) => tally(r, 2))); })
    && list(s.rasters, (r) => { const o = r as SavedRaster | null; return o !== null && typeof o.file === 'string' && num(o.size_bytes) && num(o.mtime_ms) && typeof o.sha256 === 'string'; });
}

function loadZone(z: SavedZone): ZoneTally {
  return {
    classes: new Map(z.classes.map(([code, ...t]) => [code, loadTally(t)])),
    nodata: loadTally(z.nodata),
    outsideCells: z.outside_cells,
  };
}

function loadTransitions(rows: [number, number, ...SavedTally][]): Map<number, TransitionTally> {
  return new Map(rows.map(([from, to, ...t]) => [transitionKey(from, to), loadTally(t, Object.assign(newTally(), { from, to })) as TransitionTally]));
}

/** Put a kept output file into the staging folder (a hard link: no copy, and its mtime stays). */
export async function stageKept(file: string, out: string, stagingPath: string): Promise<void> {
  try {
    await link(join(out, file), stagingPath);
  } catch {
    await copyFile(join(out, file), stagingPath);
  }
}

/** Size, modification time and SHA-256 (from the writer, or of a kept file from the earlier record) of the rasters a run commits. */
export async function rasterRecords(files: { file: string; path: string; sha256: string | null }[], earlier: SavedRaster[]): Promise<SavedRaster[]> {
  return Promise.all(files.map(async ({ file, path, sha256 }) => {
    const s = await stat(path);
    return { file, size_bytes: s.size, mtime_ms: s.mtimeMs, sha256: sha256 ?? earlier.find((r) => r.file === file)?.sha256 ?? (await sha256File(path)) };
  }));
}

export function sha256File(path: string): Promise<string> {
  return new Promise((ok, fail) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (d) => h.update(d)).on('error', fail).on('end', () => ok(h.digest('hex')));
  });
}
