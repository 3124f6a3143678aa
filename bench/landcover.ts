import { fbm, hash2 } from '../data/procedural.js';
// Procedural CAS-coded land cover, evaluated one tile at a time: every field is a function of global
// pixel coordinates (lattices aligned to global multiples of their step), so tiles join seamlessly
// and generation streams with a few hundred kB per thread. Integer hashing only: same seed, same cells.
//
// Realism targets 30 m maps: patches of a few hundred cells with ragged edges (three layers of domain
// warp), inclusions of a second class inside patches, 1-px streams and isolated misclassified cells.
// That is what puts DEFLATE near the 6:1 of real 30 m land-use files instead of the 20:1 of smooth blobs.

export const NO_CHANGE = 255;
/** Epoch indices 1..4 are 2005..2020; a change at epoch k shows from that epoch on. */
export const EPOCH_COUNT = 5;

const smooth = (t: number): number => t * t * (3 - 2 * t);

/** A field sampled on the global lattice (gx * step, gy * step) over one window; bilinear reads. */
class Lattice {
  private values = new Float32Array(0);
  private across = 0;
  private down = 0;
  private gx0 = 0;
  private gy0 = 0;
  private readonly inv: number;
  constructor(private readonly step: number, private readonly fn: (gx: number, gy: number) => number) {
    this.inv = 1 / step;
  }

  fill(x0: number, y0: number, x1: number, y1: number): void {
    const s = this.step;
    this.gx0 = Math.floor(x0 / s) - 1; this.gy0 = Math.floor(y0 / s) - 1;
    this.across = Math.ceil(x1 / s) + 2 - this.gx0; this.down = Math.ceil(y1 / s) + 2 - this.gy0;
    if (this.values.length < this.across * this.down) this.values = new Float32Array(this.across * this.down);
    for (let j = 0; j < this.down; j++)
      for (let i = 0; i < this.across; i++) this.values[j * this.across + i] = this.fn(this.gx0 + i, this.gy0 + j);
  }

  at(x: number, y: number): number {
    const fx = x * this.inv - this.gx0, fy = y * this.inv - this.gy0;
    // |0 truncates: fx, fy are >= 0 inside the filled window (it has a one-step margin)
    const ix = Math.min(fx | 0, this.across - 2), iy = Math.min(fy | 0, this.down - 2);
    const tx = fx - ix, ty = fy - iy, v = this.values, k = iy * this.across + ix;
    const a = v[k]!, b = v[k + 1]!, c = v[k + this.across]!, d = v[k + this.across + 1]!;
    return a + (b - a) * tx + (c - a) * ty + (a - b - c + d) * tx * ty;
  }

  /** out[c] (+)= at(x0 + c, y) for c < n: the row is linear between lattice columns, so this costs a few flops a cell. */
  row(y: number, x0: number, n: number, out: Float32Array, add: boolean): void {
    const inv = this.inv, across = this.across, v = this.values, gx0 = this.gx0;
    const fy = y * inv - this.gy0, iy = Math.min(fy | 0, this.down - 2), ty = fy - iy, r0 = iy * across;
    let cached = -1, a = 0, b = 0;
    for (let c = 0; c < n; c++) {
      const fx = (x0 + c) * inv - gx0, ix = fx | 0;
      if (ix !== cached) {
        cached = ix;
        const k = r0 + ix;
        a = v[k]! + (v[k + across]! - v[k]!) * ty;
        b = v[k + 1]! + (v[k + 1 + across]! - v[k + 1]!) * ty;
      }
      const value = a + (b - a) * (fx - ix);
      out[c] = add ? out[c]! + value : value;
    }
  }
}

/** Worley patches: one jittered feature point per cellPx square; nearest() sets k (label index) and distPx. */
class Worley {
  k = 0;
  distPx = 0;
  labelA = new Float32Array(0);
  labelB = new Float32Array(0);
  labelC = new Float32Array(0);
  private px = new Float32Array(0);
  private py = new Float32Array(0);
  private across = 0;
  private cx0 = 0;
  private cy0 = 0;
  constructor(private readonly cellPx: number, private readonly seed: number) {}

