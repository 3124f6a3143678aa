import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, type DemoPaths } from '../data/demo.js';
import { gdalAvailable, runCli, tmpDir } from './helpers.js';

/**
 * One land-use raster, re-encoded by GDAL in every layout and codec the issue names; each
 * variant must give byte-identical tables (geotiff.js's setup_data.sh habit: one image,
 * every variant, the same checks).
 */
const VARIANTS: [string, string[]][] = [
  ['stripped, uncompressed', ['-co', 'TILED=NO']],
  ['stripped, 7-row strips, LZW', ['-co', 'TILED=NO', '-co', 'BLOCKYSIZE=7', '-co', 'COMPRESS=LZW']],
  ['tiled 128, uncompressed', ['-co', 'TILED=YES', '-co', 'BLOCKXSIZE=128', '-co', 'BLOCKYSIZE=128']],
  ['tiled 112 x 48, DEFLATE', ['-co', 'TILED=YES', '-co', 'BLOCKXSIZE=112', '-co', 'BLOCKYSIZE=48', '-co', 'COMPRESS=DEFLATE']],
  ['tiled, DEFLATE + horizontal predictor', ['-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE', '-co', 'PREDICTOR=2']],
  ['tiled, LZW + horizontal predictor', ['-co', 'TILED=YES', '-co', 'COMPRESS=LZW', '-co', 'PREDICTOR=2']],
  ['tiled, PackBits', ['-co', 'TILED=YES', '-co', 'COMPRESS=PACKBITS']],
  ['tiled, ZSTD', ['-co', 'TILED=YES', '-co', 'COMPRESS=ZSTD']],
  ['UInt16, DEFLATE', ['-ot', 'UInt16', '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE']],
  ['Int16, big-endian', ['-ot', 'Int16', '-co', 'TILED=YES', '-co', 'ENDIANNESS=BIG']],
  ['Float32 classes, DEFLATE + floating-point predictor', ['-ot', 'Float32', '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE', '-co', 'PREDICTOR=3']],
  ['Float64 classes, stripped', ['-ot', 'Float64', '-co', 'TILED=NO']],
  ['UInt32, big-endian, LZW', ['-ot', 'UInt32', '-co', 'TILED=YES', '-co', 'COMPRESS=LZW', '-co', 'ENDIANNESS=BIG']],
];
const TABLES = ['zones_classes.csv', 'zones.csv', 'classes.csv'];

describe('every GeoTIFF layout, codec and cell type gives the same tables', () => {
  const tmp = tmpDir('variants');
  let demo: DemoPaths;
  const reference = join(tmp.dir, 'reference');
  const run = (raster: string, out: string) =>
    runCli(['run', '--raster', `2000=${raster}`, '--zones', demo.zonesPath, '--workers', '2', '--no-rasters', '--no-report', '--quiet', '--out', out]);

  beforeAll(async () => {
    demo = await generateDemo(join(tmp.dir, 'demo'), { size: 700 });
    const r = run(demo.rasters[0]!.path, reference);
    expect(r.status, r.stderr).toBe(0);
  }, 120_000);
  afterAll(tmp.cleanup);

  for (const [name, options] of VARIANTS) {
    it(name, () => {
      if (!gdalAvailable()) return;
      const variant = join(tmp.dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.tif`);
      const t = spawnSync('gdal_translate', ['-q', ...options, demo.rasters[0]!.path, variant], { encoding: 'utf8' });
      expect(t.status, t.stderr).toBe(0);
      const out = join(tmp.dir, `out-${name.replace(/[^a-z0-9]+/gi, '-')}`);
      const r = run(variant, out);
      expect(r.status, r.stderr).toBe(0);
      for (const table of TABLES) {
        expect(readFileSync(join(out, table), 'utf8'), table).toBe(readFileSync(join(reference, table), 'utf8'));
      }
    });
  }
});
