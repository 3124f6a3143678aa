import { basename } from 'node:path';
import { barChart, lineChart, stackedShares, type Bar } from './charts.js';
import type { ReportData, Row } from './data.js';
import { esc, fmt, fmtBytes, fmtPct } from './format.js';
import type { Maps } from './maps.js';
import { STYLE } from './style.js';

/** Fixed colours for the CAS primary classes; other names take the spare ones in order. */
const PRIMARY_COLOURS: Record<string, string> = {
  cultivated: '#e6ab02', forest: '#1b7837', grassland: '#a6d96a', wetland: '#4393c3',
  unused: '#bababa', construction: '#d6604d', nodata: '#f0f0f0', unmapped: '#8c510a',
};
const SPARE_COLOURS = ['#762a83', '#35978f', '#bf812d', '#878787', '#542788', '#01665e'];

export interface PageExtras {
  /** Input file path -> last-modified time, where the file could be read at report time. */
  readonly modified: ReadonlyMap<string, Date>;
  readonly generatedAt: Date;
}

export function renderPage(d: ReportData, maps: Maps, extras: PageExtras): string {
  const s = d.s;
  const zonesFile = basename(s.inputs.zones.path);
  const title = `Carbon sequestration, ${zonesFile}, ${d.years[0] ?? ''}–${d.years[d.years.length - 1] ?? ''}`;
  const body = [
    `<header><h1>${esc(title)}</h1><p class="meta">${esc(s.inputs.zones.count)} zones · epochs ${esc(d.years.join(', '))} · sequestration in ${esc(d.perYear)} · coverage rule <b>${esc(s.settings.coverage)}</b> · coefficients <b>${esc(s.settings.coefficients)}</b> · made ${esc(extras.generatedAt.toISOString().replace('T', ' ').slice(0, 16))} UTC by ${esc(s.tool.name)} ${esc(s.tool.version)}</p>`
      + `<p class="lead">Each zone's carbon sequestration is the sum over land-use classes of the class's area (hectares) times its sequestration coefficient (${esc(d.perHaYear)}). Below: maps of where it happens, how it changed between epochs, which land-use classes and counties carry it, and which land-use conversions cost or gained the most. Every chart has its table underneath; the method and inputs are at the end.</p></header>`,
    warningsSection(d),
    keyFigures(d),
    mapsSection(maps),
    `<h2 id="figures">Figures</h2>${s.settings.coefficient_ranges === true ? '<p class="lead">Whiskers and shaded bands: the range over the coefficients\' low and high values (coefficient_low, coefficient_high).</p>' : ''}`,
    classShares(d), primaryOverTime(d), classesRanked(d), regionTrend(d), zonesMean(d), zonesChange(d), conversions(d),
    methodSection(d, extras),
  ];
  const defs = maps.overlays.length > 0 ? `<svg class="defs" width="0" height="0" aria-hidden="true"><defs>${maps.overlays.join('')}</defs></svg>` : '';
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`
    + `<title>${esc(title)}</title><style>${STYLE}</style></head><body>${defs}<main>${body.join('\n')}</main></body></html>\n`;
}

function warningsSection(d: ReportData): string {
  const items = [
    ...d.s.warnings.map((w) => esc(w)),
    ...(d.s.unmapped_codes ?? []).map((u) => `Class code ${esc(u.code)} has no coefficient (${esc(fmt(u.cells))} cells in ${esc(u.years.join(', '))}); it was counted at 0 (--unmapped zero).`),
  ];
  if (items.length === 0) return '<p class="ok">The run raised no warnings.</p>';
  return `<section class="warnings" id="warnings"><h2>Warnings from this run</h2><ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul></section>`;
}

function keyFigures(d: ReportData): string {
  const trend = d.figures.region_trend;
  const first = trend[0];
  const last = trend[trend.length - 1];
  if (!first || !last) return '';
  const change = d.s.tables.change.find((c) => c.zone_id === 'ALL' && c.from_year === first.year && c.to_year === last.year);
  const card = (label: string, value: string, note = '') => `<div class="card"><div class="label">${esc(label)}</div><div class="value">${value}</div><div class="note">${note}</div></div>`;
  const cards = [
    card(`Sequestration ${String(first.year)}`, `${esc(fmt(d.num(first, 'sequestration_t_yr')))}`, esc(d.perYear)),
    card(`Sequestration ${String(last.year)}`, `${esc(fmt(d.num(last, 'sequestration_t_yr')))}`, esc(d.perYear)),
  ];
  if (change) {
    const ch = d.num(change, 'change_t_yr') ?? 0;
    const pct = typeof change.change_pct === 'number' ? ` (${change.change_pct > 0 ? '+' : ''}${change.change_pct.toFixed(2).replace('-', '−')} %)` : '';
    cards.push(card(`Change ${String(first.year)}–${String(last.year)}`, `<span class="${ch < 0 ? 'neg' : 'pos'}">${ch > 0 ? '+' : ''}${esc(fmt(ch))}</span>`, `${esc(d.perYear)}${esc(pct)}`));
    cards.push(card('Mean annual change', `<span class="${ch < 0 ? 'neg' : 'pos'}">${esc(fmt(d.num(change, 'mean_annual_change_t_yr')))}</span>`, `${esc(d.perYear)} per year`));
  }
  return `<section class="cards">${cards.join('')}</section>`;
}

function mapsSection(maps: Maps): string {
  const notes = maps.notes.map((n) => `<p class="small">${esc(n)}</p>`).join('');
  if (maps.figures.length === 0) return notes ? `<h2 id="maps">Maps</h2>${notes}` : '';
  const fig = (m: Maps['figures'][number], wide: boolean) => `<figure class="map${wide ? ' wide' : ''}" id="${esc(m.id)}"><figcaption><b>${esc(m.title)}</b></figcaption>`
    + `<div class="map-frame" style="aspect-ratio:${m.width}/${m.height}"><img alt="${esc(m.title)} map" width="${m.width}" height="${m.height}" src="data:image/png;base64,${Buffer.from(m.png).toString('base64')}">`
    + (m.overlayId ? `<svg class="overlay" viewBox="0 0 ${m.width} ${m.height}" preserveAspectRatio="none" aria-hidden="true"><use href="#${esc(m.overlayId)}"/></svg>` : '')
    + `</div>${m.legend}${m.caption ? `<p class="caption">${esc(m.caption)}</p>` : ''}</figure>`;
  const epochs = maps.figures.filter((m) => !m.id.startsWith('map-change'));
  const change = maps.figures.filter((m) => m.id.startsWith('map-change'));
  return `<h2 id="maps">Maps</h2><p class="lead">${esc(maps.lead)}</p>${notes}<div class="maps">${epochs.map((m) => fig(m, false)).join('')}</div>${change.map((m) => fig(m, true)).join('')}`;
}

// ---- the study's figures ---------------------------------------------------------------------------

function colourOf(name: string, order: readonly string[]): string {
  return PRIMARY_COLOURS[name] ?? SPARE_COLOURS[order.filter((n) => !PRIMARY_COLOURS[n]).indexOf(name) % SPARE_COLOURS.length] ?? '#888888';
}

function primaryNames(d: ReportData): string[] {
  // Largest first (by the last epoch), so legends and stacks read in the same order.
  const last = d.years[d.years.length - 1];
  const rows = d.figures.primary_classes.filter((r) => r.year === last);
  const names = [...new Set(d.figures.primary_classes.map((r) => String(r.primary_class)))];
  const seq = (n: string) => d.num(rows.find((r) => r.primary_class === n) ?? {}, 'sequestration_t_yr') ?? 0;
  return names.sort((a, b) => seq(b) - seq(a) || a.localeCompare(b));
}

function classShares(d: ReportData): string {
  const names = primaryNames(d).filter((n) => d.figures.primary_classes.some((r) => r.primary_class === n && (d.num(r, 'sequestration_t_yr') ?? 0) > 0));
  const rows = d.years.map((y) => ({
    label: String(y),
    shares: names.map((n) => Number(d.figures.primary_classes.find((r) => r.year === y && r.primary_class === n)?.share_of_total ?? 0)),
  }));
  const chart = stackedShares(rows, names.map((n) => ({ name: n, colour: colourOf(n, names) })), 'share of sequestration by primary class, per epoch');
  const table = dataTable(['year', 'primary class', 'area (ha)', `sequestration (${d.perYear})`, 'share'],
    d.figures.primary_classes.map((r) => [String(r.year), String(r.primary_class), fmt(d.num(r, 'area_ha')), fmt(d.num(r, 'sequestration_t_yr')), fmtPct(r.share_of_total as number | null)]),
    'primary_classes.csv');
  return figure('fig-shares', 'Share of sequestration by primary land-use class', 'Which land-use types carry the account in each epoch (classes with no sequestration, such as construction land, are left out of the bars but listed in the table).', chart, table);
}

function primaryOverTime(d: ReportData): string {
  const names = primaryNames(d);
  const ranges = d.s.settings.coefficient_ranges === true;
  const series = names.map((n) => {
    const pick = (col: string) => d.years.map((y) => d.num(d.figures.primary_classes.find((r) => r.year === y && r.primary_class === n) ?? {}, col));
    return { name: n, colour: colourOf(n, names), values: pick('sequestration_t_yr'), ...(ranges ? { low: pick('sequestration_t_yr_low'), high: pick('sequestration_t_yr_high') } : {}) };
  });
  const chart = lineChart(d.years, series, { unit: d.perYear, label: 'sequestration by primary class over the epochs', fromZero: true });
  const table = dataTable(['primary class', ...d.years.map(String)],
    names.map((n) => [n, ...d.years.map((y) => fmt(d.num(d.figures.primary_classes.find((r) => r.year === y && r.primary_class === n) ?? {}, 'sequestration_t_yr')))]),
    'primary_classes.csv', `values in ${d.perYear}`);
  return figure('fig-primary-time', 'Primary classes over time', `Sequestration of each primary class, ${d.perYear}${ranges ? '; shaded bands: the range over the coefficients\' low and high values' : ''}.`, chart, table);
}

function classesRanked(d: ReportData): string {
  const last = d.years[d.years.length - 1];
  const rows = d.figures.classes_ranked.filter((r) => r.year === last);
  const names = primaryNames(d);
  const bars: Bar[] = rows.filter((r) => (d.num(r, 'sequestration_t_yr') ?? 0) !== 0).map((r) => ({
    label: `${String(r.class_name)} (${String(r.class_code)})`, value: d.num(r, 'sequestration_t_yr') ?? 0,
    low: d.num(r, 'sequestration_t_yr_low'), high: d.num(r, 'sequestration_t_yr_high'), colour: colourOf(String(r.primary_class), names),
  }));
  const chart = barChart(bars, { unit: d.perYear, label: `land-use classes ranked by sequestration, ${String(last)}` });
  const table = dataTable(['year', 'rank', 'code', 'class', 'primary class', 'area (ha)', `sequestration (${d.perYear})`, 'share'],
    d.figures.classes_ranked.map((r) => [String(r.year), String(r.rank), String(r.class_code), String(r.class_name), String(r.primary_class), fmt(d.num(r, 'area_ha')), fmt(d.num(r, 'sequestration_t_yr')), fmtPct(r.share_of_total as number | null)]),
    'classes_ranked.csv', 'all epochs');
  return figure('fig-classes-ranked', `Land-use classes ranked, ${String(last)}`, `Secondary (CAS) classes by the carbon they sequester in ${String(last)}, coloured by primary class; the table ranks every epoch.`, chart, table);
}

function regionTrend(d: ReportData): string {
  const t = d.figures.region_trend;
  const ranges = d.s.settings.coefficient_ranges === true;
  const line = lineChart(d.years, [{
    name: 'all zones', colour: '#1b7837', values: t.map((r) => d.num(r, 'sequestration_t_yr')),
    ...(ranges ? { low: t.map((r) => d.num(r, 'sequestration_t_yr_low')), high: t.map((r) => d.num(r, 'sequestration_t_yr_high')) } : {}),
  }], { unit: d.perYear, label: 'regional sequestration per epoch', fromZero: false, valueLabels: true });
  const steps: Bar[] = t.slice(1).map((r, i) => ({
    label: `${String(t[i]!.year)}–${String(r.year)}`, value: d.num(r, 'change_from_previous_t_yr') ?? 0,
    low: d.num(r, 'change_from_previous_t_yr_low'), high: d.num(r, 'change_from_previous_t_yr_high'),
  }));
  const bars = steps.length > 0 ? `<p class="subhead">Change from the previous epoch, ${esc(d.perYear)}</p>${barChart(steps, { unit: d.perYear, label: 'change from the previous epoch' })}` : '';
  const table = dataTable(['year', `sequestration (${d.perYear})`, `change from previous (${d.perYear})`, `mean annual change (${d.perYear} per year)`],
    t.map((r) => [String(r.year), fmt(d.num(r, 'sequestration_t_yr')), fmt(d.num(r, 'change_from_previous_t_yr')), fmt(d.num(r, 'mean_annual_change_t_yr'))]),
    'region_trend.csv');
  return figure('fig-trend', 'Regional trend', `Total sequestration of all zones per epoch (the y axis does not start at zero), and below it the change from each epoch to the next (pink: loss).`, line + bars, table);
}

function zonesMean(d: ReportData): string {
  const rows = [...d.figures.zones_mean].sort((a, b) => (d.num(b, 'mean_sequestration_t_yr') ?? 0) - (d.num(a, 'mean_sequestration_t_yr') ?? 0));
  const chart = barChart(rows.map((r) => ({
    label: String(r.zone_name), value: d.num(r, 'mean_sequestration_t_yr') ?? 0, low: d.num(r, 'mean_sequestration_t_yr_low'), high: d.num(r, 'mean_sequestration_t_yr_high'),
  })), { unit: d.perYear, label: 'mean sequestration per zone', colour: '#238443' });
  const table = dataTable(['zone id', 'zone', `mean sequestration (${d.perYear})`, 'epochs'],
    rows.map((r) => [String(r.zone_id), String(r.zone_name), fmt(d.num(r, 'mean_sequestration_t_yr')), String(r.years)]), 'zones_mean.csv');
  return figure('fig-zones-mean', 'Mean sequestration per county', `Each zone's sequestration averaged over the epochs, largest first.`, chart, table);
}

