/**
 * Hand-written SVG charts for the report: horizontal bars (with negatives), lines over the
 * epochs and 100 % stacked bars. Pure functions from numbers to markup; every data mark has
 * class "mark" (the browser test counts them). Numbers are formatted here, never computed.
 */
import { esc, fmt, fmtAxis } from './format.js';

const FONT = 'font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif" font-size="12"';
const WIDTH = 880;

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly low?: number | null;
  readonly high?: number | null;
  readonly colour?: string;
}

/** Horizontal bars from a zero line; negative values go left. Whiskers show low..high when given. */
export function barChart(bars: readonly Bar[], opts: { unit: string; label: string; colour?: string; negColour?: string }): string {
  const rowH = 22;
  const labelW = Math.min(240, 16 + 7.2 * Math.max(4, ...bars.map((b) => b.label.length)));
  const top = 28;
  const height = top + bars.length * rowH + 10;
  const lo = Math.min(0, ...bars.map((b) => Math.min(b.value, b.low ?? b.value)));
  const hi = Math.max(0, ...bars.map((b) => Math.max(b.value, b.high ?? b.value)));
  const ticks = niceTicks(lo, hi, 5);
  const d0 = ticks[0]!;
  const d1 = ticks[ticks.length - 1]!;
  // Room for value labels past the bar ends on both sides.
  const plotL = labelW + (lo < 0 ? 70 : 0);
  const plotR = WIDTH - 80;
  const x = (v: number) => plotL + ((v - d0) / (d1 - d0 || 1)) * (plotR - plotL);
  const out: string[] = [];
  for (const t of ticks) {
    out.push(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${top - 6}" y2="${height - 8}" stroke="#e3e6ea"/>`);
    out.push(`<text x="${x(t).toFixed(1)}" y="${top - 10}" text-anchor="middle" fill="#5b6570">${esc(fmtAxis(t))}</text>`);
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const x0 = x(Math.min(0, b.value));
    const w = Math.max(0.5, Math.abs(x(b.value) - x(0)));
    const colour = b.colour ?? (b.value < 0 ? opts.negColour ?? '#c51b7d' : opts.colour ?? '#41ab5d');
    out.push(`<text x="${labelW - 8}" y="${y + 15}" text-anchor="end" fill="#1f2933">${esc(b.label)}</text>`);
    out.push(`<rect class="mark" x="${x0.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${colour}"><title>${esc(b.label)}: ${esc(fmt(b.value))} ${esc(opts.unit)}</title></rect>`);
    if (b.low != null && b.high != null) {
      out.push(`<path d="M${x(b.low).toFixed(1)} ${y + rowH / 2}H${x(b.high).toFixed(1)}M${x(b.low).toFixed(1)} ${y + 6}v${rowH - 12}M${x(b.high).toFixed(1)} ${y + 6}v${rowH - 12}" stroke="#1f2933" stroke-width="1"/>`);
    }
    const end = b.value < 0 ? Math.min(x(b.value), b.low != null ? x(b.low) : Infinity) - 4 : Math.max(x(b.value), b.high != null ? x(b.high) : -Infinity) + 4;
    out.push(`<text x="${end.toFixed(1)}" y="${y + 15}" text-anchor="${b.value < 0 ? 'end' : 'start'}" fill="#1f2933">${esc(fmt(b.value))}</text>`);
  });
  out.push(`<line x1="${x(0).toFixed(1)}" x2="${x(0).toFixed(1)}" y1="${top - 6}" y2="${height - 8}" stroke="#5b6570"/>`);
  return svg(WIDTH, height, opts.label, out);
}

export interface Series {
  readonly name: string;
  readonly colour: string;
  readonly values: readonly (number | null)[];
  readonly low?: readonly (number | null)[];
  readonly high?: readonly (number | null)[];
}