  fill(x0: number, y0: number, x1: number, y1: number): void {
    const c = this.cellPx;
    this.cx0 = Math.floor(x0 / c) - 2; this.cy0 = Math.floor(y0 / c) - 2;
    this.across = Math.floor(x1 / c) + 3 - this.cx0;
    const down = Math.floor(y1 / c) + 3 - this.cy0, n = this.across * down;
    if (this.px.length < n) {
      this.px = new Float32Array(n); this.py = new Float32Array(n);
      this.labelA = new Float32Array(n); this.labelB = new Float32Array(n); this.labelC = new Float32Array(n);
    }
    for (let j = 0; j < down; j++) {
      for (let i = 0; i < this.across; i++) {
        const k = j * this.across + i, gx = this.cx0 + i, gy = this.cy0 + j, s = this.seed;
        this.px[k] = (gx + hash2(gx, gy, s)) * c;
        this.py[k] = (gy + hash2(gx, gy, s + 1)) * c;
        this.labelA[k] = hash2(gx, gy, s + 2);
        this.labelB[k] = hash2(gx, gy, s + 3);
        this.labelC[k] = hash2(gx, gy, s + 4);
      }
    }
  }

  nearest(x: number, y: number): void {
    const across = this.across, px = this.px, py = this.py;
    const gx = Math.floor(x / this.cellPx) - this.cx0, gy = Math.floor(y / this.cellPx) - this.cy0;
    let best = Infinity, bestK = 0;
    for (let j = gy - 1; j <= gy + 1; j++) {
      for (let k = j * across + gx - 1, end = k + 3; k < end; k++) {
        const dx = px[k]! - x, dy = py[k]! - y, d2 = dx * dx + dy * dy;
        if (d2 < best) { best = d2; bestK = k; }
      }
    }
    this.k = bestK;
    this.distPx = Math.sqrt(best);
  }
}

/** Class palettes as flat [code, cumulative share, ...]; pick() walks them with a label in [0, 1). */
const VALLEY = [12, 0.5, 11, 0.56, 22, 0.62, 32, 0.7, 31, 0.74, 23, 0.8, 21, 0.9, 24, 0.95, 42, 0.96, 33, 1];
const SLOPE = [12, 0.28, 22, 0.4, 32, 0.5, 31, 0.56, 23, 0.64, 21, 0.88, 24, 0.96, 33, 1];
const MOUNTAIN = [21, 0.48, 24, 0.6, 22, 0.76, 23, 0.87, 31, 0.95, 33, 1];
const RIDGE = [66, 0.14, 65, 0.2, 33, 0.42, 22, 0.68, 21, 1];
const PLATEAU = [31, 0.24, 32, 0.44, 33, 0.58, 12, 0.8, 61, 0.88, 64, 0.93, 21, 1];

function pick(palette: number[], label: number): number {
  for (let i = 1; i < palette.length; i += 2) if (label < palette[i]!) return palette[i - 1]!;
  return palette[palette.length - 2]!;
}

const isLand = (code: number): boolean => code === 11 || code === 12 || (code >= 21 && code <= 33) || code === 61 || code === 65;

interface Site { x: number; y: number; radiusPx: number; epoch: number }

const RIVER_HALF_WIDTH = 0.00025; // in river-field units: about 1-3 px either side of the zero contour
const MARGIN_PX = 24; // > total warp amplitude (12 + 4 + 1.5 px)

/** Base classes (epoch 2000) plus, per cell, the epoch of its single change and what it becomes. */
export interface TileClasses { base: Uint8Array; changeEpoch: Uint8Array; changeTo: Uint8Array }

export class LandCover {
  private readonly towns: Site[];
  private readonly reservoirs: Site[];
  private readonly elev: Lattice;
  private readonly river: Lattice;
  private readonly stream: Lattice;
  private readonly warp: Lattice[];
  private readonly inclusion: Lattice;
  private readonly townNoise: Lattice;
  private readonly patches: Worley;
  private rows = { warpX: new Float32Array(0), warpY: new Float32Array(0), river: new Float32Array(0), riverNext: new Float32Array(0),
    stream: new Float32Array(0), streamNext: new Float32Array(0), town: new Float32Array(0) };

