import { Piscina } from 'piscina';
import { deflateSync } from 'node:zlib';
import { centerSpans } from '../boundaries/center-spans.js';
import { exactSpans } from '../boundaries/exact-spans.js';
import { Spans } from '../boundaries/spans.js';
import { zoneEdges, type ZoneEdges } from '../boundaries/edges.js';
import { markSpans, overlapCells } from './count-kernel.js';
import { countEpochs } from './count-epochs.js';
import { windowCellHa } from '../rasters/area-lattice.js';
import { fillWindow } from './fill-window.js';
import { OUTSIDE_SLOT, SLOTS, SlotMap } from './slots.js';
import type { CountResult, CountTask, EpochCounts, OutputPlan, OutputTile, SourceRef, WorkerSetup } from './task-types.js';
import type { PoolMessage } from './executor.js';
import { reduceTile } from '../output/overviews.js';
import { TileSource } from './tile-source.js';
import type { Window } from '../rasters/grid.js';

/**
 * The piscina task: count one window of every epoch of a grid group. Coverage of the window by
 * its zones is computed once and used for all epochs; each block is decoded once per epoch.
 */
export function createCounter(setup: WorkerSetup) {
  const source = new TileSource();
  const edgeCache = new Map<number, ZoneEdges>();
  const spans: Spans[] = [];
  const slotBuffers: Uint16Array[] = [];

  const edgesOf = (group: number, zone: number): ZoneEdges => {
    const key = group * 1_000_000 + zone;
    let e = edgeCache.get(key);
    if (!e) {
      e = zoneEdges(setup.geometries[group]!, zone);
      edgeCache.set(key, e);
    }
    return e;
  };

  const count = async (task: CountTask): Promise<CountResult> => {
    const w = task.window;
    const cells = w.cols * w.rows;
    const nZones = task.zones.length;
    const decodedBefore = source.blocksDecoded;
    const decodeBefore = source.decodeMs;
    const phasesMs = { decode: 0, assemble: 0, coverage: 0, count: 0, output: 0 };
    let t = performance.now();
    const lap = (phase: keyof typeof phasesMs): void => {
      const now = performance.now();
      phasesMs[phase] += now - t;
      t = now;
    };

    // Coverage, computed once for all epochs: weighted runs per zone, and the per-row extent
    // of their union (which blocks need decoding at all).
    const rowFirst = new Int32Array(w.rows).fill(w.cols);
    const rowLast = new Int32Array(w.rows).fill(-1);
    const coverage = task.coverage === 'exact' ? exactSpans : centerSpans;
    for (let z = 0; z < nZones; z++) {
      const zoneSpans = (spans[z] ??= new Spans());
      coverage(edgesOf(task.group, task.zones[z]!), w, zoneSpans);
      const s = zoneSpans.runs;
      for (let i = 0; i < zoneSpans.count; i++) {
        const r = s[3 * i]!;
        if (s[3 * i + 1]! < rowFirst[r]!) rowFirst[r] = s[3 * i + 1]!;
        if (s[3 * i + 2]! - 1 > rowLast[r]!) rowLast[r] = s[3 * i + 2]! - 1;
      }
    }

    let mask: Uint8Array | null = null;
    if (task.output) {
      mask = new Uint8Array(cells);
      for (let z = 0; z < nZones; z++) markSpans(mask, w.cols, spans[z]!.runs, spans[z]!.count);
    }

    // Projections that do not preserve area: every cell's true area, once for all epochs.
    const lattice = setup.areaLattices[task.group] ?? null;
    let cellHa: Float64Array | null = null;
    if (lattice) {
      cellHa = new Float64Array(cells);
      windowCellHa(lattice, w, cellHa);
    }
    const overlap = overlapCells(spans.slice(0, nZones), w.rows);
    lap('coverage');
    const slotMaps: SlotMap[] = [];
    for (let e = 0; e < task.epochs.length; e++) {
      const sources = task.epochs[e]!;
      const slotMap = new SlotMap(sources.every((s) => s.byteCells));
      const slots = (slotBuffers[e] = slotBuffers[e] && slotBuffers[e]!.length >= cells ? slotBuffers[e]! : new Uint16Array(cells));
      await fillWindow(source, sources, w, slotMap, rowFirst, rowLast, slots);
      slotMaps.push(slotMap);
    }
    lap('assemble');
    const tallies = countEpochs({
      slots: slotBuffers.slice(0, task.epochs.length), stride: w.cols,
      spans: spans.slice(0, nZones), pairs: task.pairs, rowHa: task.rowHa, cellHa,
    });
    const pairs = tallies.pairs;
    lap('count');
    // t/ha/yr by slot, once per epoch (the change rasters reuse them)
    const out = task.output;
    const values = out ? slotMaps.map((m, e) => slotValues(out, m.codes, task.epochs[e]!, setup)) : [];
    const epochs: EpochCounts[] = tallies.epochs.map((t, e) => ({
      counts: t.counts, fracCells: t.fracCells, areasHa: t.areasHa, slotCodes: slotMaps[e]!.codes,
      tiles: out && mask ? outputTiles(out, w, mask, slotBuffers[e]!, values[e]!, null) : [],
    }));
    const changeTiles = (out?.changePairs ?? []).map(([a, b]) =>
      outputTiles(out!, w, mask!, slotBuffers[b]!, values[b]!, { slots: slotBuffers[a]!, values: values[a]! }));
    lap('output');
    // Decoding happens inside assembly; report it apart.
    phasesMs.decode = source.decodeMs - decodeBefore;
    phasesMs.assemble -= phasesMs.decode;
    return { id: task.id, epochs, pairs, changeTiles, overlapCells: overlap, blocksDecoded: source.blocksDecoded - decodedBefore, phasesMs };
  };
  // close(): for in-process callers (the fuzz harness); a worker thread keeps its files open.
  return Object.assign(count, { close: () => source.close() });
}

