/**
 * What the terminal shows: a progress line per phase (rewritten in place on a TTY, a line every
 * few seconds otherwise), warnings, and nothing but errors and totals with --quiet.
 */
export class Reporter {
  readonly warnings: string[] = [];
  private phase = '';
  private total = 0;
  private started = 0;
  private lastPrint = 0;

  constructor(private readonly quiet: boolean, private readonly stream: NodeJS.WriteStream = process.stderr) {}

  info(line: string): void {
    if (!this.quiet) this.stream.write(`${line}\n`);
  }

  warn(message: string): void {
    this.warnings.push(message);
    this.stream.write(`warning: ${message}\n`);
  }

  start(phase: string, total: number): void {
    this.phase = phase;
    this.total = total;
    this.started = performance.now();
    this.lastPrint = 0;
  }

  tick(done: number): void {
    if (this.quiet) return;
    const now = performance.now();
    const tty = this.stream.isTTY === true;
    if (done < this.total && now - this.lastPrint < (tty ? 100 : 5000)) return;
    this.lastPrint = now;
    const s = (now - this.started) / 1000;
    const rate = done / Math.max(s, 1e-9);
    const eta = done > 0 && done < this.total ? `, ETA ${((this.total - done) / rate).toFixed(0)} s` : '';
    const line = `${this.phase}: ${done}/${this.total} windows (${rate.toFixed(1)}/s${eta})`;
    this.stream.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
  }

  end(): void {
    if (!this.quiet && this.stream.isTTY === true) this.stream.write('\n');
  }
}
