/**
 * All zones' polygons in one set of flat typed arrays (flatbush's habit): cheap to share with
 * worker threads as SharedArrayBuffers and fast to walk. Coordinates are in the raster CRS.
 *
 *   coords      [x0, y0, x1, y1, ...] of every ring, rings not repeated-closed
 *   ringStart   ringStart[r] .. ringStart[r + 1] are the points of ring r
 *   zoneRing    zoneRing[z] .. zoneRing[z + 1] are the rings of zone z (outer rings and holes)
 *   bbox        [minX, minY, maxX, maxY] per zone
 */
export interface ZoneGeometry {
  readonly coords: Float64Array;
  readonly ringStart: Uint32Array;
  readonly zoneRing: Uint32Array;
  readonly bbox: Float64Array;
}

/** rings[zone][ring] = flat [x, y, ...] without the closing point. */
export function packZoneGeometry(rings: number[][][], shared = true): ZoneGeometry {
  let pointCount = 0;
  let ringCount = 0;
  for (const zone of rings) for (const ring of zone) { pointCount += ring.length / 2; ringCount++; }
  const alloc = <T>(Ctor: new (b: ArrayBufferLike) => T, bytes: number): T =>
    new Ctor(shared ? new SharedArrayBuffer(Math.max(bytes, 8)) : new ArrayBuffer(Math.max(bytes, 8)));
  const coords = alloc(Float64Array, pointCount * 16);
  const ringStart = alloc(Uint32Array, (ringCount + 1) * 4);
  const zoneRing = alloc(Uint32Array, (rings.length + 1) * 4);
  const bbox = alloc(Float64Array, rings.length * 32);
  let p = 0;
  let r = 0;
  rings.forEach((zone, z) => {
    zoneRing[z] = r;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (const ring of zone) {
      ringStart[r++] = p;
      for (let i = 0; i < ring.length; i += 2) {
        const x = ring[i]!;
        const y = ring[i + 1]!;
        coords[2 * p] = x;
        coords[2 * p + 1] = y;
        p++;
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
    bbox.set([minX, minY, maxX, maxY], 4 * z);
  });
  ringStart[r] = p;
  zoneRing[rings.length] = r;
  return { coords, ringStart, zoneRing, bbox };
}

export function zoneCount(g: ZoneGeometry): number {
  return g.zoneRing.length - 1;
}

/**
 * Planar area of a zone: the shoelace sum of its rings' signed areas. Rings must be oriented
 * as projectZones leaves them (outer rings one way, holes the other); parts of a multipolygon
 * may then touch or nest (an island in a lake) and still add up right.
 */
export function zoneArea(g: ZoneGeometry, zone: number): number {
  let area = 0;
  for (let r = g.zoneRing[zone]!; r < g.zoneRing[zone + 1]!; r++) {
    const start = g.ringStart[r]!;
    const end = g.ringStart[r + 1]!;
    for (let i = start, j = end - 1; i < end; j = i++) {
      area += (g.coords[2 * j]! - g.coords[2 * i]!) * (g.coords[2 * j + 1]! + g.coords[2 * i + 1]!);
    }
  }
  return Math.abs(area) / 2;
}
