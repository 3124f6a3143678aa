import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { cleanProj4, crsFromEpsg, crsFromProj4, crsFromWkt, sameCrs } from '../rasters/crs.js';
import { openRaster } from '../rasters/open.js';
import { realFile } from './helpers.js';

const CAS_ALBERS = '+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +ellps=krass +units=m +no_defs';

describe('cleanProj4', () => {
  it('drops +axis=ne / +axis=neu and bare tokens such as the second 0 of "+pm=0 0"', () => {
    expect(cleanProj4('+proj=longlat +ellps=GRS80 +axis=ne +no_defs')).toBe('+proj=longlat +ellps=GRS80 +no_defs');
    expect(cleanProj4('+proj=tmerc +lat_0=0 +lon_0=117  +pm=0 0 +axis=neu +units=m +no_defs'))
      .toBe('+proj=tmerc +lat_0=0 +lon_0=117 +pm=0 +units=m +no_defs');
    expect(cleanProj4(CAS_ALBERS)).toBe(CAS_ALBERS);
  });
});

describe('sameCrs', () => {
  it('the real CAS 2000 and 2010 rasters share one CRS although their WKT names differ', async () => {
    const a = realFile('resdc-landuse-sichuan-chongqing-300m/landuse2000.tif');
    const b = realFile('resdc-landuse-sichuan-chongqing-300m/landuse2010.tif');
    if (!a || !b) return;
    const [ra, rb] = await Promise.all([openRaster(a), openRaster(b)]);
    expect(ra.crs.isEqualArea).toBe(true);
    expect(sameCrs(ra.crs, rb.crs)).toBe(true);
    expect(sameCrs(ra.crs, crsFromProj4(CAS_ALBERS))).toBe(true);
    // a different standard parallel is a different CRS
    expect(sameCrs(ra.crs, crsFromProj4(CAS_ALBERS.replace('+lat_1=25', '+lat_1=26')))).toBe(false);
    expect(sameCrs(ra.crs, crsFromProj4(CAS_ALBERS.replace('+lon_0=105', '+lon_0=110')))).toBe(false);
    expect(sameCrs(ra.crs, crsFromProj4(CAS_ALBERS.replace('+ellps=krass', '+ellps=GRS80')))).toBe(false);
  });

  it('spelling differences (parameter order, explicit defaults) do not make a different CRS', () => {
    const reordered = '+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +ellps=krass +no_defs';
    expect(sameCrs(crsFromProj4(CAS_ALBERS), crsFromProj4(reordered))).toBe(true);
  });

  it('the Zion .prj (ESRI WKT, UTM 12N on GRS80) and the NLCD GeoTIFF (UTM 12N, NAD83) are the same CRS', async () => {
    const prj = realFile('derived/zion.prj');
    const tif = realFile('spDataLarge-zion/nlcd2011.tif');
    if (!prj || !tif) return;
    expect(sameCrs(crsFromWkt(readFileSync(prj, 'utf8')), (await openRaster(tif)).crs)).toBe(true);
  });
});

describe('crsFromWkt', () => {
  it('parses the real derived/zion.prj: transverse Mercator, lon_0 -111, k 0.9996, x_0 500000, GRS80', () => {
    const prj = realFile('derived/zion.prj');
    if (!prj) return;
    const crs = crsFromWkt(readFileSync(prj, 'utf8'));
    expect(crs.isGeographic).toBe(false);
    expect(crs.isEqualArea).toBe(false);
    expect(crs.proj4).toMatch(/^\+proj=e?tmerc /);
    for (const p of ['+lon_0=-111', '+lat_0=0', '+k_0=0.9996', '+x_0=500000', '+y_0=0', '+a=6378137']) expect(crs.proj4.split(' ')).toContain(p);
    // GRS80: b = a (1 - 1/298.257222101)
    const b = Number(/\+b=([\d.]+)/.exec(crs.proj4)![1]);
    expect(b).toBeCloseTo(6378137 * (1 - 1 / 298.257222101), 6);
  });

  it('throws on text that holds no projection', () => {
    expect(() => crsFromWkt('this is not WKT')).toThrow();
  });
});

describe('crsFromEpsg', () => {
  it('32650 is UTM zone 50N: transverse Mercator, lon_0 117, k 0.9996, not equal-area', () => {
    const crs = crsFromEpsg(32650)!;
    expect(crs.proj4.split(' ')).toEqual(expect.arrayContaining(['+proj=tmerc', '+lon_0=117', '+k_0=0.9996', '+x_0=500000']));
    expect(crs.isGeographic).toBe(false);
    expect(crs.isEqualArea).toBe(false);
  });

  it('4326 is geographic WGS84', () => {
    const crs = crsFromEpsg(4326)!;
    expect(crs.isGeographic).toBe(true);
    expect(crs.isEqualArea).toBe(false);
    expect(crs.proj4).toBe('+proj=longlat +datum=WGS84 +no_defs');
  });

  it('an unknown code gives null', () => {
    expect(crsFromEpsg(999999)).toBeNull();
  });
});

describe('isEqualArea', () => {
  it('Albers and cylindrical equal-area are equal-area; transverse Mercator and Web Mercator are not', () => {
    expect(crsFromProj4(CAS_ALBERS).isEqualArea).toBe(true);
    expect(crsFromProj4('+proj=cea +lon_0=140.8 +lat_ts=5.5 +datum=WGS84 +units=m +no_defs').isEqualArea).toBe(true);
    expect(crsFromProj4('+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 +ellps=GRS80 +units=m +no_defs').isEqualArea).toBe(true);
    expect(crsFromProj4('+proj=tmerc +lat_0=0 +lon_0=-111 +k=0.9996 +x_0=500000 +ellps=GRS80 +units=m +no_defs').isEqualArea).toBe(false);
    expect(crsFromProj4('+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +no_defs').isEqualArea).toBe(false);
    expect(crsFromProj4('+proj=longlat +datum=WGS84 +no_defs').isEqualArea).toBe(false);
  });
});