  constructor(private readonly size: number, private readonly seed: number, random: () => number) {
    const riverAt = (x: number, y: number): number => fbm(x / 3200, y / 3200, 4, seed + 20) - 0.5;
    const elevAt = (x: number, y: number): number => {
      const relief = Math.min(1, Math.max(0, (fbm(x / 2600, y / 2600, 6, seed + 10) - 0.5) * 2.6 + 0.55));
      const valley = smooth(Math.min(1, Math.abs(riverAt(x, y)) / 0.06));
      return relief * (0.3 + 0.7 * valley);
    };
    this.elev = new Lattice(16, (gx, gy) => elevAt(gx * 16, gy * 16));
    this.river = new Lattice(16, (gx, gy) => riverAt(gx * 16, gy * 16));
    this.stream = new Lattice(8, (gx, gy) => fbm(gx / 110, gy / 110, 3, seed + 25) - 0.5);
    // coarse, middle and fine domain warp (x and y): ragged, fragmented patch edges
    this.warp = [
      new Lattice(32, (gx, gy) => 24 * (hash2(gx, gy, seed + 40) - 0.5)),
      new Lattice(32, (gx, gy) => 24 * (hash2(gx, gy, seed + 41) - 0.5)),
      new Lattice(7, (gx, gy) => 8 * (hash2(gx, gy, seed + 42) - 0.5)),
      new Lattice(7, (gx, gy) => 8 * (hash2(gx, gy, seed + 43) - 0.5)),
      new Lattice(3, (gx, gy) => 4 * (hash2(gx, gy, seed + 44) - 0.5)),
      new Lattice(3, (gx, gy) => 4 * (hash2(gx, gy, seed + 45) - 0.5)),
    ];
    this.inclusion = new Lattice(5, (gx, gy) => hash2(gx, gy, seed + 50));
    this.townNoise = new Lattice(24, (gx, gy) => hash2(gx, gy, seed + 60));
    this.patches = new Worley(22, seed + 70);

    // towns in valleys (lowest of random candidates), about one per county; reservoirs on the main rivers
    const area = (size / 10_000) ** 2;
    const lowest = (count: number, score: (x: number, y: number) => number, radius: () => number, epoch: () => number): Site[] => {
      const sites: Site[] = [];
      for (let n = 0; n < count; n++) {
        let best = { x: 0, y: 0, s: Infinity };
        for (let k = 0; k < 24; k++) {
          const x = (0.12 + 0.76 * random()) * size, y = (0.12 + 0.76 * random()) * size, s = score(x, y);
          if (s < best.s) best = { x, y, s };
        }
        sites.push({ x: best.x, y: best.y, radiusPx: radius(), epoch: epoch() });
      }
      return sites;
    };
    this.towns = lowest(Math.max(2, Math.round(14 * area)), elevAt, () => 25 + 60 * random(), () => 0);
    if (this.towns[0]) this.towns[0].radiusPx = 150; // the prefecture city
    this.reservoirs = lowest(Math.max(1, Math.round(5 * area)), (x, y) => Math.abs(riverAt(x, y)), () => 30 + 50 * random(),
      () => (random() < 0.4 ? 2 : 0)); // some dams are built 2005-2010
  }