function zonesChange(d: ReportData): string {
  const rows = d.figures.zones_change_ranked;
  if (rows.length === 0) return '';
  const from = rows[0]!.from_year;
  const to = rows[0]!.to_year;
  const chart = barChart(rows.map((r) => ({
    label: String(r.zone_name), value: d.num(r, 'mean_annual_change_t_yr') ?? 0, low: d.num(r, 'mean_annual_change_t_yr_low'), high: d.num(r, 'mean_annual_change_t_yr_high'),
  })), { unit: `${d.perYear} per year`, label: 'mean annual change per zone' });
  const table = dataTable(['rank', 'zone id', 'zone', `mean annual change (${d.perYear} per year)`, `change ${String(from)}–${String(to)} (${d.perYear})`, 'change %'],
    rows.map((r) => [String(r.rank), String(r.zone_id), String(r.zone_name), fmt(d.num(r, 'mean_annual_change_t_yr')), fmt(d.num(r, 'change_t_yr')), r.change_pct == null ? '–' : `${(r.change_pct as number).toFixed(2)} %`]),
    'zones_change_ranked.csv');
  return figure('fig-zones-change', `Mean annual change per county, ${String(from)}–${String(to)}`, `How fast each zone's sequestration changed per year between the first and the last epoch, from the largest decline to the largest gain.`, chart, table);
}

