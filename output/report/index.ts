import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readZones, type ZoneSet } from '../../boundaries/read-zones.js';
import { UserError, readJsonFile } from '../../pipeline/errors.js';
import { reportData, type ReportSummary } from './data.js';
import { renderPage } from './html.js';
import { renderMaps, type Progress } from './maps.js';

const SILENT: Progress = { start: () => undefined, tick: () => undefined, end: () => undefined };

export interface ReportOptions {
  /** The zones as the run read them; read again from summary.json's path when absent. */
  readonly zones?: ZoneSet | null;
  readonly progress?: Progress;
  /** Where to write; default DIR/report.html, through a temporary name and a rename. */
  readonly target?: string;
}

/**
 * report.html from an output folder's summary.json and rasters: one self-contained file
 * (maps as inline PNG with SVG outlines, charts as inline SVG, styles inline, no script).
 */
export async function writeReport(dir: string, summary: unknown, opts: ReportOptions = {}): Promise<{ path: string; bytes: number }> {
  const data = reportData(summary, join(dir, 'summary.json'));
  const zones = opts.zones === undefined ? await rereadZones(data.s) : opts.zones;
  const maps = await renderMaps(dir, data, zones, opts.progress ?? SILENT);
  const inputs = [data.s.inputs.zones.path, ...data.s.inputs.rasters.map((r) => r.path)];
  const modified = new Map<string, Date>();
  await Promise.all(inputs.map((p) => stat(p).then((s) => { modified.set(p, s.mtime); }, () => undefined)));
  const html = renderPage(data, maps, { modified, generatedAt: new Date() });
  const target = opts.target ?? join(dir, 'report.html');
  const tmp = opts.target ? target : `${target}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, html);
    if (tmp !== target) await rename(tmp, target);
  } catch (err) {
    if (tmp !== target) await rm(tmp, { force: true });
    throw err;
  }
  return { path: target, bytes: Buffer.byteLength(html) };
}

/** `lucc-carbon report DIR`: rebuild DIR/report.html from what the run left there. */
export async function rebuildReport(dir: string, progress?: Progress): Promise<{ path: string; bytes: number }> {
  const summary = await readJsonFile(join(dir, 'summary.json'), 'run summary (give the --out folder of a finished run)',
    'Run `lucc-carbon run` again to rewrite the folder.');
  try {
    return await writeReport(dir, summary, { progress });
  } catch (err) {
    if (err instanceof UserError) throw err;
    // The run wrote these GeoTIFFs itself: one that cannot be read was damaged since.
    throw new UserError(`${dir}: an output GeoTIFF in this folder cannot be read (${(err as Error)?.message ?? String(err)}). The folder was changed or damaged after the run; run \`lucc-carbon run\` again to rewrite it.`);
  }
}

/** The zones again, as the run read them (fields, GeoPackage layer, CRS override from summary.json); null if unreadable. */
async function rereadZones(s: ReportSummary): Promise<ZoneSet | null> {
  const z = s.inputs.zones;
  const field = (f: string) => (f && !f.startsWith('(') ? f : undefined);
  try {
    return await readZones(z.path, { idField: field(z.id_field), nameField: field(z.name_field), crs: z.zones_crs ?? undefined, layer: z.layer ?? undefined });
  } catch {
    return null;
  }
}
