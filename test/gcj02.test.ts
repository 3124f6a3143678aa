import { describe, expect, it } from 'vitest';
import { gcj02ToWgs84, wgs84ToGcj02 } from '../boundaries/gcj02.js';

// Control points published with the reference implementation (googollee/eviltransform's
// tests): [wgsLat, wgsLon, gcjLat, gcjLon].
const CONTROL: [string, number, number, number, number][] = [
  ['Shanghai', 31.1774276, 121.5272106, 31.17530398364597, 121.531541859215],
  ['Shenzhen', 22.543847, 113.912316, 22.540796131694766, 113.9171764808363],
  ['Beijing', 39.911954, 116.377817, 39.91334545536069, 116.38404722455657],
];

describe('GCJ-02', () => {
  for (const [city, wLat, wLon, gLat, gLon] of CONTROL) {
    it(`shifts WGS84 to GCJ-02 as published (${city})`, () => {
      const [lon, lat] = wgs84ToGcj02(wLon, wLat);
      expect(lon).toBeCloseTo(gLon, 9);
      expect(lat).toBeCloseTo(gLat, 9);
    });
    it(`recovers WGS84 from GCJ-02 to below a millimetre (${city})`, () => {
      const [lon, lat] = gcj02ToWgs84(gLon, gLat);
      // 1e-8 degrees is about 1 mm.
      expect(Math.abs(lon - wLon)).toBeLessThan(1e-8);
      expect(Math.abs(lat - wLat)).toBeLessThan(1e-8);
    });
  }

  it('moves Chengde by a few hundred metres and leaves points outside China alone', () => {
    const [lon, lat] = wgs84ToGcj02(117.93, 40.97);
    const dxM = (lon - 117.93) * 111_320 * Math.cos((40.97 * Math.PI) / 180);
    const dyM = (lat - 40.97) * 110_570;
    const shiftM = Math.hypot(dxM, dyM);
    expect(shiftM).toBeGreaterThan(100);
    expect(shiftM).toBeLessThan(1000);
    expect(wgs84ToGcj02(2.35, 48.85)).toEqual([2.35, 48.85]);
    expect(gcj02ToWgs84(-74, 40.7)).toEqual([-74, 40.7]);
  });
});
