import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { readZones } from '../boundaries/read-zones.js';
import { openRaster, type RasterInfo } from '../rasters/open.js';
import { isUrl } from '../rasters/remote.js';
import { PoolExecutor, type TaskExecutor } from '../workers/executor.js';
import { GeoTiffWriter } from '../output/geotiff-writer.js';
import { writeZonesGeoJson } from '../output/zones-geojson.js';
import { Staging } from '../output/staging.js';
import type { CountResult, CountTask, OutputTile, WorkerSetup } from '../workers/task-types.js';
import type { RunOptions } from './args.js';
import { coefficientLut, loadCoefficients } from './coefficients.js';
import { RemoteTaskFailure, UserError, messages } from './errors.js';
import { Tallies } from './merge.js';
import { makePlan, restrictTasks, type GridGroup, type Plan } from './plan.js';
import { applyState, loadState, rasterRecords, resumeKeys, saveState, sha256File, stageKept, type ResumeKeys, type Reuse } from './resume.js';
import { OUTPUTS } from './spec.js';
import { buildTables, type Tables } from './tables.js';
import { coverageWarnings } from './coverage-warnings.js';
import { buildTransitions } from './transitions.js';
import { buildSummary, toolVersion, type Summary } from './summary.js';
import { buildFigures, topConversions } from './figures.js';
import { hasIntervals } from './intervals.js';
import { scaleCoefficients, unitColumn, writeUnitCsv } from './units.js';
import type { Reporter } from './report-progress.js';

export const RASTER_NODATA = -9999;

export interface RunResult {
  tables: Tables;
  summary: Summary;
  files: string[];
  blocksDecoded: number;
}

/**
 * The main job: rasters + zones + coefficients -> tables and GeoTIFFs in opts.out. Counts on
 * `pool` when given (closed here), else on a pool of opts.workers threads, or on the queue.
 */
export async function runPipeline(opts: RunOptions, reporter: Reporter, signal?: AbortSignal, pool: PoolExecutor | null = opts.queue ? null : new PoolExecutor(opts.workers)): Promise<RunResult> {
  // Worker threads start (and load their modules) while this thread reads the inputs and plans.
  try {
    return await runWith(pool, opts, reporter, signal);
  } finally {
    await pool?.close();
  }
}

