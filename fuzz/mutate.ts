/**
 * Seeded mutators for the fuzzer: the same seed gives the same broken input, so every finding
 * can be replayed (`npm run fuzz -- --seed S --runs 1`).
 */

/** mulberry32, as flatbush's bench uses: small, fast, good enough to pick mutations. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, a: readonly T[]): T => a[int(r, a.length)]!;

const INTERESTING_32 = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 46352, 1_000_000];
const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff];

/**
 * Byte-level mutations: bit flips, byte and 16/32-bit word overwrites with boundary values,
 * truncation, chunk deletion, duplication and insertion. `hot` is a byte range hit more often
 * (a TIFF's IFD, a shapefile's headers), where one changed byte changes the most.
 */
export function mutateBytes(input: Uint8Array, r: Rand, hot?: [number, number]): { bytes: Uint8Array; what: string } {
  let b = Buffer.from(input);
  const steps: string[] = [];
  const n = 1 + int(r, 4);
  for (let k = 0; k < n && b.length > 0; k++) {
    const at = hot && r() < 0.7 ? Math.min(b.length - 1, hot[0] + int(r, Math.max(1, hot[1] - hot[0]))) : int(r, b.length);
    const op = int(r, 9);
    if (op === 0) { b[at] = b[at]! ^ (1 << int(r, 8)); steps.push(`flip bit @${at}`); }
    else if (op === 1) { b[at] = int(r, 256); steps.push(`byte @${at}`); }
    else if (op === 2) { b[at] = pick(r, INTERESTING_8); steps.push(`byte* @${at}`); }
    else if (op === 3 && at + 4 <= b.length) { b.writeUInt32LE(pick(r, INTERESTING_32) >>> 0, at); steps.push(`u32 @${at}`); }
    else if (op === 4 && at + 2 <= b.length) { b.writeUInt16LE(pick(r, INTERESTING_32) & 0xffff, at); steps.push(`u16 @${at}`); }
    else if (op === 5) { b = b.subarray(0, at); steps.push(`truncate @${at}`); }
    else if (op === 6) { const len = 1 + int(r, 64); b = Buffer.concat([b.subarray(0, at), b.subarray(at + len)]); steps.push(`delete ${len} @${at}`); }
    else if (op === 7) { const len = 1 + int(r, 64); b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]); steps.push(`dup ${len} @${at}`); }
    else { const len = 1 + int(r, 16); b = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: len }, () => int(r, 256))), b.subarray(at)]); steps.push(`insert ${len} @${at}`); }
  }
  return { bytes: b, what: steps.join(', ') };
}

/**
 * A TIFF's IFD entries, changed field by field: a tag's type, count or value/offset (with the
 * boundary values above), or two entries' values swapped.
 */
export function mutateIfd(input: Uint8Array, r: Rand): { bytes: Uint8Array; what: string } {
  const b = Buffer.from(input);
  if (b.length < 8) return mutateBytes(input, r);
  const ifd = b.readUInt32LE(4);
  if (ifd + 2 > b.length) return mutateBytes(input, r);
  const n = b.readUInt16LE(ifd);
  if (n === 0 || ifd + 2 + 12 * n > b.length) return mutateBytes(input, r);
  const steps: string[] = [];
  for (let k = 0, m = 1 + int(r, 3); k < m; k++) {
    const e = ifd + 2 + 12 * int(r, n);
    const tag = b.readUInt16LE(e);
    const op = int(r, 5);
    if (op === 0) { b.writeUInt16LE(pick(r, [1, 2, 3, 4, 5, 11, 12, 16, 0, 99]), e + 2); steps.push(`type of tag ${tag}`); }
    else if (op === 1) { b.writeUInt32LE(pick(r, INTERESTING_32) >>> 0, e + 4); steps.push(`count of tag ${tag}`); }
    else if (op === 2) { b.writeUInt32LE(pick(r, INTERESTING_32) >>> 0, e + 8); steps.push(`value of tag ${tag}`); }
    else if (op === 3) { b.writeUInt32LE((b.readUInt32LE(e + 8) + int(r, 64) - 32) >>> 0, e + 8); steps.push(`value of tag ${tag} nudged`); }
    else {
      const f = ifd + 2 + 12 * int(r, n);
      const v = b.readUInt32LE(e + 8);
      b.writeUInt32LE(b.readUInt32LE(f + 8), e + 8);
      b.writeUInt32LE(v, f + 8);
      steps.push(`values of tags ${tag} and ${b.readUInt16LE(f)} swapped`);
    }
  }
  return { bytes: b, what: steps.join(', ') };
}

