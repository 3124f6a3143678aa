import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { splitCsvLine } from './coefficients.js';
import { UserError, fileError, readJsonFile } from './errors.js';
import { unitColumn, type CarbonUnit } from './units.js';

/** One invariant of a finished run and how far the worst case is from holding exactly. */
export interface CheckResult {
  name: string;
  ok: boolean;
  /** Not applicable to this run (the detail says why); ok is true. */
  skipped: boolean;
  /** Largest |expected - found| over all cases, in the unit of the compared column. */
  worstAbs: number;
  /** Largest |expected - found| / max(|expected|, |found|, sum of |terms|) over all cases. */
  worstRel: number;
  detail: string;
}

/**
 * Relative tolerance of every check. A deviation is measured against the larger of the two
 * sides and the sum of the magnitudes of the terms summed (a change near zero made of large
 * opposite terms is judged by its terms, as floating-point rounding is).
 */
export const CHECK_REL_TOLERANCE = 1e-9;

type Row = Record<string, string>;

/** Accumulates the worst deviation of one check. */
class Deviation {
  worstAbs = 0;
  worstRel = 0;
  cases = 0;
  where = '';
  constructor(readonly name: string) {}

  compare(expected: number, found: number, magnitude: number, where: string): void {
    this.cases++;
    const abs = Math.abs(expected - found);
    const scale = Math.max(Math.abs(expected), Math.abs(found), magnitude);
    const rel = abs === 0 ? 0 : scale === 0 ? Infinity : abs / scale;
    if (Number.isNaN(abs) || rel > this.worstRel || (rel === this.worstRel && abs > this.worstAbs)) this.where = `${where}: expected ${expected}, found ${found}`;
    if (Number.isNaN(abs)) { this.worstRel = Infinity; this.worstAbs = Infinity; return; }
    this.worstAbs = Math.max(this.worstAbs, abs);
    this.worstRel = Math.max(this.worstRel, rel);
  }

  result(what: string): CheckResult {
    const ok = this.worstRel <= CHECK_REL_TOLERANCE && this.cases > 0;
    const detail = this.cases === 0 ? `no cases to compare (${what})`
      : ok ? `${this.cases} cases (${what})` : `${this.cases} cases (${what}); worst at ${this.where}`;
    return { name: this.name, ok, skipped: false, worstAbs: this.worstAbs, worstRel: this.worstRel, detail };
  }
}

/** Sums keyed by string, with the sum of magnitudes for the relative scale. */
class Sums {
  private readonly m = new Map<string, { sum: number; mag: number }>();
  add(key: string, v: number): void {
    const e = this.m.get(key) ?? this.m.set(key, { sum: 0, mag: 0 }).get(key)!;
    e.sum += v;
    e.mag += Math.abs(v);
  }
  get(key: string): { sum: number; mag: number } { return this.m.get(key) ?? { sum: 0, mag: 0 }; }
  keys(): IterableIterator<string> { return this.m.keys(); }
}

const K = (...parts: (string | number | undefined)[]) => parts.join('\u0000');