async function runWith(pool: PoolExecutor | null, opts: RunOptions, reporter: Reporter, signal?: AbortSignal): Promise<RunResult> {
  const t0 = performance.now();
  if (opts.epochs.length === 0) throw new UserError('No land-use raster given. Add --raster YEAR=PATH for each epoch.');
  const table = scaleCoefficients(await loadCoefficients(opts.coefficients), opts.unit);
  const zoneSet = await readZones(opts.zones, { idField: opts.zoneId, nameField: opts.zoneName, crs: opts.zonesCrs, layer: opts.zonesLayer });
  zoneSet.warnings.forEach((w) => reporter.warn(w));
  const epochFiles = await Promise.all(opts.epochs.map(async (e) => ({ year: e.year, files: await Promise.all(e.paths.map(openRaster)) })));
  new Set(epochFiles.flatMap((e) => e.files.flatMap((f) => f.warnings))).forEach((w) => reporter.warn(w));
  guardOutFolder(opts.out, [opts.zones, ...opts.epochs.flatMap((e) => e.paths)].filter((p) => !isUrl(p)));
  const plan = makePlan(epochFiles, zoneSet, { coverage: opts.coverage, cellArea: opts.cellArea, extent: opts.extent, rasters: opts.rasters, nodataOut: RASTER_NODATA });
  for (const g of plan.groups) {
    if (g.zonesOutside.length === 0) continue;
    const names = g.zonesOutside.map((z) => `${zoneSet.zones[z]!.id} (${zoneSet.zones[z]!.name})`).join(', ');
    reporter.warn(`${g.zonesOutside.length} zone(s) lie entirely outside the raster extent and get zero area: ${names}. Check that the rasters cover the whole region.`);
  }
  for (const g of plan.groups) if (g.cellArea.kind === 'nominal' && !g.crs.isEqualArea) reporter.warn(`Rasters of ${g.epochs.map((e) => e.year).join(', ')} are in a projection that does not preserve area (${g.crs.proj4}); --cell-area nominal uses the nominal cell size ${g.cellArea.constantHa} ha, off by the squared scale factor. Drop --cell-area nominal for true ellipsoidal cell areas.`);
  const tPlanned = performance.now();

  // Remote rasters are not downloaded whole just to hash them: their sha256 stays null (summary.json says why).
  const hashes = Promise.all([opts.zones, ...epochFiles.flatMap((e) => e.files.map((f) => f.path))].filter((p) => !isUrl(p)).map(sha256));
  hashes.catch(() => undefined); // a run that stops before awaiting them must not die of an unhandled rejection
  const sha256Of = async () => new Map((await hashes).map((h) => [h.path, h.sha256]));
  const setup = workerSetup(plan, table, opts);
  // Fingerprinted before --resume restricts the tasks.
  const keys = resumeKeys({ version: toolVersion(), coverage: opts.coverage, plan, rasterValues: setup.coefficientByCode, rasterOptions: [setup.unmappedCoefficient, RASTER_NODATA] });
  const staging = await Staging.create(opts.out);
  const writers: (GeoTiffWriter | null)[] = plan.epochs.map(() => null);
  const changeWriters = new Map<number, GeoTiffWriter[]>();
  const changePairs = changeRasterPairs(plan, opts.changeRasters);
  const tallies = new Tallies(plan, zoneSet.zones.length);
  pool?.useSetup(setup);
  let executor: TaskExecutor | null = pool;
  try {
    const reuse = opts.resume && !opts.queue ? await resumeFrom(opts.out, keys, plan, tallies, await sha256Of(), changePairs, reporter) : null;
    const rasterFiles: { file: string; path: string; writer: GeoTiffWriter | null }[] = [];
    for (const i of plan.taskEpochs) {
      const epoch = plan.epochs[i]!;
      const group = plan.groups[epoch.group]!;
      if (!group.output) continue;
      const file = `sequestration_${epoch.year}.tif`;
      writers[i] = await GeoTiffWriter.create(staging.path(file), rasterSpec(group, epoch.files[0]!));
      rasterFiles.push({ file, path: staging.path(file), writer: writers[i] });
    }
    for (const [a, b] of changePairs) {
      const from = plan.epochs[a]!, to = plan.epochs[b]!;
      const group = plan.groups[from.group]!;
      const [ta, tb] = [plan.taskEpochs.indexOf(a), plan.taskEpochs.indexOf(b)];
      if (!group.output || to.group !== from.group || ta < 0 || tb < 0) continue;
      // task.output is the group's OutputPlan: the workers cut these pairs' change tiles too
      (group.output.changePairs ??= []).push([ta, tb]);
      const list = changeWriters.get(from.group) ?? changeWriters.set(from.group, []).get(from.group)!;
      const file = `change_${from.year}_${to.year}.tif`;
      const writer = await GeoTiffWriter.create(staging.path(file), rasterSpec(group, from.files[0]!));
      list.push(writer);
      rasterFiles.push({ file, path: staging.path(file), writer });
    }
    for (const file of reuse?.keep ?? []) {
      await stageKept(file, opts.out, staging.path(file));
      rasterFiles.push({ file, path: staging.path(file), writer: null });
    }
    // Queued tasks are serialized once, so only now, with the change pairs added to task.output.
    // BullMQ and ioredis load only for a distributed run (a quarter of a local run's start-up otherwise).
    const queue = opts.queue ? await import('./queue-executor.js') : null;
    executor ??= await queue!.QueueExecutor.open({
      url: opts.queue!, runId: opts.runId, resume: opts.resume, setup, tasks: plan.tasks, reporter,
      rasters: epochFiles.flatMap((e) => e.files.map((f) => f.path)),
    });
    let blocksDecoded = 0;
    const phasesMs = { decode: 0, assemble: 0, coverage: 0, count: 0, output: 0 };
    await runTasks(executor, plan.tasks, queue ? queue.QUEUE_IN_FLIGHT : opts.workers * 3, reporter, signal, async (task, result) => {
      tallies.add(task, result);
      blocksDecoded += result.blocksDecoded;
      for (const k of Object.keys(phasesMs) as (keyof typeof phasesMs)[]) phasesMs[k] += result.phasesMs[k];
      for (let e = 0; e < result.epochs.length; e++) {
        const writer = writers[plan.taskEpochs[e]!];
        if (!writer) continue;
        await writeTiles(writer, result.epochs[e]!.tiles);
      }
      const groupChangeWriters = changeWriters.get(task.group) ?? [];
      for (let k = 0; k < result.changeTiles.length; k++) await writeTiles(groupChangeWriters[k]!, result.changeTiles[k]!);
    });
    const tCounted = performance.now();
    for (const w of [...writers, ...[...changeWriters.values()].flat()]) {
      if (!w) continue;
      await w.writeEmptyTiles(w.tilesAcross * w.tilesDown);
      await w.finish();
    }
    const tables = buildTables(plan, tallies, zoneSet.zones, table, opts.unmapped === 'zero');
    if (tables.unmapped.length > 0 && opts.unmapped === 'error') {
      const list = tables.unmapped.map((u) => `${u.code} (${u.cells} cells in ${u.years.join(', ')})`).join('; ');
      throw new UserError(messages.unmappedCodes(opts.epochs.map((e) => e.paths[0]).join(', '), list));
    }
    coverageWarnings(plan, tallies, zoneSet.zones, tables, opts.unmapped === 'zero').forEach((w) => reporter.warn(w));
    const { transitions, attribution } = buildTransitions(plan, tallies, zoneSet.zones, table, opts.unmapped === 'zero');
    const figures = buildFigures(tables);
    for (const spec of OUTPUTS) {
      if (!spec.columns) continue;
      const rows = {
        'zones_classes.csv': tables.zonesClasses, 'zones.csv': tables.zones, 'classes.csv': tables.classes,
        'change.csv': tables.change, 'transitions.csv': transitions, 'attribution.csv': attribution,
        'primary_classes.csv': figures.primaryClasses, 'classes_ranked.csv': figures.classesRanked, 'region_trend.csv': figures.regionTrend,
        'zones_mean.csv': figures.zonesMean, 'zones_change_ranked.csv': figures.zonesChangeRanked,
      }[spec.file];
      if (rows) await writeUnitCsv(staging.path(spec.file), spec.columns, rows, opts.unit, hasIntervals(table));
    }
    await writeZonesGeoJson(staging.path('zones.geojson'), {
      zones: zoneSet.zones, crs: zoneSet.crs, years: plan.epochs.map((e) => e.year),
      zoneRows: tables.zones, change: tables.change, column: (c) => unitColumn(c, opts.unit),
    });
    const state = saveState(plan, tallies, keys, await sha256Of(), await rasterRecords(rasterFiles.map((r) => ({ ...r, sha256: r.writer?.sha256 ?? null })), reuse?.rasters ?? []));
    await writeFile(staging.path('resume.json'), JSON.stringify(state) + '\n');
    const summary = buildSummary({
      resumed: reuse && { reused_years: reuse.reusedYears, counted_years: plan.taskEpochs.map((i) => plan.epochs[i]!.year), kept_files: reuse.keep },
      opts, plan, zoneSet, table, tables, attribution, figures, top: topConversions(attribution, opts.top), hashes: await hashes, warnings: reporter.warnings,
      timingsS: { plan: (tPlanned - t0) / 1000, count: (tCounted - tPlanned) / 1000, total: (performance.now() - t0) / 1000 },
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      blocksDecoded,
      workerPhasesS: Object.fromEntries(Object.entries(phasesMs).map(([k, v]) => [k, v / 1000])),
    });
    await writeFile(staging.path('summary.json'), JSON.stringify(summary, null, 2) + '\n');
    // The report reads what the run just staged (summary, rasters) and is committed with it.
    // Loaded on demand: the report's modules are a good part of start-up time.
    if (opts.report) await (await import('../output/report/index.js')).writeReport(staging.dir, summary, { zones: zoneSet, progress: reporter, target: staging.path('report.html') });
    // Ctrl-C after the counting still leaves --out as it was.
    signal?.throwIfAborted();
    const files = await staging.commit(outputNames());
    return { tables, summary, files, blocksDecoded };
  } catch (err) {
    for (const w of [...writers, ...[...changeWriters.values()].flat()]) await w?.abort().catch(() => undefined);
    await staging.abort();
    const code = (err as NodeJS.ErrnoException | null)?.code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EROFS' || code === 'EIO') {
      throw new UserError(messages.outputWriteFailed(opts.out, code, (err as Error).message));
    }
    throw err;
  } finally {
    // The pool is closed by runPipeline; a queue executor is this run's own.
    if (executor !== pool) await executor?.close();
  }
}

