
import { dirname, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { isUrl } from '../rasters/remote.js';
import { UserError, readJsonFile } from './errors.js';
import { RUN_FLAGS, type FlagSpec } from './spec.js';

export interface EpochInput {
  readonly year: number;
  readonly paths: string[];
}

/** Everything a run needs, validated. */
export interface RunOptions {
  epochs: EpochInput[];
  zones: string;
  zoneId?: string;
  zonesCrs?: string;
  zoneName?: string;
  zonesLayer?: string;
  coefficients: string;
  unmapped: 'error' | 'zero';
  coverage: 'center' | 'exact';
  cellArea: 'true' | 'nominal';
  extent: 'zones' | 'raster';
  unit: 'C' | 'CO2';
  top: number;
  workers: number;
  /** Redis URL of a distributed run (`--queue`); absent for a local run. */
  queue?: string;
  runId?: string;
  resume: boolean;
  out: string;
  rasters: boolean;
  changeRasters: 'first-last' | 'all' | 'none';
  report: boolean;
  json: boolean;
  quiet: boolean;
}

type Raw = Map<string, (string | number | boolean)[]>;

/** Parse `run` flags (and a --config file) into RunOptions. */
export async function parseRunArgs(argv: string[], cwd = process.cwd()): Promise<RunOptions> {
  const raw: Raw = new Map();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UserError(`Unexpected argument "${arg}". Flags start with --; see \`lucc-carbon --help\`.`);
    let name = arg.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0 && !name.startsWith('raster=')) { value = name.slice(eq + 1); name = name.slice(0, eq); }
    else if (name.startsWith('raster=')) { value = name.slice(7); name = 'raster'; }
    let negated = false;
    if (name.startsWith('no-') && !flag(name) && flag(name.slice(3))?.kind === 'boolean') { negated = true; name = name.slice(3); }
    const spec = flag(name);
    if (!spec) throw new UserError(`Unknown flag --${name}. Run \`lucc-carbon --help\` for the list of flags.`);
    if (spec.kind === 'boolean') {
      push(raw, name, !negated);
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UserError(`--${name} needs a value (${spec.valueName ?? spec.kind}).`);
    }
    push(raw, name, value);
  }
  const configPath = raw.get('config')?.[0];
  if (typeof configPath === 'string') await mergeConfig(raw, resolve(cwd, configPath));
  return validate(raw, cwd);
}

function flag(name: string): FlagSpec | undefined {
  return RUN_FLAGS.find((f) => f.name === name);
}

function push(raw: Raw, name: string, v: string | number | boolean): void {
  const list = raw.get(name) ?? [];
  list.push(v);
  raw.set(name, list);
}

/** Command-line flags win over the file; the file's relative paths are resolved from its folder. */
async function mergeConfig(raw: Raw, path: string): Promise<void> {
  const doc = await readJsonFile(path, 'run configuration',
    'A run file is an object whose keys are the flag names, e.g. {"raster": {"2000": "a.tif"}, "zones": "counties.shp"}.') as Record<string, unknown>;
  const base = dirname(path);
  const abs = (p: unknown) => (typeof p === 'string' && !isUrl(p) ? resolve(base, p) : p);
  for (const [key, value] of Object.entries(doc)) {
    const spec = flag(key);
    if (!spec || key === 'config') throw new UserError(`${path}: unknown key "${key}". Keys are the flag names: ${RUN_FLAGS.map((f) => f.name).join(', ')}.`);
    if (raw.has(key)) continue;
    if (key === 'raster') {
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UserError(`${path}: "raster" must map years to files, e.g. {"2000": "lucc2000.tif", "2020": ["east.tif", "west.tif"]}.`);
      for (const [year, files] of Object.entries(value as Record<string, unknown>)) {
        for (const f of Array.isArray(files) ? files : [files]) push(raw, 'raster', `${year}=${String(abs(f))}`);
      }
    } else if (key === 'zones' || key === 'out' || (key === 'coefficients' && typeof value === 'string' && /[./\\]/.test(value))) {
      push(raw, key, abs(value) as string);
    } else {
      push(raw, key, value as string | number | boolean);
    }
  }
}

