import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateDemo, type DemoPaths } from '../data/demo.js';
import { ROOT, runCli, tmpDir, expectOnlyWarnings, PARTLY_OUTSIDE } from './helpers.js';

// report.html from a real run of the small demo region, opened from disk in headless Chromium
// (Debian's /usr/bin/chromium driven by playwright-core; never a downloaded browser).
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test/.artifacts');
const YEARS = [2000, 2005, 2010, 2015, 2020];

/** Chromium present -> true; absent locally -> false (the test returns early); absent in CI -> failure. */
function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} missing in CI: .ci/run installs Debian's chromium`);
  return false;
}

describe('report.html', () => {
  const tmp = tmpDir('report');
  let demo: DemoPaths;
  const out = join(tmp.dir, 'out');
  const runArgs = (dir: string, extra: string[] = []) => [
    'run', ...demo.rasters.flatMap((r) => ['--raster', `${r.year}=${r.path}`]), '--zones', demo.zonesPath,
    '--coefficients', 'chengde-2024', '--workers', '2', '--quiet', '--out', dir, ...extra,
  ];

  beforeAll(async () => {
    demo = await generateDemo(join(tmp.dir, 'demo'), { size: 600 });
    const r = runCli(runArgs(out));
    expectOnlyWarnings(r.stderr, [PARTLY_OUTSIDE]);
    expect(r.status).toBe(0);
  }, 120_000);
  afterAll(tmp.cleanup);

  it('is one self-contained file: no script, stylesheet, image or font fetched from anywhere', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    // Every src/href is a data: URI or an in-page #fragment.
    const refs = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(YEARS.length);
    for (const ref of refs) expect(ref.startsWith('data:') || ref.startsWith('#'), ref).toBe(true);
    expect(html).not.toMatch(/<link\b|<script\b[^>]*\bsrc=|@import|url\((?!#)/);
    for (const y of YEARS) expect(html).toContain(`id="map-${y}"`);
    expect(html).toContain('id="map-change-2000-2020"');
  });

  it('opens from disk in Chromium with no console error or failed request; every chart and map has content', async () => {
    if (!chromiumAvailable()) return;
    const { chromium } = await import('playwright-core');
    const profile = join(tmp.dir, 'chromium-profile');
    // A fresh profile folder (playwright passes it as --user-data-dir).
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('requestfailed', (r) => problems.push(`request failed: ${r.url().slice(0, 80)} ${r.failure()?.errorText ?? ''}`));
      page.on('request', (r) => requests.push(r.url().slice(0, 40)));
      await page.goto(pathToFileURL(join(out, 'report.html')).href, { waitUntil: 'load' });
      expect(problems).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:'))).toEqual([]);

      const charts = await page.$$eval('svg.chart', (svgs) => svgs.map((s) => ({
        label: s.getAttribute('aria-label') ?? '',
        marks: [...s.querySelectorAll('.mark')].filter((m) => { const b = (m as SVGGraphicsElement).getBBox(); return b.width > 0 || b.height > 0; }).length,
        width: s.getBoundingClientRect().width,
      })));
      // shares, primary classes over time, classes ranked, trend (line and steps), zones mean, zones change, conversions
      expect(charts.length).toBeGreaterThanOrEqual(8);
      for (const c of charts) {
        expect(c.marks, c.label).toBeGreaterThan(0);
        expect(c.width, c.label).toBeGreaterThan(300);
      }

      const maps = await page.$$eval('.map-frame img', (imgs) => imgs.map((el) => {
        const img = el as HTMLImageElement;
        const canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        const colours = new Set<number>();
        let opaque = 0;
        let samples = 0;
        // A 50 x 50 lattice of samples over the image.
        for (let j = 0; j < 50; j++) {
          for (let i = 0; i < 50; i++) {
            const x = Math.floor(((i + 0.5) / 50) * canvas.width);
            const y = Math.floor(((j + 0.5) / 50) * canvas.height);
            const k = 4 * (y * canvas.width + x);
            samples++;
            if (px[k + 3]! > 0) { opaque++; colours.add((px[k]! << 16) | (px[k + 1]! << 8) | px[k + 2]!); }
          }
        }
        const frame = img.parentElement!.getBoundingClientRect();
        const overlay = img.parentElement!.querySelector('svg.overlay use') as SVGGraphicsElement | null;
        return {
          alt: img.alt, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight, shownWidth: frame.width,
          opaqueShare: opaque / samples, colours: colours.size, outlineWidth: overlay ? overlay.getBBox().width : 0,
        };
      }));
      expect(maps.map((m) => m.alt)).toEqual([...YEARS.map((y) => `Sequestration ${y} map`), 'Change 2000–2020 map']);
      for (const m of maps) {
        // The rasters cover the zones' bounding box (about 600 x 600 cells): one pixel per cell.
        expect(Math.max(m.naturalWidth, m.naturalHeight), m.alt).toBeGreaterThan(550);
        expect(Math.max(m.naturalWidth, m.naturalHeight), m.alt).toBeLessThanOrEqual(800);
        expect(m.shownWidth, m.alt).toBeGreaterThan(400);
        expect(m.opaqueShare, m.alt).toBeGreaterThan(0.3);
        expect(m.colours, m.alt).toBeGreaterThan(3);
        expect(m.outlineWidth, m.alt).toBeGreaterThan(300);
      }
      const names = await page.$$eval('svg.defs text', (t) => t.map((e) => e.textContent));
      expect(names.length).toBe(12);

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
      await page.screenshot({ path: join(ARTIFACTS, 'report-top.png') });
      expect(statSync(join(ARTIFACTS, 'report.png')).size).toBeGreaterThan(50_000);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('`lucc-carbon report DIR` rebuilds the same page from the output folder', () => {
    const stamp = (s: string) => s.replace(/made \d{4}-\d\d-\d\d \d\d:\d\d UTC/, 'made <time> UTC');
    const before = readFileSync(join(out, 'report.html'), 'utf8');
    rmSync(join(out, 'report.html'));
    const r = runCli(['report', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('report.html');
    expect(stamp(readFileSync(join(out, 'report.html'), 'utf8'))).toBe(stamp(before));
  }, 60_000);

  it('`report` on a folder without summary.json says what to give, exit 2', () => {
    const r = runCli(['report', join(tmp.dir, 'nothing-here')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: .*nothing-here\/summary\.json/);
  });

  it('--no-report writes every other output and no report.html', () => {
    const dir = join(tmp.dir, 'no-report');
    const r = runCli(runArgs(dir, ['--no-report', '--no-rasters']));
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'summary.json'))).toBe(true);
    expect(existsSync(join(dir, 'report.html'))).toBe(false);
  }, 60_000);
});