/** --resume: restore what the earlier run in `out` counted and leave the tasks that remain. */
async function resumeFrom(
  out: string, keys: ResumeKeys, plan: Plan, tallies: Tallies, sha256Of: Map<string, string>,
  changePairs: [number, number][], reporter: Reporter,
): Promise<Reuse | null> {
  const prev = await loadState(out);
  if (!('state' in prev)) {
    reporter.info(`--resume: nothing to reuse (${prev.reason}); counting every epoch.`);
    return null;
  }
  if (prev.state.count_key !== keys.count) {
    reporter.info(`--resume: the earlier run in ${out} counted other zones or with other settings (the zones as projected into the grid, the grid's extent, --coverage, --cell-area, --extent, the first raster's block layout, or another lucc-carbon version); counting every epoch.`);
    return null;
  }
  const reuse = await applyState(prev.state, keys, plan, tallies, sha256Of, out, { epochs: plan.groups[0]!.output !== null, changePairs });
  restrictTasks(plan, reuse.counted);
  const years = (list: number[]) => (list.length ? list.join(', ') : 'none');
  reporter.info(`--resume: reusing the counts of ${years(reuse.reusedYears)}${reuse.keep.length ? ` and ${reuse.keep.length} raster(s)` : ''} from ${out}; decoding ${years(reuse.counted.map((i) => plan.epochs[i]!.year))}.`);
  return reuse;
}