function validate(raw: Raw, cwd: string): RunOptions {
  for (const spec of RUN_FLAGS) {
    const values = raw.get(spec.name);
    if (spec.required && !values) throw new UserError(`--${spec.name} is required (${spec.about}). Example: lucc-carbon run --raster 2000=lucc2000.tif --raster 2020=lucc2020.tif --zones counties.geojson`);
    if (values && values.length > 1 && !spec.repeatable) throw new UserError(`--${spec.name} is given ${values.length} times; give it once.`);
    const v = values?.[0];
    if (spec.options && v !== undefined) {
      // Option values are matched case-insensitively (co2 = CO2) and stored as spelled in the spec.
      const canonical = spec.options.find((o) => o.toLowerCase() === String(v).toLowerCase());
      if (!canonical) throw new UserError(`--${spec.name} ${String(v)} is not one of: ${spec.options.join(', ')}.`);
      values![0] = canonical;
    }
  }
  const str = (name: string): string | undefined => {
    const v = raw.get(name)?.[0];
    return v === undefined ? undefined : String(v);
  };
  const def = (name: string) => RUN_FLAGS.find((f) => f.name === name)?.default;
  const epochs = new Map<number, string[]>();
  for (const v of raw.get('raster') ?? []) {
    const m = /^(\d{4})=(.+)$/.exec(String(v));
    if (!m) throw new UserError(`--raster ${String(v)}: expected YEAR=PATH, e.g. --raster 2000=lucc2000.tif.`);
    const year = Number(m[1]);
    epochs.set(year, [...(epochs.get(year) ?? []), isUrl(m[2]!) ? m[2]! : resolve(cwd, m[2]!)]);
  }
  const workersText = str('workers');
  const workers = workersText === undefined ? availableParallelism() : Number(workersText);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new UserError(`--workers ${workersText}: give a whole number of worker threads from 1 to 256.`);
  const topText = str('top') ?? String(def('top'));
  const top = Number(topText);
  if (!Number.isInteger(top) || top < 1) throw new UserError(`--top ${topText}: give a whole number of conversions to rank, 1 or more (default ${String(def('top'))}).`);
  const bool = (name: string) => {
    const v = raw.get(name)?.[0];
    return v === undefined ? Boolean(def(name)) : v === true || v === 'true';
  };
  if (raw.has('run-id') && !raw.has('queue')) throw new UserError('--run-id belongs to a distributed run: add --queue redis://HOST:PORT (the Redis the workers serve).');
  return {
    epochs: [...epochs.entries()].sort((a, b) => a[0] - b[0]).map(([year, paths]) => ({ year, paths })),
    zones: resolve(cwd, str('zones')!),
    zoneId: str('zone-id'),
    zonesCrs: str('zones-crs'),
    zoneName: str('zone-name'),
    zonesLayer: str('zones-layer'),
    coefficients: str('coefficients') ?? String(def('coefficients')),
    unmapped: (str('unmapped') ?? def('unmapped')) as 'error' | 'zero',
    coverage: (str('coverage') ?? def('coverage')) as 'center' | 'exact',
    cellArea: (str('cell-area') ?? def('cell-area')) as 'true' | 'nominal',
    extent: (str('extent') ?? def('extent')) as 'zones' | 'raster',
    unit: (str('unit') ?? def('unit')) as 'C' | 'CO2',
    top,
    workers,
    queue: str('queue'),
    runId: str('run-id'),
    resume: bool('resume'),
    out: resolve(cwd, str('out') ?? String(def('out'))),
    rasters: bool('rasters'),
    changeRasters: (str('change-rasters') ?? def('change-rasters')) as 'first-last' | 'all' | 'none',
    report: bool('report'),
    json: bool('json'),
    quiet: bool('quiet'),
  };
}

/** `--help`, rendered from the same flag definitions (citty's renderUsage). */
export function renderUsage(): string {
  const lines = [
    'lucc-carbon: ecosystem carbon-sequestration accounts from land-use GeoTIFFs and zone polygons',
    '',
    'Usage:',
    '  lucc-carbon run --raster YEAR=PATH [--raster YEAR=PATH ...] --zones PATH [flags]',
    '  lucc-carbon run --config run.json',
    '  lucc-carbon worker --queue redis://HOST:PORT [--concurrency N]   count the tasks of `run --queue` runs on this machine (see docs/scaling.md)',
    '  lucc-carbon compare A/summary.json B/summary.json [--out DIR]   differences B - A per year, zone and class (default --out compare)',
    '  lucc-carbon check DIR       re-read a finished output folder and verify that its tables and rasters reconcile',
    '  lucc-carbon report DIR      rebuild DIR/report.html from a finished output folder (summary.json, rasters, the zones file)',
    '  lucc-carbon demo            generate the demo region (if absent) into ./demo and run it into ./out',
    '  lucc-carbon --help',
    '',
    'Flags of run:',
  ];
  for (const f of RUN_FLAGS) {
    const head = f.kind === 'boolean' ? `--${f.default === true ? `no-${f.name}` : f.name}` : `--${f.name} ${f.valueName ?? (f.options ? f.options.join('|') : 'VALUE')}`;
    const extra = f.kind !== 'boolean' && f.default !== undefined ? ` (default: ${String(f.default)})` : '';
    lines.push(`  ${head.padEnd(34)} ${f.about}${extra}`);
  }
  lines.push('', 'Exit codes: 0 success, 2 bad input (the message says which file and what to do), 1 internal error.');
  return lines.join('\n');
}
