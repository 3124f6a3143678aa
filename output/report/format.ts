/** Text for HTML and SVG: escaped, numbers grouped, units spelled once. */

export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const GROUPED = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A value for reading: grouped thousands, 0-3 decimals depending on its size. */
export function fmt(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 100) return GROUPED.format(v).replace('-', '−');
  const digits = a >= 10 ? 1 : a >= 1 ? 2 : a === 0 ? 0 : 3;
  return v.toFixed(digits).replace('-', '−');
}

/** A compact axis tick: 12k, 1.5M. */
export function fmtAxis(v: number): string {
  const a = Math.abs(v);
  const s = a >= 1e6 ? `${trim(v / 1e6)}M` : a >= 1e4 ? `${trim(v / 1e3)}k` : trim(v);
  return s.replace('-', '−');
}

function trim(v: number): string {
  return String(Number(v.toPrecision(4)));
}

export function fmtPct(share: number | null | undefined): string {
  return share == null || !Number.isFinite(share) ? '–' : `${(share * 100).toFixed(1)} %`;
}

export function fmtBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
