import type { RunOptions } from './args.js';
import type { RunResult } from './run.js';
import { unitColumn } from './units.js';

/**
 * What the terminal shows while a run works, all on stderr (stdout is for the totals or the
 * --json summary): a progress bar per phase rewritten in place on a TTY; on anything else (CI,
 * a pipe, a log file) plain lines: the phase's start, every 10 % at most once a second (or
 * every 10 s when slower), and its end. Warnings always; nothing else with --quiet.
 */
export class Reporter {
  readonly warnings: string[] = [];
  private phase = '';
  private unit = 'tiles';
  private total = 0;
  private done = 0;
  private started = 0;
  private lastPrint = 0;
  private lastMilestone = 0;
  private active = false;
  private detail = '';

  constructor(private readonly quiet: boolean, private readonly stream: NodeJS.WriteStream = process.stderr) {}

  private get tty(): boolean {
    return this.stream.isTTY === true;
  }

  info(line: string): void {
    if (this.quiet) return;
    this.clearBar();
    this.stream.write(`${line}\n`);
  }

  warn(message: string): void {
    this.warnings.push(message);
    this.clearBar();
    this.stream.write(`warning: ${message}\n`);
  }

  /** A short status shown after the counts, e.g. the workers a distributed run has seen. */
  note(detail: string): void {
    this.detail = detail;
  }

  start(phase: string, total: number, unit = 'tiles'): void {
    this.phase = phase;
    this.unit = unit;
    this.total = total;
    this.done = 0;
    this.started = performance.now();
    this.lastPrint = this.started;
    this.lastMilestone = 0;
    this.active = true;
    if (this.quiet || total === 0) return;
    if (this.tty) this.stream.write(`\r${this.barLine(this.started)}\u001b[K`);
    else this.stream.write(`${this.phase}: 0/${total} ${unit}\n`);
  }

  tick(done: number): void {
    this.done = done;
    if (this.quiet || !this.active) return;
    const now = performance.now();
    if (this.tty) {
      if (done < this.total && now - this.lastPrint < 100) return;
      this.lastPrint = now;
      this.stream.write(`\r${this.barLine(now)}\u001b[K`);
      return;
    }
    const milestone = this.total > 0 ? Math.floor((done / this.total) * 10) : 10;
    const due = (milestone > this.lastMilestone && now - this.lastPrint >= 1000) || now - this.lastPrint >= 10_000;
    if (done >= this.total || !due) return; // the end line reports completion
    this.lastPrint = now;
    this.lastMilestone = milestone;
    this.stream.write(`${this.plainLine(now)}\n`);
  }

  end(): void {
    if (!this.active) return;
    this.active = false;
    if (this.quiet || this.total === 0) return;
    const now = performance.now();
    const s = (now - this.started) / 1000;
    if (this.tty) this.stream.write(`\r${this.barLine(now)}\u001b[K\n`);
    else this.stream.write(`${this.phase}: ${this.done}/${this.total} ${this.unit} done in ${s.toFixed(1)} s\n`);
  }

  /** `counting  [██████░░░░░░]  52%  123/236 tiles  41.2/s  ETA 3 s` */
  private barLine(now: number): string {
    const width = 28;
    const f = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const full = Math.round(f * width);
    const bar = '█'.repeat(full) + '░'.repeat(width - full);
    return `${this.phase.padEnd(12)} [${bar}] ${String(Math.round(f * 100)).padStart(3)}%  ${this.counts(now)}`;
  }

  private plainLine(now: number): string {
    const f = this.total > 0 ? this.done / this.total : 1;
    return `${this.phase}: ${Math.floor(f * 100)}%  ${this.counts(now)}`;
  }

  private counts(now: number): string {
    const s = (now - this.started) / 1000;
    const rate = this.done / Math.max(s, 1e-9);
    const eta = this.done > 0 && this.done < this.total ? `  ETA ${formatSeconds((this.total - this.done) / rate)}` : '';
    return `${this.done}/${this.total} ${this.unit}  ${this.done > 0 ? rate.toFixed(1) : '–'}/s${eta}${this.detail ? `  ${this.detail}` : ''}`;
  }

  /** A warning or info line in the middle of a bar starts on a clean line. */
  private clearBar(): void {
    if (this.active && this.tty && !this.quiet && this.total > 0) this.stream.write('\r\u001b[K');
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.round((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * `run --json`: the run in one compact JSON object on stdout, for scripts. Column names are the
 * tables' (in the run's unit); numbers are the pipeline's: sequestration per year from the
 * regional trend, area per year the sum of zones.csv's, the change first-to-last from change.csv.
 */
export function runJson(result: RunResult, opts: RunOptions, seconds: number) {
  const seq = unitColumn('sequestration_t_yr', opts.unit);
  const trend = result.summary.figures.region_trend as Record<string, unknown>[];
  const years = trend.map((r) => {
    const year = Number(r.year);
    const areaHa = result.tables.zones.filter((z) => z.year === year).reduce((s, z) => s + z.area_ha, 0);
    return { year, area_ha: areaHa, [seq]: r[seq] as number };
  });
  const first = years[0]?.year;
  const last = years[years.length - 1]?.year;
  const c = result.tables.change.find((r) => r.zone_id === 'ALL' && r.from_year === first && r.to_year === last);
  return {
    out: opts.out,
    unit: opts.unit,
    years,
    change: c ? {
      from_year: c.from_year, to_year: c.to_year,
      [unitColumn('change_t_yr', opts.unit)]: c.change_t_yr, change_pct: c.change_pct,
      [unitColumn('mean_annual_change_t_yr', opts.unit)]: c.mean_annual_change_t_yr,
    } : null,
    files: result.files,
    warnings: result.summary.warnings,
    seconds,
  };
}
