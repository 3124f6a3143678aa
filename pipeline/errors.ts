/**
 * Two kinds of failure (citty's CLIError): a UserError is the user's to fix and prints one
 * paragraph with no stack (exit 2); anything else is a bug and keeps its stack (exit 1).
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

/** Message templates, one place for all of them (InVEST's validation_messages.py). */
export const messages = {
  missingFile: (file: string, what: string) =>
    `${file}: ${what} not found. Check the path (it is resolved from the current directory) and that the file exists.`,
  unreadable: (file: string, why: string) =>
    `${file}: cannot be read (${why}). Check the file's permissions and that it is not a folder.`,
  notTiff: (file: string, why: string) =>
    `${file}: is not a readable GeoTIFF (${why}). Give a land-use raster in GeoTIFF format; convert other formats with \`gdal_translate -of GTiff\`.`,
  truncatedTiff: (file: string, why: string) =>
    `${file}: the TIFF is truncated or corrupt (${why}). Copy or download the file again; \`gdalinfo -checksum\` shows whether GDAL can read every tile.`,
  unsupportedCompression: (file: string, code: number) =>
    `${file}: TIFF compression ${code} is not supported for land-use rasters. Re-encode it losslessly, e.g. \`gdal_translate -co COMPRESS=DEFLATE -co TILED=YES in.tif out.tif\`.`,
  notCategorical: (file: string, why: string) =>
    `${file}: is not a categorical land-use raster (${why}). Land-use classes must be whole numbers in one band (8/16/32-bit integers, or floats holding whole numbers).`,
  noCrs: (file: string) =>
    `${file}: has no usable coordinate reference system (no GeoKeys). Assign one with \`gdal_edit.py -a_srs EPSG:XXXX\` (the CAS LUCC grid is Albers on Krasovsky: +proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +ellps=krass +units=m).`,
  noGeoreference: (file: string) =>
    `${file}: has no georeferencing (no pixel scale and tie point, or a rotated geotransform). Georeference it north-up with GDAL (e.g. \`gdalwarp\`) first.`,
  mosaicMismatch: (year: number, a: string, b: string, what: string) =>
    `Epoch ${year}: ${b} does not fit the mosaic started by ${a} (${what}). All files of one year must share CRS, cell size and cell alignment; reproject with \`gdalwarp -t_srs ... -tr ... -tap\` first.`,
  epochGridMismatch: (yearA: number, a: string, yearB: number, b: string, gridA: string, gridB: string) =>
    `Epochs ${yearA} and ${yearB} are on different grids (${a}: ${gridA}; ${b}: ${gridB}), so their cells cannot be compared one to one for transitions. Resample one onto the other's grid, e.g. \`gdalwarp -t_srs <crs> -tr <size> <size> -tap -r near\`, or run the epochs separately.`,
  zonesMissRaster: (zonesFile: string, rasterFile: string) =>
    `${zonesFile}: no zone overlaps the raster ${rasterFile}. Check that the zones' CRS is right (a .prj file, a GeoJSON "crs" member, or lon/lat by default) and that both cover the same region.`,
  zonesSwapped: (zonesFile: string, rasterFile: string) =>
    `${zonesFile}: no zone overlaps the raster ${rasterFile}, but they would with x and y exchanged: the coordinates are written as latitude, longitude. GeoJSON (RFC 7946) and shapefiles store longitude first; swap them, e.g. \`ogr2ogr -dialect sqlite -sql "SELECT SwapCoordinates(geometry) AS geometry, * FROM <layer>" fixed.geojson ${zonesFile}\`, and run again.`,
  unmappedCodes: (rasterFile: string, list: string) =>
    `${rasterFile}: class codes found in the raster have no coefficient in the table: ${list}. Add them to the coefficient CSV (code,name,primary,coefficient_t_ha_yr), or pass --unmapped zero to count them with coefficient 0 (their area is still reported).`,
} as const;

/** Turn a Node file-system error into a UserError naming the file; rethrow anything else. */
export function fileError(file: string, what: string, err: unknown): never {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') throw new UserError(messages.missingFile(file, what));
  if (code === 'EACCES' || code === 'EISDIR' || code === 'EPERM') throw new UserError(messages.unreadable(file, code));
  throw err;
}
