import { readFile } from 'node:fs/promises';
import { projectRoot } from './paths.js';
import { UserError, fileError } from './errors.js';

export interface ClassCoefficient {
  readonly code: number;
  readonly name: string;
  readonly primary: string;
  readonly coefficientTPerHaYr: number;
  /** Bounds of the coefficient, when the table has coefficient_low and coefficient_high columns. */
  readonly lowTPerHaYr?: number;
  readonly highTPerHaYr?: number;
}

export interface CoefficientTable {
  /** 'chengde-2024' or the CSV's path. */
  readonly source: string;
  readonly classes: ReadonlyMap<number, ClassCoefficient>;
}

export const PRESETS: Record<string, string> = {
  'chengde-2024': 'chengde-2024.csv',
};

const REQUIRED = ['code', 'name', 'primary', 'coefficient_t_ha_yr'] as const;

/** The study's table (`chengde-2024`) or a user CSV `code,name,primary,coefficient_t_ha_yr`. */
export async function loadCoefficients(spec: string): Promise<CoefficientTable> {
  const preset = PRESETS[spec];
  const path = preset ? presetPath(preset) : spec;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !preset && !/[./\\]/.test(spec)) {
      throw new UserError(`--coefficients ${spec}: no such preset or file. Presets: ${Object.keys(PRESETS).join(', ')}; or give a CSV with columns ${REQUIRED.join(',')}.`);
    }
    fileError(path, 'coefficient table', err);
  }
  return { source: preset ? spec : path, classes: parseCoefficientCsv(path, text) };
}

function presetPath(file: string): string {
  return `${projectRoot()}/data/${file}`;
}

export function parseCoefficientCsv(path: string, text: string): Map<number, ClassCoefficient> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim().toLowerCase());
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new UserError(`${path}: the coefficient table lacks the column(s) ${missing.join(', ')} (found: ${header.join(', ') || 'nothing'}). Its first line must name at least ${REQUIRED.join(',')}.`);
  }
  const col = (name: string) => header.indexOf(name);
  const hasBounds = header.includes('coefficient_low') || header.includes('coefficient_high');
  if (hasBounds && !(header.includes('coefficient_low') && header.includes('coefficient_high'))) {
    throw new UserError(`${path}: the coefficient table has only one of coefficient_low and coefficient_high. Give both columns (the range of each class's coefficient, t/ha/yr), or neither.`);
  }
  const classes = new Map<number, ClassCoefficient>();
  for (let i = 1; i < lines.length; i++) {
    const cells = splitCsvLine(lines[i]!);
    const codeText = (cells[col('code')] ?? '').trim();
    const coefText = (cells[col('coefficient_t_ha_yr')] ?? '').trim();
    const code = Number(codeText);
    const coef = Number(coefText);
    if (codeText === '' || !Number.isInteger(code) || code < 0 || code > 65535) {
      throw new UserError(`${path}, line ${i + 1}: the code "${codeText}" is not a whole number between 0 and 65535. Each row gives one land-use class code.`);
    }
    if (coefText === '' || !Number.isFinite(coef)) {
      throw new UserError(`${path}, line ${i + 1}: the coefficient "${coefText}" of class ${code} is not a number. Give t/ha/yr as a plain decimal number (e.g. 8.7).`);
    }
    if (classes.has(code)) {
      throw new UserError(`${path}, line ${i + 1}: class code ${code} appears twice. Keep one row per code.`);
    }
    classes.set(code, {
      code,
      name: (cells[col('name')] ?? '').trim(),
      primary: (cells[col('primary')] ?? '').trim(),
      coefficientTPerHaYr: coef,
      ...(hasBounds ? coefficientBounds(path, i + 1, code, coef, cells[col('coefficient_low')], cells[col('coefficient_high')]) : {}),
    });
  }
  if (classes.size === 0) throw new UserError(`${path}: the coefficient table has no rows. Add one row per land-use class code.`);
  return classes;
}

/** coefficient_low <= coefficient_t_ha_yr <= coefficient_high, all numbers. */
function coefficientBounds(path: string, line: number, code: number, coef: number, lowCell: string | undefined, highCell: string | undefined) {
  const lowText = (lowCell ?? '').trim();
  const highText = (highCell ?? '').trim();
  const low = Number(lowText);
  const high = Number(highText);
  if (lowText === '' || highText === '' || !Number.isFinite(low) || !Number.isFinite(high)) {
    throw new UserError(`${path}, line ${line}: class ${code} has coefficient_low "${lowText}" and coefficient_high "${highText}"; both must be numbers (t/ha/yr). Give the range of the coefficient, e.g. 7.5 and 9.9 around 8.7, or the coefficient itself twice for an exact one.`);
  }
  if (!(low <= coef && coef <= high)) {
    throw new UserError(`${path}, line ${line}: class ${code} has coefficient_low ${low}, coefficient_t_ha_yr ${coef} and coefficient_high ${high}, which are not in order. The range must hold the coefficient: coefficient_low <= coefficient_t_ha_yr <= coefficient_high.`);
  }
  return { lowTPerHaYr: low, highTPerHaYr: high };
}

/** RFC 4180 fields: commas inside double quotes, doubled quotes as escapes. */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { out.push(cur); cur = ''; }
    else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Coefficient by code for the workers' output rasters (NaN = not in the table). */
export function coefficientLut(table: CoefficientTable): Float32Array {
  const lut = new Float32Array(65536).fill(Number.NaN);
  for (const c of table.classes.values()) lut[c.code] = c.coefficientTPerHaYr;
  return lut;
}