/** Submit tasks with a bounded number in flight; hand results on in task order. */
async function runTasks(
  pool: TaskExecutor, tasks: CountTask[], inFlight: number, reporter: Reporter, signal: AbortSignal | undefined,
  onResult: (task: CountTask, result: CountResult) => Promise<void>,
): Promise<void> {
  const done = new Map<number, CountResult>();
  let next = 0;
  let merged = 0;
  let failure: unknown = null;
  reporter.start('counting', tasks.length);
  await new Promise<void>((resolveAll, rejectAll) => {
    const pump = (): void => {
      if (failure) return;
      while (next < tasks.length && next - merged < inFlight) {
        const task = tasks[next++]!;
        pool.run(task).then(
          (r: CountResult) => { done.set(task.id, r); void drain(); },
          (err: unknown) => { failure ??= workerFailure(task, err); rejectAll(failure); },
        );
      }
      if (merged === tasks.length) resolveAll();
    };
    let draining = false;
    const drain = async (): Promise<void> => {
      if (draining) return;
      draining = true;
      try {
        while (done.has(merged)) {
          const r = done.get(merged)!;
          done.delete(merged);
          await onResult(tasks[merged]!, r);
          merged++;
          reporter.tick(merged);
        }
      } catch (err) {
        failure ??= err;
        rejectAll(err);
        return;
      } finally {
        draining = false;
      }
      pump();
    };
    if (signal?.aborted) rejectAll(signal.reason);
    signal?.addEventListener('abort', () => { failure ??= signal.reason; rejectAll(signal.reason); }, { once: true });
    pump();
  });
  reporter.end();
}

