import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCoefficients, parseCoefficientCsv } from '../pipeline/coefficients.js';
import { UserError } from '../pipeline/errors.js';
import { tmpDir } from './helpers.js';

// DESIGN.md, "Class scheme and the reference coefficients" (the study's Table 1).
const TABLE_1: [number, number, string][] = [
  [11, 11.85, 'cultivated'], [12, 6.15, 'cultivated'],
  [21, 8.7, 'forest'], [22, 2.25, 'forest'], [23, 4.05, 'forest'], [24, 4.05, 'forest'],
  [31, 1.5, 'grassland'], [32, 0.75, 'grassland'], [33, 0.15, 'grassland'],
  [41, 6.75, 'wetland'], [42, 6.75, 'wetland'], [43, 3, 'wetland'], [46, 6.75, 'wetland'], [64, 3.45, 'wetland'],
  [61, 0.045, 'unused'], [65, 0.045, 'unused'], [66, 0.045, 'unused'],
  [51, 0, 'construction'], [52, 0, 'construction'], [53, 0, 'construction'],
];
const NOT_IN_STUDY = [44, 45, 62, 63, 67, 99];

describe('chengde-2024 preset', () => {
  it('holds every code of the study table with its coefficient and primary class', async () => {
    const t = await loadCoefficients('chengde-2024');
    expect(t.source).toBe('chengde-2024');
    for (const [code, coef, primary] of TABLE_1) {
      const c = t.classes.get(code);
      expect(c, `code ${code}`).toBeDefined();
      expect(c!.coefficientTPerHaYr, `code ${code}`).toBe(coef);
      expect(c!.primary, `code ${code}`).toBe(primary);
    }
  });

  it('lists 44, 45, 62, 63, 67 and 99 explicitly (no silent zero), and nothing else', async () => {
    const t = await loadCoefficients('chengde-2024');
    for (const code of NOT_IN_STUDY) {
      const c = t.classes.get(code);
      expect(c, `code ${code}`).toBeDefined();
      expect(Number.isFinite(c!.coefficientTPerHaYr)).toBe(true);
      expect(c!.name).not.toBe('');
    }
    expect([...t.classes.keys()].sort((a, b) => a - b)).toEqual([...TABLE_1.map(([c]) => c), ...NOT_IN_STUDY].sort((a, b) => a - b));
  });
});

describe('coefficient CSV errors', () => {
  const tmp = tmpDir('coefficients');
  afterAll(tmp.cleanup);
  const write = (name: string, text: string): string => {
    const p = join(tmp.dir, name);
    writeFileSync(p, text);
    return p;
  };
  const userError = async (path: string): Promise<UserError> => {
    const err = await loadCoefficients(path).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  };

  it('a missing column names the file and the column', async () => {
    const p = write('no-coef.csv', 'code,name,primary\n11,paddy,cultivated\n');
    const e = await userError(p);
    expect(e.message).toContain(p);
    expect(e.message).toContain('coefficient_t_ha_yr');
  });

  it('a non-numeric coefficient names the file, the line and the value', async () => {
    const p = write('text-coef.csv', 'code,name,primary,coefficient_t_ha_yr\n11,paddy,cultivated,11.85\n12,dry land,cultivated,six\n');
    const e = await userError(p);
    expect(e.message).toContain(`${p}, line 3`);
    expect(e.message).toContain('"six"');
  });

  it('an empty coefficient is an error, not a zero', async () => {
    const p = write('empty-coef.csv', 'code,name,primary,coefficient_t_ha_yr\n11,paddy,cultivated,\n');
    expect((await userError(p)).message).toContain(`${p}, line 2`);
  });

  it('a duplicated code names the file and the line of the second row', async () => {
    const p = write('dup.csv', 'code,name,primary,coefficient_t_ha_yr\n11,paddy,cultivated,11.85\n21,forest,forest,8.7\n11,paddy again,cultivated,1\n');
    const e = await userError(p);
    expect(e.message).toContain(`${p}, line 4`);
    expect(e.message).toContain('11');
  });

  it('a code that is not a whole number names the file and the line', async () => {
    const p = write('bad-code.csv', 'code,name,primary,coefficient_t_ha_yr\n1.5,half,cultivated,1\n');
    expect((await userError(p)).message).toContain(`${p}, line 2`);
  });

  it('an unknown preset name lists the presets', async () => {
    const e = await userError('chengde-2025');
    expect(e.message).toContain('chengde-2024');
  });

  it('parses quoted names with commas, a BOM, CRLF line ends and extra columns', () => {
    const t = parseCoefficientCsv('x.csv', '\uFEFFcode,name,primary,coefficient_t_ha_yr,note\r\n43,"reservoir, pond",wetland,3,"a ""note"""\r\n');
    expect(t.get(43)).toEqual({ code: 43, name: 'reservoir, pond', primary: 'wetland', coefficientTPerHaYr: 3 });
  });
});
