import { readFile } from 'node:fs/promises';

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
  outputWriteFailed: (out: string, code: string, detail: string) =>
    `--out ${out}: writing the results failed (${code}: ${detail}); nothing was written there and what it held before is unchanged. ${code === 'ENOSPC' || code === 'EDQUOT' ? 'The disk is full: free some space or choose an --out on another disk' : 'The disk refused the write: choose another --out'}, then run again.`,
  zonesMissRaster: (zonesFile: string, rasterFile: string) =>
    `${zonesFile}: no zone overlaps the raster ${rasterFile}. Check that the zones' CRS is right (a .prj file, a GeoJSON "crs" member, or lon/lat by default) and that both cover the same region.`,
  zonesSwapped: (zonesFile: string, rasterFile: string) =>
    `${zonesFile}: no zone overlaps the raster ${rasterFile}, but they would with x and y exchanged: the coordinates are written as latitude, longitude. GeoJSON (RFC 7946) and shapefiles store longitude first; swap them, e.g. \`ogr2ogr -dialect sqlite -sql "SELECT SwapCoordinates(geometry) AS geometry, * FROM <layer>" fixed.geojson ${zonesFile}\`, and run again.`,
  rotatedGeotransform: (file: string) =>
    `${file}: has a rotated or sheared geotransform (a ModelTransformation with rotation terms); only north-up rasters can be counted cell by cell. Warp it north-up first, e.g. \`gdalwarp -t_srs <its CRS> in.tif north-up.tif\`.`,
  emptyRaster: (file: string, cols: number, rows: number) =>
    `${file}: declares ${cols} x ${rows} cells, so it holds no land-use data. Export the raster again; \`gdalinfo ${file}\` shows what GDAL sees.`,
  hugeBlock: (file: string, width: number, height: number, bytes: number) =>
    `${file}: its internal blocks are ${width} x ${height} cells (${(bytes / 2 ** 30).toFixed(2)} GiB each once decoded), too large to read one block at a time. Re-tile it: \`gdal_translate -co TILED=YES -co BLOCKXSIZE=512 -co BLOCKYSIZE=512 -co COMPRESS=DEFLATE ${file} tiled.tif\`.`,
  nodataOutOfRange: (file: string, nodata: string, cells: string) =>
    `${file}: declares nodata ${nodata} (GDAL_NODATA), which its ${cells} cells cannot hold, so no cell is nodata; the value was ignored. Set the intended nodata with \`gdal_edit.py -a_nodata <value> ${file}\`, or remove it with \`gdal_edit.py -unsetnodata ${file}\`.`,
  zoneCoordinates: (file: string, feature: number, id: string, what: string) =>
    `${file}: feature ${feature} (${id}) has malformed coordinates (${what}). A Polygon is an array of rings and a ring an array of [x, y] number pairs; fix or drop the feature, e.g. rewrite the file with \`ogr2ogr -makevalid fixed.geojson ${file}\`.`,
  ringsNotClosed: (file: string, count: number, zoneId: string) =>
    `${file}: ${count} ring(s) end on a vertex other than their first (zone ${zoneId} is one); they were closed with a straight edge back to the first vertex. Close them in the file to silence this warning (\`ogr2ogr -makevalid fixed.geojson ${file}\`).`,
  ringCrossesItself: (file: string, feature: number, zoneId: string, x: number, y: number) =>
    `${file}: zone ${zoneId} (feature ${feature}) has a ring that crosses itself near (${x}, ${y}), such as a bow-tie, so which cells lie inside it is undefined. Repair the polygon, e.g. \`ogr2ogr -makevalid fixed.geojson ${file}\` or ST_MakeValid in PostGIS/QGIS, and run again.`,
  ringsCrossSlightly: (file: string, zones: number, where: string) =>
    `${file}: ${zones} zone(s) have rings that cross themselves without twisting (a ring pinched against itself, a curl, or a twist under 0.1 % of the zone's area) or cross each other (e.g. ${where}); they were counted as drawn, which may be off by the area of the overlaps. Repair them with \`ogr2ogr -makevalid fixed.geojson ${file}\` or ST_MakeValid to be exact.`,
  missingPrj: (file: string) =>
    `${file}: has no .prj file, so its coordinate system is unknown. Add the .prj that came with it, give the CRS with --zones-crs (e.g. --zones-crs EPSG:4326 for lon/lat), or write one with \`ogr2ogr -a_srs EPSG:XXXX fixed.shp ${file}\`.`,
  prjUnparsed: (prj: string, zonesFile: string, why: string) =>
    `${prj}: proj4 cannot parse this coordinate system (${why}). Give the CRS as proj4 or EPSG with --zones-crs (\`gdalsrsinfo -o proj4 ${prj}\` prints it), or reproject the zones to lon/lat first: \`ogr2ogr -t_srs EPSG:4326 zones.geojson ${zonesFile}\`.`,
  outNotCreatable: (out: string, code: string) =>
    `--out ${out}: cannot be created (${code}: part of the path is a file, not a folder, or the file system refuses it). Give a folder you can write to, e.g. --out results.`,
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

/**
 * A JSON file the user named: a missing or unreadable file goes through fileError (`what` says
 * which file it is), text that is not JSON becomes a UserError naming the file and ending with
 * `fix`.
 */
export async function readJsonFile(path: string, what: string, fix: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    fileError(path, what, err);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path}: is not valid JSON (${(err as Error).message}). ${fix}`);
  }
}

/** A task of a distributed run that failed on every attempt, with the workers' last reason. */
export class RemoteTaskFailure extends Error {
  constructor(message: string, readonly attempts: number) {
    super(message);
  }
}
