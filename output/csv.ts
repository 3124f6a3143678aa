import { writeFile } from 'node:fs/promises';

/** One CSV field: numbers in shortest round-trip form, null as empty, text quoted when needed. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Columns come from the output spec; rows are formatted, never recomputed. */
export function toCsv(columns: readonly string[], rows: readonly object[]): string {
  const lines = [columns.join(',')];
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    lines.push(columns.map((c) => csvField(r[c])).join(','));
  }
  return lines.join('\n') + '\n';
}

export async function writeCsv(path: string, columns: readonly string[], rows: readonly object[]): Promise<void> {
  await writeFile(path, toCsv(columns, rows), 'utf8');
}