async function readTable(dir: string, file: string, required: string[]): Promise<Row[]> {
  const path = join(dir, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    fileError(path, `table ${file} of a lucc-carbon output folder`, err);
  }
  const lines = text.split(/\r?\n/).filter((l) => l !== '');
  const header = splitCsvLine(lines[0] ?? '');
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new UserError(`${path}: lacks the column(s) ${missing.join(', ')} (found: ${header.join(', ')}). It was not written by this version of lucc-carbon, or by a run with another --unit than summary.json says; run lucc-carbon run again into a fresh folder.`);
  }
  return lines.slice(1).map((l) => {
    const cells = splitCsvLine(l);
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
}

interface SummaryDoc {
  settings?: { coverage?: string; rasters?: boolean; unit?: string };
  grids?: { years: number[]; cell_area?: { constant_ha?: number | null; model?: string }; output_raster?: { nodata?: number } | null }[];
}

/**
 * Re-read a finished output folder and verify every invariant the tables promise: class areas
 * sum to zone areas, zones sum to the region, change.csv follows zones.csv, transitions sum to
 * the areas of both epochs, attribution and transitions sum to the change, ranges hold their
 * values, and (centre rule) the sequestration GeoTIFFs sum to the tables.
 * An unreadable folder or table is a UserError; a broken invariant is a result with ok false.
 */
export async function checkOutputs(dir: string): Promise<CheckResult[]> {
  const summaryPath = join(dir, 'summary.json');
  const summary = await readJsonFile(summaryPath, 'summary.json of a lucc-carbon output folder (give the --out folder of a finished run)',
    'The folder is not a finished lucc-carbon run; run lucc-carbon run again.') as SummaryDoc;
  const unit: CarbonUnit = summary.settings?.unit === 'CO2' ? 'CO2' : 'C';
  const u = (c: string) => unitColumn(c, unit);
  const SEQ = u('sequestration_t_yr');
  const zonesClasses = await readTable(dir, 'zones_classes.csv', ['year', 'zone_id', 'class_code', 'area_ha', u('coefficient_t_ha_yr'), SEQ]);
  const zones = await readTable(dir, 'zones.csv', ['year', 'zone_id', 'area_ha', 'nodata_ha', SEQ]);
  const classes = await readTable(dir, 'classes.csv', ['year', 'class_code', 'area_ha', SEQ]);
  const change = await readTable(dir, 'change.csv', ['zone_id', 'from_year', 'to_year', u('sequestration_from_t_yr'), u('sequestration_to_t_yr'), u('change_t_yr'), u('mean_annual_change_t_yr')]);
  const transitions = await readTable(dir, 'transitions.csv', ['zone_id', 'from_year', 'to_year', 'from_code', 'to_code', 'area_ha', u('sequestration_change_t_yr')]);
  const attribution = await readTable(dir, 'attribution.csv', ['zone_id', 'from_year', 'to_year', 'area_ha', u('sequestration_change_t_yr')]);
  const n = (s: string | undefined) => (s === undefined || s === '' ? 0 : Number(s));
  const results: CheckResult[] = [];

  // 1. zones_classes -> zones.csv, per year and zone
  {
    const area = new Sums(), seq = new Sums();
    for (const r of zonesClasses) { area.add(K(r.year, r.zone_id), n(r.area_ha)); seq.add(K(r.year, r.zone_id), n(r[SEQ])); }
    const d = new Deviation('class areas sum to zone areas');
    for (const z of zones) {
      const k = K(z.year, z.zone_id);
      d.compare(n(z.area_ha), area.get(k).sum, area.get(k).mag, `zones.csv ${z.year} zone ${z.zone_id} area_ha`);
      d.compare(n(z[SEQ]), seq.get(k).sum, seq.get(k).mag, `zones.csv ${z.year} zone ${z.zone_id} ${SEQ}`);
    }
    results.push(d.result('area_ha and sequestration of zones.csv vs the sum of their classes in zones_classes.csv'));
  }

  // 2. zones -> region (classes.csv), per year and class, and the yearly totals
  {
    const area = new Sums(), seq = new Sums(), yearSeq = new Sums(), classYearSeq = new Sums();
    for (const r of zonesClasses) { area.add(K(r.year, r.class_code), n(r.area_ha)); seq.add(K(r.year, r.class_code), n(r[SEQ])); }
    for (const z of zones) yearSeq.add(String(z.year), n(z[SEQ]));
    for (const c of classes) classYearSeq.add(String(c.year), n(c[SEQ]));
    const d = new Deviation('zones sum to the region');
    for (const c of classes) {
      const k = K(c.year, c.class_code);
      d.compare(n(c.area_ha), area.get(k).sum, area.get(k).mag, `classes.csv ${c.year} class ${c.class_code} area_ha`);
      d.compare(n(c[SEQ]), seq.get(k).sum, seq.get(k).mag, `classes.csv ${c.year} class ${c.class_code} ${SEQ}`);
    }
    for (const y of yearSeq.keys()) d.compare(classYearSeq.get(y).sum, yearSeq.get(y).sum, yearSeq.get(y).mag, `year ${y}: classes.csv total vs zones.csv total`);
    results.push(d.result('classes.csv vs the sum over zones of zones_classes.csv, and the yearly totals of classes.csv vs zones.csv'));
  }

  // 3-5 compare epochs; a run of one epoch has none to compare
  const epochs = new Set(zones.map((z) => z.year)).size;
  const onePair = (name: string): CheckResult => ({ name, ok: true, skipped: true, worstAbs: 0, worstRel: 0, detail: 'skipped: the run has one epoch, so no change between epochs' });

  // 3. change.csv follows zones.csv
  const zoneSeq = new Sums();
  for (const z of zones) { zoneSeq.add(K(z.year, z.zone_id), n(z[SEQ])); zoneSeq.add(K(z.year, 'ALL'), n(z[SEQ])); }
  {
    const d = new Deviation('change.csv matches zones.csv');
    for (const c of change) {
      const from = zoneSeq.get(K(c.from_year, c.zone_id)), to = zoneSeq.get(K(c.to_year, c.zone_id));
      const where = `change.csv zone ${c.zone_id} ${c.from_year}-${c.to_year}`;
      const a = n(c[u('sequestration_from_t_yr')]), b = n(c[u('sequestration_to_t_yr')]), ch = n(c[u('change_t_yr')]);
      d.compare(from.sum, a, from.mag, `${where} ${u('sequestration_from_t_yr')}`);
      d.compare(to.sum, b, to.mag, `${where} ${u('sequestration_to_t_yr')}`);
      d.compare(b - a, ch, Math.abs(a) + Math.abs(b), `${where} ${u('change_t_yr')}`);
      d.compare(ch / (n(c.to_year) - n(c.from_year)), n(c[u('mean_annual_change_t_yr')]), Math.abs(a) + Math.abs(b), `${where} ${u('mean_annual_change_t_yr')}`);
    }
    results.push(epochs < 2 ? onePair(d.name) : d.result('from/to sequestration vs zones.csv (ALL = sum of zones), change = to - from, mean annual = change / years'));
  }

  // 4. transitions: marginals equal each epoch's class areas (ALL: classes.csv)
  if (epochs < 2) results.push(onePair('transitions sum to the areas of both epochs'));
  else {
    const classArea = new Map<string, number>();
    const classesOf = new Map<string, [string, number][]>();
    const addClass = (year: string | undefined, zone: string | undefined, code: string | undefined, ha: number) => {
      classArea.set(K(year, zone, code), ha);
      const list = classesOf.get(K(year, zone)) ?? classesOf.set(K(year, zone), []).get(K(year, zone))!;
      list.push([code ?? '', ha]);
    };
    for (const r of zonesClasses) addClass(r.year, r.zone_id, r.class_code, n(r.area_ha));
    for (const c of classes) addClass(c.year, 'ALL', c.class_code, n(c.area_ha));
    const nodataArea = new Sums();
    for (const z of zones) { nodataArea.add(K(z.year, z.zone_id), n(z.nodata_ha)); nodataArea.add(K(z.year, 'ALL'), n(z.nodata_ha)); }
    const fromMarg = new Sums(), toMarg = new Sums();
    const pairs = new Set<string>();
    const codesOf = new Map<string, Set<string>>();
    for (const t of transitions) {
      pairs.add(K(t.zone_id, t.from_year, t.to_year));
      for (const side of ['from', 'to'] as const) {
        const key = K(t.zone_id, t.from_year, t.to_year, side);
        (codesOf.get(key) ?? codesOf.set(key, new Set()).get(key)!).add(side === 'from' ? t.from_code ?? '' : t.to_code ?? '');
      }
      fromMarg.add(K(t.zone_id, t.from_year, t.to_year, t.from_code), n(t.area_ha));
      toMarg.add(K(t.zone_id, t.from_year, t.to_year, t.to_code), n(t.area_ha));
    }
    const d = new Deviation('transitions sum to the areas of both epochs');
    let outsideHa = 0;
    let nodataShort = 0;
    for (const key of pairs) {
      const [zone, fromYear, toYear] = key.split('\u0000');
      for (const [year, marg, side] of [[fromYear, fromMarg, 'from'], [toYear, toMarg, 'to']] as const) {
        for (const [code, ha] of classesOf.get(K(year, zone)) ?? []) {
          const m = marg.get(K(zone, fromYear, toYear, code));
          d.compare(ha, m.sum, m.mag, `zone ${zone} ${fromYear}-${toYear}, ${side} class ${code}`);
        }
        // a class in the transitions that the epoch's table lacks (or the other way round)
        for (const code of codesOf.get(K(zone, fromYear, toYear, side)) ?? []) {
          const m = marg.get(K(zone, fromYear, toYear, code));
          if (code === '') {
            // nodata or outside the raster: at least the zone's nodata area; the excess is zone area off the raster
            const nd = nodataArea.get(K(year, zone)).sum;
            const excess = m.sum - nd;
            if (excess < -CHECK_REL_TOLERANCE * Math.max(m.sum, nd)) nodataShort = Math.max(nodataShort, -excess);
            else outsideHa = Math.max(outsideHa, excess);
          } else if (!classArea.has(K(year, zone, code))) {
            d.compare(0, m.sum, m.mag, `zone ${zone} ${fromYear}-${toYear}, ${side} class ${code} missing from the ${year} tables`);
          }
        }
      }
    }
    const res = d.result('per zone (ALL = region) and epoch pair: area leaving (from) and reaching (to) each class vs zones_classes.csv / classes.csv');
    if (nodataShort > 0) { res.ok = false; res.detail += `; nodata rows hold ${nodataShort} ha less than zones.csv nodata_ha`; }
    res.detail += outsideHa > 0 ? `; nodata rows include up to ${outsideHa} ha of zone area outside the raster` : '; nodata rows equal zones.csv nodata_ha';
    results.push(res);
  }

  // 5. transitions and attribution sum to the change in change.csv
  if (epochs < 2) results.push(onePair('attribution sums to change'));
  else {
    const changeOf = new Map(change.map((c) => [K(c.zone_id, c.from_year, c.to_year), n(c[u('change_t_yr')])]));
    const tSum = new Sums(), aSum = new Sums(), tArea = new Sums(), aArea = new Sums();
    const SC = u('sequestration_change_t_yr');
    for (const t of transitions) { const k = K(t.zone_id, t.from_year, t.to_year); tSum.add(k, n(t[SC])); tArea.add(k, n(t.area_ha)); }
    for (const a of attribution) { const k = K(a.zone_id, a.from_year, a.to_year); aSum.add(k, n(a[SC])); aArea.add(k, n(a.area_ha)); }
    const d = new Deviation('attribution sums to change');
    for (const [k, ch] of changeOf) {
      const where = k.split('\u0000').join(' ');
      d.compare(ch, aSum.get(k).sum, aSum.get(k).mag, `attribution.csv zone ${where}`);
      d.compare(ch, tSum.get(k).sum, tSum.get(k).mag, `transitions.csv zone ${where}`);
      d.compare(tArea.get(k).sum, aArea.get(k).sum, aArea.get(k).mag, `attribution.csv area, zone ${where}`);
    }
    results.push(d.result('per zone and epoch pair: sum of attribution.csv and of transitions.csv changes vs change.csv, attribution area vs transitions area'));
  }

  // 6. ranges hold their values (only when the coefficient table gave ranges)
  {
    const d = new Deviation('ranges hold the values');
    const tables: [string, Row[]][] = [['zones_classes.csv', zonesClasses], ['zones.csv', zones], ['classes.csv', classes], ['change.csv', change], ['transitions.csv', transitions], ['attribution.csv', attribution]];
    for (const [file, rows] of tables) {
      const cols = Object.keys(rows[0] ?? {}).filter((c) => rows[0]![`${c}_low`] !== undefined && rows[0]![`${c}_high`] !== undefined);
      for (const r of rows) {
        for (const c of cols) {
          if (r[c] === '') continue;
          const v = n(r[c]), lo = n(r[`${c}_low`]), hi = n(r[`${c}_high`]);
          // a value inside its range deviates by 0; outside, by its distance to the range
          d.compare(v, Math.min(Math.max(v, lo), hi), Math.abs(v), `${file} ${c} ${v} outside [${lo}, ${hi}]`);
        }
      }
    }
    if (d.cases === 0) results.push({ name: d.name, ok: true, skipped: true, worstAbs: 0, worstRel: 0, detail: 'skipped: the coefficient table gave no coefficient_low/coefficient_high' });
    else results.push(d.result('every _low <= value <= _high in every table'));
  }

  results.push(await checkRasters(dir, summary, zonesClasses, SEQ, u('coefficient_t_ha_yr')));
  return results;
}

/**
 * Centre rule: every cell of a zone carries its class's coefficient (Float32), so
 * sum(value x cell area) over valid cells equals sum(area x float32(coefficient)) of the tables.
 * Exact coverage marks every touched cell with the full coefficient while the tables weight
 * boundary cells by their covered fraction, so the check does not apply.
 */
async function checkRasters(dir: string, summary: SummaryDoc, zonesClasses: Row[], seqCol: string, coefCol: string): Promise<CheckResult> {
  const name = 'rasters sum to tables';
  const skip = (why: string): CheckResult => ({ name, ok: true, skipped: true, worstAbs: 0, worstRel: 0, detail: `skipped: ${why}` });
  if (summary.settings?.rasters === false) return skip('the run wrote no rasters (--no-rasters)');
  if (summary.settings?.coverage !== 'center') return skip('exact coverage: raster cells carry the full coefficient wherever a zone touches them, the tables the covered fraction; this check applies to --coverage center runs');
  const d = new Deviation(name);
  let storage = 0;
  const { fromFile } = await import('geotiff');
  for (const grid of summary.grids ?? []) {
    const cellHa = grid.cell_area?.constant_ha;
    if (typeof cellHa !== 'number') return skip(`cell areas vary across the grid (${grid.cell_area?.model ?? 'unknown model'}); the raster sum needs a constant cell area`);
    for (const year of grid.years) {
      const path = join(dir, `sequestration_${year}.tif`);
      if (!existsSync(path)) throw new UserError(`${path}: missing, although summary.json says the run wrote rasters. The folder is incomplete; run lucc-carbon run again.`);
      let counts: Map<number, number>;
      try {
        counts = await countValues(fromFile, path);
      } catch (err) {
        throw new UserError(`${path}: cannot be read (${(err as Error)?.message ?? String(err)}). The output folder was changed or damaged after the run; run lucc-carbon run again.`);
      }
      let rasterT = 0;
      let rasterMag = 0;
      for (const [v, cells] of counts) { rasterT += v * cells * cellHa; rasterMag += Math.abs(v * cells * cellHa); }
      let expected = 0;
      let tableT = 0;
      for (const r of zonesClasses) {
        if (r.year !== String(year)) continue;
        const coef = r[coefCol] === '' ? 0 : Number(r[coefCol]);
        expected += Number(r.area_ha) * Math.fround(coef);
        tableT += Number(r[seqCol]);
      }
      d.compare(expected, rasterT, rasterMag, `sequestration_${year}.tif sum x ${cellHa} ha vs tables`);
      storage = Math.max(storage, Math.abs(expected - tableT) / Math.max(Math.abs(tableT), 1e-300));
    }
  }
  const res = d.result('centre rule: sum of raster value x cell area vs sum of area x Float32 coefficient in zones_classes.csv');
  res.detail += `; the rasters' Float32 coefficients make the totals differ from the tables' by up to ${storage.toExponential(2)} relative`;
  return res;
}

type FromFile = typeof import('geotiff').fromFile;

/** Cells per distinct valid value, read a band of rows at a time (memory stays bounded). */
async function countValues(fromFile: FromFile, path: string): Promise<Map<number, number>> {
  const tiff = await fromFile(path);
  try {
    const image = await tiff.getImage();
    const nodata = image.getGDALNoData();
    const width = image.getWidth(), height = image.getHeight();
    const counts = new Map<number, number>();
    const band = 512;
    for (let y0 = 0; y0 < height; y0 += band) {
      const [data] = await image.readRasters({ window: [0, y0, width, Math.min(height, y0 + band)] }) as unknown as ArrayLike<number>[];
      let last = Number.NaN;
      let run = 0;
      for (let i = 0; i < data!.length; i++) {
        const v = data![i]!;
        if (v === nodata || Number.isNaN(v)) continue;
        if (v === last) { run++; continue; }
        if (run > 0) counts.set(last, (counts.get(last) ?? 0) + run);
        last = v;
        run = 1;
      }
      if (run > 0) counts.set(last, (counts.get(last) ?? 0) + run);
    }
    return counts;
  } finally {
    tiff.close?.();
  }
}

/** The report `lucc-carbon check` prints: one line per check. */
export function renderChecks(dir: string, results: CheckResult[]): string {
  const lines = [`check ${dir} (relative tolerance ${CHECK_REL_TOLERANCE})`];
  for (const r of results) {
    const status = r.skipped ? 'skip' : r.ok ? 'ok  ' : 'FAIL';
    const dev = r.skipped ? '' : `  worst abs ${r.worstAbs.toExponential(2)}, rel ${r.worstRel.toExponential(2)}`;
    lines.push(`${status}  ${r.name}${dev}`, `      ${r.detail}`);
  }
  const failed = results.filter((r) => !r.ok).length;
  lines.push(failed === 0 ? 'all checks hold' : `${failed} check(s) failed`);
  return lines.join('\n');
}