const JSON_VALUES: unknown[] = [null, 0, -1, 1e308, -1e308, 1.5, 'x', '117.9', '', true, [], {}, [[]], [[[]]], [0], [0, 0], [1e308, 1e308], [Number.MAX_SAFE_INTEGER, 0], { type: 'Polygon', coordinates: [] }, { type: 'Point', coordinates: [0, 0] }];

/** Paths to every node of a JSON value. */
function nodes(v: unknown, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(path);
  if (Array.isArray(v)) v.forEach((x, i) => nodes(x, [...path, i], out));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) nodes((v as Record<string, unknown>)[k], [...path, k], out);
  return out;
}

function getAt(v: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], v);
}

/**
 * Structure-aware JSON mutations: a node replaced by a boundary value, deleted, duplicated or
 * swapped with a sibling; a position's axes exchanged; numbers nudged, scaled or negated;
 * and sometimes plain text damage (truncation, byte flips) of the serialized document.
 */
export function mutateJson(text: string, r: Rand): { text: string; what: string } {
  let doc: unknown;
  try {
    doc = r() < 0.15 ? undefined : JSON.parse(text);
  } catch {
    doc = undefined; // already damaged as text: damage it further
  }
  if (doc === undefined) {
    const m = mutateBytes(Buffer.from(text), r);
    return { text: Buffer.from(m.bytes).toString('utf8'), what: `text: ${m.what}` };
  }
  const steps: string[] = [];
  for (let k = 0, m = 1 + int(r, 3); k < m; k++) {
    const all = nodes(doc).filter((p) => p.length > 0);
    if (all.length === 0) break;
    const path = pick(r, all);
    const parent = getAt(doc, path.slice(0, -1)) as Record<string | number, unknown> & unknown[];
    const key = path[path.length - 1]!;
    const where = path.join('.');
    const op = int(r, 7);
    const cur = parent[key];
    if (op === 0) { parent[key] = structuredClone(pick(r, JSON_VALUES)); steps.push(`replace ${where}`); }
    else if (op === 1) {
      if (Array.isArray(parent)) parent.splice(Number(key), 1); else delete parent[key];
      steps.push(`delete ${where}`);
    } else if (op === 2 && Array.isArray(parent)) { parent.splice(Number(key), 0, structuredClone(cur)); steps.push(`duplicate ${where}`); }
    else if (op === 3 && Array.isArray(parent) && parent.length > 1) {
      const j = int(r, parent.length);
      [parent[Number(key)], parent[j]] = [parent[j], parent[Number(key)]];
      steps.push(`swap ${where} with ${j}`);
    } else if (op === 4 && typeof cur === 'number') {
      parent[key] = pick(r, [cur + 1e-9, cur * 10, -cur, cur + 0.01, cur + 180, 0, Math.round(cur)]);
      steps.push(`number ${where}`);
    } else if (op === 5 && Array.isArray(cur) && cur.length >= 2 && typeof cur[0] === 'number') {
      [cur[0], cur[1]] = [cur[1], cur[0]];
      steps.push(`swap axes ${where}`);
    } else if (op === 6 && Array.isArray(cur) && cur.length > 0) {
      cur.reverse();
      steps.push(`reverse ${where}`);
    } else { parent[key] = structuredClone(pick(r, JSON_VALUES)); steps.push(`replace ${where}`); }
  }
  return { text: JSON.stringify(doc), what: steps.join(', ') };
}

/** CSV mutations: lines deleted, duplicated or swapped, cells replaced, columns swapped, text damage. */
export function mutateCsv(text: string, r: Rand): { text: string; what: string } {
  if (r() < 0.2) {
    const m = mutateBytes(Buffer.from(text), r);
    return { text: Buffer.from(m.bytes).toString('utf8'), what: `text: ${m.what}` };
  }
  const lines = text.split('\n');
  const op = int(r, 5);
  const i = int(r, lines.length);
  if (op === 0) { lines.splice(i, 1); return { text: lines.join('\n'), what: `delete line ${i}` }; }
  if (op === 1) { lines.splice(i, 0, lines[i]!); return { text: lines.join('\n'), what: `duplicate line ${i}` }; }
  const cells = lines.map((l) => l.split(','));
  if (op === 2) {
    const a = int(r, 4), b = int(r, 4);
    for (const c of cells) [c[a], c[b]] = [c[b]!, c[a]!];
    return { text: cells.map((c) => c.join(',')).join('\n'), what: `swap columns ${a} and ${b}` };
  }
  const c = cells[i]!;
  const j = int(r, Math.max(1, c.length));
  c[j] = String(pick(r, ['', 'NaN', 'Infinity', '-1', '65536', '1e400', '0x15', ' 21', '"21"', '21.0', '999999', 'abc', '"a,b"', '1,2']));
  return { text: cells.map((x) => x.join(',')).join('\n'), what: `cell ${i}:${j}` };
}
