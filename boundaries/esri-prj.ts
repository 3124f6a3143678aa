/**
 * ESRI .prj dialects proj4js does not parse, mapped to proj4 as GDAL maps them. Behrmann is the
 * cylindrical equal-area projection with standard parallel 30 degrees; ESRI writes it with an
 * optional Standard_Parallel_1, which GDAL honours (+proj=cea +lat_ts=<it>), and so do we.
 * Returns null for every other WKT (proj4js reads those itself).
 */
export function esriDialectProj4(wkt: string): string | null {
  const projection = /PROJECTION\s*\[\s*"([^"]+)"/i.exec(wkt)?.[1];
  if (!projection || projection.toLowerCase() !== 'behrmann') return null;
  const param = (name: string): number | undefined => {
    const m = new RegExp(`PARAMETER\\s*\\[\\s*"${name}"\\s*,\\s*([-+0-9.eE]+)`, 'i').exec(wkt);
    return m ? Number(m[1]) : undefined;
  };
  const spheroid = /SPHEROID\s*\[\s*"[^"]*"\s*,\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)/i.exec(wkt);
  // The linear unit is the last UNIT of the PROJCS (the GEOGCS's comes first).
  const units = [...wkt.matchAll(/UNIT\s*\[\s*"[^"]*"\s*,\s*([-+0-9.eE]+)/gi)];
  const toMeter = units.length > 1 ? Number(units[units.length - 1]![1]) : 1;
  const parts = [
    '+proj=cea',
    `+lon_0=${param('Central_Meridian') ?? 0}`,
    `+lat_ts=${param('Standard_Parallel_1') ?? 30}`,
    `+x_0=${param('False_Easting') ?? 0}`,
    `+y_0=${param('False_Northing') ?? 0}`,
    spheroid ? `+a=${Number(spheroid[1])}` : '+ellps=WGS84',
    spheroid ? (Number(spheroid[2]) === 0 ? `+b=${Number(spheroid[1])}` : `+rf=${Number(spheroid[2])}`) : '',
    toMeter !== 1 && Number.isFinite(toMeter) && toMeter > 0 ? `+to_meter=${toMeter}` : '',
    '+no_defs',
  ];
  return parts.filter((p) => p !== '').join(' ');
}