function conversions(d: ReportData): string {
  const top = d.top;
  if (!top || top.pairs.length === 0) return '';
  const first = d.years[0];
  const last = d.years[d.years.length - 1];
  const main = top.pairs.find((p) => p.from_year === first && p.to_year === last) ?? top.pairs[top.pairs.length - 1]!;
  const label = (r: Row) => `${String(r.from_primary)} → ${String(r.to_primary)}`;
  const chart = main.region.length > 0
    ? barChart(main.region.map((r) => ({
      label: label(r), value: d.num(r, 'sequestration_change_t_yr') ?? 0, low: d.num(r, 'sequestration_change_t_yr_low'), high: d.num(r, 'sequestration_change_t_yr_high'),
    })), { unit: d.perYear, label: `largest land-use conversions ${String(main.from_year)}–${String(main.to_year)}` })
    : '<p>No conversion changed sequestration.</p>';
  const tables = top.pairs.map((p) => dataTable(['rank', 'conversion', 'area (ha)', `change (${d.perYear})`],
    p.region.map((r) => [String(r.rank), label(r), fmt(d.num(r, 'area_ha')), fmt(d.num(r, 'sequestration_change_t_yr'))]),
    'attribution.csv', `${String(p.from_year)}–${String(p.to_year)}, all zones`)).join('');
  return figure('fig-conversions', `Largest land-use conversions, ${String(main.from_year)}–${String(main.to_year)}`,
    `What each conversion between primary classes cost (pink, negative) or gained (green) in ${d.perYear}, all zones; the largest ${top.n} at most. Per-zone rankings are in summary.json (top_conversions), every conversion in attribution.csv.`, chart, tables);
}