/**
 * t/ha/yr by slot for one epoch: the coefficient of the slot's class; nodata outside the rasters
 * and on the input's nodata code (which --unmapped zero must not turn into 0 t/ha/yr).
 */
function slotValues(plan: OutputPlan, slotCodes: Float64Array, sources: SourceRef[], setup: WorkerSetup): Float32Array {
  const valueBySlot = new Float32Array(SLOTS).fill(plan.nodata);
  const inputNodata = sources[0]?.nodata ?? null;
  for (let s = 0; s < OUTSIDE_SLOT; s++) {
    const code = slotCodes[s]!;
    if (!Number.isInteger(code) || code < 0 || code > 65535 || code === inputNodata) continue;
    const c = setup.coefficientByCode[code]!;
    valueBySlot[s] = Number.isNaN(c) ? (setup.unmappedCoefficient ?? plan.nodata) : c;
  }
  return valueBySlot;
}

// One tile and one predictor buffer per worker thread, reused for every tile.
let tileScratch = new Float32Array(0);

/**
 * Cut the window into output tiles of t/ha/yr inside the zones, nodata elsewhere: one epoch's
 * coefficients, or with `from` the change to minus from (nodata where either epoch has none).
 * Each tile leaves DEFLATE-compressed with the floating-point predictor, with its 2x2 average
 * for the overviews. The planner aligns windows to the output tile grid.
 */
function outputTiles(
  plan: OutputPlan, w: Window, mask: Uint8Array, slots: Uint16Array, values: Float32Array,
  from: { slots: Uint16Array; values: Float32Array } | null,
): OutputTile[] {
  const T = plan.tileSize;
  const nodata = plan.nodata;
  const tiles: OutputTile[] = [];
  if (tileScratch.length !== T * T) tileScratch = new Float32Array(T * T);
  const tile = tileScratch;
  for (let ty = 0; ty * T < w.rows; ty++) {
    for (let tx = 0; tx * T < w.cols; tx++) {
      tile.fill(nodata);
      const rows = Math.min(T, w.rows - ty * T);
      const cols = Math.min(T, w.cols - tx * T);
      for (let r = 0; r < rows; r++) {
        const src = (ty * T + r) * w.cols + tx * T;
        const dst = r * T;
        if (from) {
          const fromSlots = from.slots, fromValues = from.values;
          for (let c = 0; c < cols; c++) {
            if (!mask[src + c]) continue;
            const b = values[slots[src + c]!]!, a = fromValues[fromSlots[src + c]!]!;
            if (a !== nodata && b !== nodata) tile[dst + c] = b - a;
          }
        } else {
          for (let c = 0; c < cols; c++) if (mask[src + c]) tile[dst + c] = values[slots[src + c]!]!;
        }
      }
      const tileCol = (w.col0 - plan.col0) / T + tx;
      const tileRow = (w.row0 - plan.row0) / T + ty;
      tiles.push({
        index: tileRow * plan.tilesAcross + tileCol,
        // Plain DEFLATE, no predictor: coefficient maps are piecewise constant, and on them the
        // floating-point predictor made tiles 2.5x larger and 3x slower to compress (measured on
        // the bench fixture: 96 kB in 4.6 ms vs 243 kB in 14.8 ms per 512 x 512 tile).
        bytes: deflateSync(new Uint8Array(tile.buffer, tile.byteOffset, tile.byteLength), { level: 1 }),
        reduced: reduceTile(tile, null, T, cols, rows, nodata, 'average'),
      });
    }
  }
  return tiles;
}

// piscina entry: one counter per worker thread and setup (PoolExecutor sends the setup, in shared
// memory, with each task). Result buffers are transferred, not cloned (piscina's Transferable protocol).
let counter: ReturnType<typeof createCounter> | null = null;
let counterSetup = -1;
export default async function run({ setupId, setup, task }: PoolMessage): Promise<unknown> {
  if (setupId !== counterSetup || !counter) {
    await counter?.close();
    counter = createCounter(setup);
    counterSetup = setupId;
  }
  const result = await counter(task);
  const buffers: ArrayBufferLike[] = [];
  for (const p of result.pairs) {
    buffers.push(p.cells.buffer, p.fracCells.buffer);
    if (p.areasHa) buffers.push(p.areasHa.buffer);
  }
  for (const e of result.epochs) {
    buffers.push(e.counts.buffer, e.fracCells.buffer);
    if (e.areasHa) buffers.push(e.areasHa.buffer);
  }
  for (const t of [...result.epochs.flatMap((e) => e.tiles), ...result.changeTiles.flat()]) {
    if (t.bytes.byteOffset === 0 && t.bytes.byteLength === t.bytes.buffer.byteLength) buffers.push(t.bytes.buffer);
    if (t.reduced.values) buffers.push(t.reduced.values.buffer);
    if (t.reduced.weights) buffers.push(t.reduced.weights.buffer);
  }
  return Piscina.move({ [Piscina.transferableSymbol]: buffers, [Piscina.valueSymbol]: result } as never);
}