/** Worker errors marked "[user]" are bad input; anything else is a bug and keeps its stack. */
function workerFailure(task: CountTask, err: unknown): unknown {
  if (err instanceof UserError) return err; // the executor's own diagnosis (e.g. Redis lost the run)
  const msg = (err as Error)?.message ?? String(err);
  if (msg.startsWith('[user] ')) return new UserError(msg.slice(7));
  const files = task.epochs.flat().map((s) => s.path).join(', ');
  const where = `window of ${task.window.cols} x ${task.window.rows} cells at column ${task.window.col0}, row ${task.window.row0} of ${files}`;
  if (err instanceof RemoteTaskFailure) {
    return new UserError(`Task ${task.id}, the ${where}, failed ${err.attempts} times on the queue's workers (${msg}). Check that every worker machine can read these rasters (same paths, or http(s) URLs), and the files with \`gdalinfo -checksum\`.`);
  }
  if (/worker exited|terminated|out of memory|ERR_WORKER/i.test(msg)) {
    // The thread itself died (out of memory, a native crash): say where, without a JS stack.
    return new UserError(`A worker thread died while counting the ${where} (${msg}). If memory ran out, run with fewer --workers; otherwise the file may be damaged: check it with \`gdalinfo -checksum\`.`, 1);
  }
  const e = new Error(`worker failed on the ${where}: ${msg}`);
  e.stack = (err as Error)?.stack ?? e.stack;
  return e;
}

/** A task's tiles of one raster, after nodata tiles for the gap since the previous task's. */
async function writeTiles(writer: GeoTiffWriter, tiles: OutputTile[]): Promise<void> {
  for (const tile of tiles) {
    await writer.writeEmptyTiles(tile.index);
    await writer.writeCompressedTile(tile.index, tile.bytes, tile.reduced);
  }
}

/** Epoch pairs (indices into plan.epochs) that get a change_<from>_<to>.tif: all of plan.pairs, or first-to-last. */
function changeRasterPairs(plan: Plan, which: 'first-last' | 'all' | 'none'): [number, number][] {
  if (which === 'none' || plan.epochs.length < 2) return [];
  return which === 'all' ? plan.pairs : [[0, plan.epochs.length - 1]];
}

function rasterSpec(group: GridGroup, first: RasterInfo) {
  const o = group.output!;
  return {
    width: o.cols, height: o.rows, sampleType: 'float32' as const, tileSize: o.tileSize,
    originX: group.grid.originX + o.col0 * group.grid.cellWidth,
    originY: group.grid.originY - o.row0 * group.grid.cellHeight,
    cellWidth: group.grid.cellWidth, cellHeight: group.grid.cellHeight,
    nodata: RASTER_NODATA, geoKeys: first.geoKeyTags,
    // The workers compress tiles without a predictor (see outputTiles in workers/count-task.ts).
    predictor: 1 as const,
  };
}

function workerSetup(plan: Plan, table: Parameters<typeof coefficientLut>[0], opts: RunOptions): WorkerSetup {
  return {
    geometries: plan.groups.map((g) => g.geometry),
    areaLattices: plan.groups.map((g) => g.cellArea.lattice),
    coefficientByCode: coefficientLut(table),
    unmappedCoefficient: opts.unmapped === 'zero' ? 0 : null,
  };
}

function guardOutFolder(out: string, inputs: string[]): void {
  for (const input of inputs) {
    if (dirname(resolve(input)) === resolve(out)) {
      throw new UserError(`--out ${out}: is the folder of the input ${input}. Write results to a folder of their own (e.g. --out results), so no input can be overwritten.`);
    }
  }
}

async function sha256(path: string): Promise<{ path: string; sha256: string }> {
  return { path, sha256: await sha256File(path) };
}

/** Every file name a run may write (OUTPUTS, with <year>, <from>, <to> as four-digit years). */
function outputNames(): RegExp {
  const names = OUTPUTS.map((o) => o.file.replace(/[.]/g, '\\.').replace(/<(year|from|to)>/g, '\\d{4}'));
  return new RegExp(`^(${names.join('|')})$`);
}
