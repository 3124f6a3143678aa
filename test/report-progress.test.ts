import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateDemo, type DemoPaths } from '../data/demo.js';
import { Reporter } from '../pipeline/report-progress.js';
import { readCsv, runCli, tmpDir, PARTLY_OUTSIDE } from './helpers.js';

/** A stand-in for process.stderr that keeps what is written. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let buf = '';
  const stream = { isTTY, write: (s: string) => { buf += s; return true; } } as unknown as NodeJS.WriteStream;
  return { stream, text: () => buf };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Reporter (the terminal)', () => {
  it('on a TTY draws one bar per phase, rewritten in place, with rate and ETA', async () => {
    const { stream, text } = fakeStream(true);
    const r = new Reporter(false, stream);
    r.start('counting', 100);
    await sleep(120);
    r.tick(50);
    r.tick(100);
    r.end();
    const frames = text().split('\r').filter(Boolean);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    expect(frames[1]).toMatch(/^counting +\[█{14}░{14}\] +50% {2}50\/100 tiles {2}[\d.]+\/s {2}ETA \d+ s/);
    expect(frames.at(-1)).toMatch(/\[█{28}\] 100% {2}100\/100 tiles .*\n$/);
    expect(text().split('\n')).toHaveLength(2); // one finished line, nothing else
  });

  it('elsewhere (CI, pipes) prints plain lines: the start, every 10 % at most once a second, the end', async () => {
    const { stream, text } = fakeStream(false);
    const r = new Reporter(false, stream);
    r.start('counting', 200);
    for (let i = 1; i <= 20; i++) r.tick(i); // fast ticks: no line
    await sleep(1050);
    r.tick(100);
    r.tick(101);
    r.tick(200);
    r.end();
    const lines = text().trimEnd().split('\n');
    expect(lines[0]).toBe('counting: 0/200 tiles');
    expect(lines[1]).toMatch(/^counting: 50% {2}100\/200 tiles {2}[\d.]+\/s {2}ETA \d+ s$/);
    expect(lines[2]).toMatch(/^counting: 200\/200 tiles done in \d+\.\d s$/);
    expect(lines).toHaveLength(3);
    expect(text()).not.toContain('\r');
  });

  it('with --quiet prints warnings only', () => {
    const { stream, text } = fakeStream(true);
    const r = new Reporter(true, stream);
    r.start('counting', 10);
    r.info('reading zones');
    r.tick(10);
    r.warn('zone 7 has no geometry');
    r.end();
    expect(text()).toBe('warning: zone 7 has no geometry\n');
    expect(r.warnings).toEqual(['zone 7 has no geometry']);
  });
});

describe('`run --json` and progress on stderr', () => {
  const tmp = tmpDir('report-progress');
  let demo: DemoPaths;
  beforeAll(async () => {
    demo = await generateDemo(join(tmp.dir, 'demo'), { size: 600 });
  }, 60_000);
  afterAll(tmp.cleanup);

  it('prints one JSON object on stdout that matches zones.csv, and plain progress lines on stderr', () => {
    const out = join(tmp.dir, 'out');
    const r = runCli(['run', ...demo.rasters.flatMap((x) => ['--raster', `${x.year}=${x.path}`]), '--zones', demo.zonesPath,
      '--workers', '2', '--json', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    const j = JSON.parse(r.stdout) as {
      out: string; unit: string; files: string[]; warnings: string[];
      years: { year: number; area_ha: number; sequestration_t_yr: number }[];
      change: { from_year: number; to_year: number; change_t_yr: number; change_pct: number; mean_annual_change_t_yr: number };
    };
    expect(j.out).toBe(out);
    expect(j.unit).toBe('C');
    // The demo's two eastern counties reach past the raster: the one warning of this run.
    expect(j.warnings).toHaveLength(1);
    expect(j.warnings[0]).toMatch(PARTLY_OUTSIDE);
    expect(j.files).toContain('zones.csv');
    expect(j.files).toContain('summary.json');
    expect(j.files).toContain('report.html');
    const zones = readCsv(readFileSync(join(out, 'zones.csv'), 'utf8'));
    expect(j.years.map((y) => y.year)).toEqual([2000, 2005, 2010, 2015, 2020]);
    for (const y of j.years) {
      const rows = zones.filter((z) => Number(z.year) === y.year);
      expect(y.sequestration_t_yr).toBeCloseTo(rows.reduce((s, z) => s + Number(z.sequestration_t_yr), 0), 4);
      expect(y.area_ha).toBeCloseTo(rows.reduce((s, z) => s + Number(z.area_ha), 0), 4);
    }
    expect(j.change.from_year).toBe(2000);
    expect(j.change.to_year).toBe(2020);
    expect(j.change.change_t_yr).toBeCloseTo(j.years[4]!.sequestration_t_yr - j.years[0]!.sequestration_t_yr, 4);
    // stderr is a pipe here: plain lines, no carriage returns, a start and an end line per phase
    // (counting: 2 windows of this small region; report maps: 4 tiles of each of 5 rasters).
    expect(r.stderr).not.toContain('\r');
    for (const phase of ['counting', 'report maps']) {
      const start = new RegExp(`^${phase}: 0/(\\d+) tiles$`, 'm').exec(r.stderr);
      expect(start, r.stderr).not.toBeNull();
      const n = Number(start![1]);
      expect(n).toBeGreaterThanOrEqual(phase === 'counting' ? 1 : 20);
      expect(r.stderr).toMatch(new RegExp(`^${phase}: ${n}/${n} tiles done in \\d+\\.\\d s$`, 'm'));
    }
  }, 60_000);
});