  /** Fill classes for the window (col0, row0, w x h) of a tileSize-wide buffer; cells with mask 0 get nodata 0. */
  fillTile(col0: number, row0: number, w: number, h: number, tileSize: number, mask: Uint8Array, out: TileClasses): void {
    const { base, changeEpoch, changeTo } = out;
    const x0 = col0 - MARGIN_PX, y0 = row0 - MARGIN_PX, x1 = col0 + w + MARGIN_PX, y1 = row0 + h + MARGIN_PX;
    for (const l of [this.elev, this.river, this.stream, ...this.warp, this.inclusion, this.townNoise]) l.fill(x0, y0, x1, y1);
    this.patches.fill(x0, y0, x1, y1);
    const near = (s: Site, growth: number): boolean =>
      s.x + s.radiusPx * growth > x0 && s.x - s.radiusPx * growth < x1 && s.y + s.radiusPx * growth > y0 && s.y - s.radiusPx * growth < y1;
    const towns = this.towns.filter((t) => near(t, 2.8)), reservoirs = this.reservoirs.filter((r) => near(r, 1.4));
    const [wx1, wy1, wx2, wy2, wx3, wy3] = this.warp as [Lattice, Lattice, Lattice, Lattice, Lattice, Lattice];
    const { elev, river, stream, inclusion, townNoise, patches, seed } = this;
    const plateauRow = 0.2 * this.size, plateauRagged = 0.08 * this.size; // the Bashang plateau edge, in the north
    base.fill(0); changeEpoch.fill(NO_CHANGE); changeTo.fill(0);
    // per-row buffers of the unwarped fields (rivers need the next column and the next row too)
    const n = w + 1, rows = this.rows;
    if (rows.warpX.length < n) for (const k of Object.keys(rows) as (keyof typeof rows)[]) rows[k] = new Float32Array(n);
    const x0c = col0 + 0.5;
    river.row(row0 + 0.5, x0c, n, rows.riverNext, false);
    stream.row(row0 + 0.5, x0c, n, rows.streamNext, false);

    for (let r = 0; r < h; r++) {
      const y = row0 + r + 0.5;
      let t = rows.river; rows.river = rows.riverNext; rows.riverNext = t;
      t = rows.stream; rows.stream = rows.streamNext; rows.streamNext = t;
      river.row(y + 1, x0c, n, rows.riverNext, false);
      stream.row(y + 1, x0c, n, rows.streamNext, false);
      wx1.row(y, x0c, w, rows.warpX, false); wx2.row(y, x0c, w, rows.warpX, true); wx3.row(y, x0c, w, rows.warpX, true);
      wy1.row(y, x0c, w, rows.warpY, false); wy2.row(y, x0c, w, rows.warpY, true); wy3.row(y, x0c, w, rows.warpY, true);
      if (towns.length > 0) townNoise.row(y, x0c, w, rows.town, false);
      const { warpX, warpY, river: rvRow, riverNext: rvNext, stream: stRow, streamNext: stNext, town } = rows;
      for (let c = 0; c < w; c++) {
        const i = r * tileSize + c;
        if (mask[i] === 0) continue;
        const wx = x0c + c + warpX[c]!, wy = y + warpY[c]!;
        const e = elev.at(wx, wy);
        patches.nearest(wx, wy);
        const k = patches.k, la = patches.labelA[k]!, lb = patches.labelB[k]!, lc = patches.labelC[k]!;
        const zone = wy + plateauRagged * (e - 0.5) < plateauRow && e > 0.3 ? PLATEAU
          : e < 0.3 ? VALLEY : e < 0.5 ? SLOPE : e < 0.82 ? MOUNTAIN : RIDGE;
        const lowland = zone === VALLEY || zone === SLOPE;
        let code = pick(zone, la);
        if (inclusion.at(wx, wy) > 0.66) code = pick(zone, lb); // a second class inside the patch
        const speckle = hash2(col0 + c, row0 + r, seed + 99);
        if (speckle < 0.04) code = pick(zone, speckle / 0.04); // isolated misclassified cells

        // water: main rivers (zero contour, unwarped so they stay connected), streams in valleys, bottomland
        const rv = rvRow[c]!, rvE = rvRow[c + 1]!, rvS = rvNext[c]!;
        if ((rv > 0) !== (rvE > 0) || (rv > 0) !== (rvS > 0) || Math.abs(rv) < RIVER_HALF_WIDTH) code = 41;
        else if (Math.abs(rv) < 4 * RIVER_HALF_WIDTH && la < 0.45) code = 46;
        else if (e < 0.42) {
          const s = stRow[c]!, sE = stRow[c + 1]!, sS = stNext[c]!;
          if ((s > 0) !== (sE > 0) || (s > 0) !== (sS > 0)) code = 41;
        }
        let epoch = NO_CHANGE, to = 0;
        for (const s of reservoirs) {
          const d = Math.hypot(wx - s.x, wy - s.y) / s.radiusPx;
          if (d < 1) { if (s.epoch === 0) code = 43; else { epoch = s.epoch; to = 43; } }
          else if (d < 1.25 && la < 0.35 && s.epoch === 0) code = 64; // marsh fringe
        }
        // settlements: a village around some patches' centres (growing), a few mines and industrial sites
        if (lowland && isLand(code) && epoch === NO_CHANGE) {
          const villageR = 2 + 5 * lb;
          if (lc < 0.3 && patches.distPx < villageR) code = 52;
          else if (lc < 0.15 && patches.distPx < villageR + 3) { epoch = 1 + Math.floor((patches.distPx - villageR) / 0.75); to = 52; }
          else if (lc > 0.988) code = 53;
          else if (lc > 0.97) { epoch = 1 + Math.floor((lc - 0.97) / 0.0045); to = 53; }
          if (epoch > 4) epoch = NO_CHANGE;
        }
        // towns grow 22 % in radius per epoch along a ragged front
        if (towns.length > 0 && (isLand(code) || code === 52) && epoch === NO_CHANGE) {
          const ragged = 0.75 + 0.5 * town[c]!;
          for (const t of towns) {
            const d = Math.hypot(wx - t.x, wy - t.y) * ragged / t.radiusPx;
            if (d >= 1.9) continue;
            const first = Math.max(0, Math.ceil((d - 1) / 0.22));
            const built = lb > 0.85 ? 53 : 51;
            if (first === 0) code = built;
            else if (first < epoch) { epoch = first; to = built; }
          }
        }
        // grain for green: sloping dry land and poor grassland patches become forest or shrub
        if (epoch === NO_CHANGE && e >= 0.28 && (code === 12 || code === 33) && lb < 0.45) {
          const first = 1 + Math.floor(lb * 10);
          if (first <= 4) { epoch = first; to = lb < 0.2 ? 21 : lb < 0.35 ? 24 : 22; }
        }
        base[i] = code;
        if (epoch !== NO_CHANGE) { changeEpoch[i] = epoch; changeTo[i] = to; }
      }
    }
  }
}