// ---- inputs and method ----------------------------------------------------------------------------

function methodSection(d: ReportData, extras: PageExtras): string {
  const s = d.s;
  const date = (p: string) => extras.modified.get(p)?.toISOString().slice(0, 10) ?? '–';
  const rasters = dataTable(['year', 'file', 'size', 'modified', 'cells (cols × rows)', 'cell size', 'cell type', 'SHA-256'],
    s.inputs.rasters.map((r) => [String(r.year), `<span title="${esc(r.path)}">${esc(basename(r.path))}</span>`, fmtBytes(r.size_bytes), date(r.path),
      `${r.cols} × ${r.rows}`, r.cell_size.map((v) => fmt(v)).join(' × '), esc(r.cell_type), `<code>${esc(r.sha256 ?? '–')}</code>`]), '', '', true, true);
  const z = s.inputs.zones;
  const zones = dataTable(['file', 'zones', 'modified', 'CRS from', 'id field', 'name field', 'SHA-256'],
    [[`<span title="${esc(z.path)}">${esc(basename(z.path))}</span>`, String(z.count), date(z.path), esc(z.crs_source), esc(z.id_field), esc(z.name_field), `<code>${esc(z.sha256 ?? '–')}</code>`]], '', '', true, true);
  const coverage = s.settings.coverage === 'exact'
    ? 'exact: every cell counts with the fraction of its area inside the zone, so a zone\'s area equals its polygon\'s area and neighbouring zones share boundary cells without gap or double count.'
    : 'center: a cell counts wholly for the zone that contains its centre (the rule of GDAL and ArcGIS rasterize).';
  const grids = s.grids.map((g) => `<li>Epochs ${esc(g.years.join(', '))}: ${esc(g.cols)} × ${esc(g.rows)} cells of ${esc(g.cell_size.map((v) => fmt(v)).join(' × '))} map units; cell area: ${esc(g.cell_area.about)}${g.datum_transformation ? `; datum: ${esc(g.datum_transformation)}` : ''}.<br><span class="crs">${esc(g.crs_proj4)}</span></li>`).join('');
  const ranges = s.settings.coefficient_ranges === true;
  const coefficients = dataTable(['code', 'class', 'primary class', `coefficient (${d.perHaYear})`, ...(ranges ? ['low', 'high'] : [])],
    s.coefficients.map((c) => [String(c.code), String(c.name), String(c.primary), fmt(d.num(c, 'coefficient_t_ha_yr')), ...(ranges ? [fmt(d.num(c, 'coefficient_t_ha_yr_low')), fmt(d.num(c, 'coefficient_t_ha_yr_high'))] : [])]),
    '', `${s.coefficients.length} classes, from ${s.settings.coefficients}`);
  const units = dataTable(['column', 'unit'], Object.entries(s.units).map(([k, v]) => [k, v]), '', 'every column of the tables');
  const timings = s.timings_s ? `<p class="small">Run time: ${Object.entries(s.timings_s).map(([k, v]) => `${esc(k)} ${v.toFixed(2)} s`).join(', ')}.</p>` : '';
  return `<h2 id="method">Inputs and method</h2>`
    + `<h3>Land-use rasters</h3>${rasters}<h3>Zones</h3>${zones}`
    + `<h3>Rules</h3><ul><li>Coverage rule: ${esc(coverage)}</li><li>Codes without a coefficient: ${esc(s.settings.unmapped === 'zero' ? 'counted with coefficient 0 (--unmapped zero); their area is still reported' : 'stop the run (--unmapped error)')}.</li><li>Output rasters cover ${esc(s.settings.extent === 'raster' ? 'the whole input grid' : 'the zones\' bounding box')}.</li>${grids}</ul>`
    + `<h3>Coefficients</h3>${coefficients}<h3>Units</h3>${units}${timings}`;
}

// ---- building blocks ------------------------------------------------------------------------------

const NUMERIC = /^[−\-+\d.,\s%–×]+$/;

function figure(id: string, title: string, lead: string, chart: string, tables: string): string {
  return `<section class="figure" id="${esc(id)}"><h3>${esc(title)}</h3><p class="lead">${esc(lead)}</p><div class="chart-wrap">${chart}</div>${tables}</section>`;
}

/**
 * A collapsible table. Cells are escaped unless `raw` (cells built here with markup);
 * `open` shows it without a click (the inputs).
 */
function dataTable(headers: string[], rows: string[][], file: string, note = '', raw = false, open = false): string {
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td${NUMERIC.test(c) ? ' class="num"' : ''}>${raw ? c : esc(c)}</td>`).join('')}</tr>`).join('');
  const what = [file, note, `${rows.length} ${rows.length === 1 ? 'row' : 'rows'}`].filter(Boolean).join(' · ');
  return `<details${open ? ' open' : ''}><summary>Table (${esc(what)})</summary><div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div></details>`;
}