/** Lines over the epochs, one per series, with a legend; `fromZero` starts the y axis at 0. */
export function lineChart(xs: readonly number[], series: readonly Series[], opts: { unit: string; label: string; fromZero: boolean; valueLabels?: boolean }): string {
  const legendRows = Math.ceil(series.length / 4);
  const top = 16 + (series.length > 1 ? legendRows * 18 : 0);
  const height = top + 240;
  const plotL = 72;
  const plotR = WIDTH - 24;
  const plotT = top + 8;
  const plotB = height - 28;
  const all = series.flatMap((s) => [...s.values, ...(s.low ?? []), ...(s.high ?? [])]).filter((v): v is number => v != null);
  const ticks = niceTicks(opts.fromZero ? Math.min(0, ...all) : Math.min(...all), Math.max(...all), 5);
  const d0 = ticks[0]!;
  const d1 = ticks[ticks.length - 1]!;
  const x0 = xs[0] ?? 0;
  const x1 = xs[xs.length - 1] ?? 1;
  const px = (v: number) => (x1 === x0 ? (plotL + plotR) / 2 : plotL + 20 + ((v - x0) / (x1 - x0)) * (plotR - plotL - 40));
  const py = (v: number) => plotB - ((v - d0) / (d1 - d0 || 1)) * (plotB - plotT);
  const out: string[] = [];
  for (const t of ticks) {
    out.push(`<line x1="${plotL}" x2="${plotR}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#e3e6ea"/>`);
    out.push(`<text x="${plotL - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end" fill="#5b6570">${esc(fmtAxis(t))}</text>`);
  }
  for (const xv of xs) out.push(`<text x="${px(xv).toFixed(1)}" y="${plotB + 18}" text-anchor="middle" fill="#5b6570">${xv}</text>`);
  out.push(`<line x1="${plotL}" x2="${plotR}" y1="${plotB}" y2="${plotB}" stroke="#5b6570"/>`);
  out.push(`<text x="14" y="${(plotT + plotB) / 2}" transform="rotate(-90 14 ${(plotT + plotB) / 2})" text-anchor="middle" fill="#5b6570">${esc(opts.unit)}</text>`);
  series.forEach((s, k) => {
    if (s.low && s.high) {
      const upper = xs.map((xv, i) => [px(xv), s.high![i]] as const).filter((p) => p[1] != null).map((p) => `${p[0].toFixed(1)} ${py(p[1]!).toFixed(1)}`);
      const lower = xs.map((xv, i) => [px(xv), s.low![i]] as const).filter((p) => p[1] != null).map((p) => `${p[0].toFixed(1)} ${py(p[1]!).toFixed(1)}`).reverse();
      if (upper.length > 1) out.push(`<path d="M${[...upper, ...lower].join('L')}Z" fill="${s.colour}" fill-opacity="0.15"/>`);
    }
    const pts = xs.map((xv, i) => [px(xv), s.values[i]] as const).filter((p) => p[1] != null);
    if (pts.length > 1) out.push(`<path class="mark" d="M${pts.map((p) => `${p[0].toFixed(1)} ${py(p[1]!).toFixed(1)}`).join('L')}" fill="none" stroke="${s.colour}" stroke-width="2.5"/>`);
    for (const [cx, v] of pts) {
      out.push(`<circle class="mark" cx="${cx.toFixed(1)}" cy="${py(v!).toFixed(1)}" r="3.5" fill="${s.colour}"><title>${esc(s.name)}: ${esc(fmt(v!))} ${esc(opts.unit)}</title></circle>`);
      if (opts.valueLabels) out.push(`<text x="${cx.toFixed(1)}" y="${(py(v!) - 9).toFixed(1)}" text-anchor="middle" fill="#1f2933">${esc(fmt(v!))}</text>`);
    }
    if (series.length > 1) {
      const lx = 16 + (k % 4) * 200;
      const ly = 14 + Math.floor(k / 4) * 18;
      out.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="12" fill="${s.colour}"/><text x="${lx + 18}" y="${ly + 1}" fill="#1f2933">${esc(s.name)}</text>`);
    }
  });
  return svg(WIDTH, height, opts.label, out);
}

/** One 100 % bar per row (epoch), split by category; shares in 0..1. */
export function stackedShares(rows: readonly { label: string; shares: readonly number[] }[], categories: readonly { name: string; colour: string }[], label: string): string {
  const legendRows = Math.ceil(categories.length / 4);
  const top = 10 + legendRows * 18;
  const rowH = 30;
  const height = top + rows.length * rowH + 8;
  const plotL = 56;
  const plotR = WIDTH - 16;
  const out: string[] = [];
  categories.forEach((c, k) => {
    const lx = 16 + (k % 4) * 200;
    const ly = 14 + Math.floor(k / 4) * 18;
    out.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="12" fill="${c.colour}"/><text x="${lx + 18}" y="${ly + 1}" fill="#1f2933">${esc(c.name)}</text>`);
  });
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${plotL - 8}" y="${y + 19}" text-anchor="end" fill="#1f2933">${esc(r.label)}</text>`);
    let at = plotL;
    r.shares.forEach((s, k) => {
      if (!(s > 0)) return;
      const w = s * (plotR - plotL);
      const c = categories[k]!;
      out.push(`<rect class="mark" x="${at.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${c.colour}"><title>${esc(r.label)} ${esc(c.name)}: ${(s * 100).toFixed(1)} %</title></rect>`);
      if (w > 38) out.push(`<text x="${(at + w / 2).toFixed(1)}" y="${y + 19}" text-anchor="middle" fill="${textOn(c.colour)}">${(s * 100).toFixed(s < 0.1 ? 1 : 0)} %</text>`);
      at += w;
    });
  });
  return svg(WIDTH, height, label, out);
}

function svg(width: number, height: number, label: string, body: string[]): string {
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${Math.round(height)}" role="img" aria-label="${esc(label)}" xmlns="http://www.w3.org/2000/svg" ${FONT}>${body.join('')}</svg>`;
}

/** Black or white text, whichever reads better on the colour. */
function textOn(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const lum = 0.299 * ((n >> 16) & 255) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255);
  return lum > 150 ? '#1f2933' : '#ffffff';
}

/** Round tick values spanning [lo, hi] (about `count` of them). */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (lo === hi) { const pad = Math.abs(lo) * 0.1 || 1; lo -= pad; hi += pad; }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const start = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let v = start; v < hi + step * 0.5; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < hi) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}
