/**
 * The run's inputs, declared once (InVEST's MODEL_SPEC, citty's arg definitions): the CLI
 * parser, `--help`, JSON config validation and summary.json's settings all derive from this.
 */
export interface FlagSpec {
  readonly name: string;
  readonly kind: 'string' | 'number' | 'boolean' | 'year-path';
  readonly about: string;
  readonly valueName?: string;
  readonly default?: string | number | boolean;
  readonly options?: readonly string[];
  readonly required?: boolean;
  readonly repeatable?: boolean;
}
// Booleans that default to true are shown and documented as their --no-X form.

export const RUN_FLAGS: readonly FlagSpec[] = [
  { name: 'raster', kind: 'year-path', valueName: 'YEAR=PATH', repeatable: true, required: true,
    about: 'land-use GeoTIFF of one epoch; repeat for each year, and repeat a year to mosaic several files of it' },
  { name: 'zones', kind: 'string', valueName: 'PATH', required: true,
    about: 'zone polygons (counties): ESRI shapefile (.shp + .dbf + .prj), GeoJSON (lon/lat unless it says otherwise) or GeoPackage (.gpkg)' },
  { name: 'zones-layer', kind: 'string', valueName: 'NAME', about: 'GeoPackage layer (feature table) holding the zones (default: the first in gpkg_contents)' },
  { name: 'zones-crs', kind: 'string', valueName: 'gcj02|EPSG:n|PROJ4',
    about: 'CRS of the zones when the file does not say it or says it wrong; gcj02 = lon/lat of Chinese web maps (AutoNavi/DataV), converted to WGS84' },
  { name: 'zone-id', kind: 'string', valueName: 'FIELD', about: 'attribute holding the zone id (default: adcode, code, id... whichever exists)' },
  { name: 'zone-name', kind: 'string', valueName: 'FIELD', about: 'attribute holding the zone name (default: name, if present)' },
  { name: 'coefficients', kind: 'string', valueName: 'PRESET|CSV', default: 'chengde-2024',
    about: 'coefficient table: the preset chengde-2024 (the study\'s Table 1) or a CSV code,name,primary,coefficient_t_ha_yr' },
  { name: 'unmapped', kind: 'string', default: 'error', options: ['error', 'zero'],
    about: 'class codes missing from the table: stop with a list (error) or count them with coefficient 0 (zero)' },
  { name: 'coverage', kind: 'string', default: 'exact', options: ['exact', 'center'],
    about: 'how cells count for a zone: exact = by the fraction of the cell inside the polygon; center = whole cells whose centre lies inside (the rule of GDAL and ArcGIS)' },
  { name: 'cell-area', kind: 'string', default: 'true', options: ['true', 'nominal'],
    about: 'cell areas in projections that do not preserve area (UTM, Web Mercator, Lambert conformal): true = ellipsoidal area of each cell; nominal = width x height (equal-area and lon/lat grids are always exact)' },
  { name: 'unit', kind: 'string', default: 'C', options: ['C', 'CO2'],
    about: 'unit of sequestration: C = tonnes of carbon; CO2 = tonnes of carbon dioxide (C x 44/12), with "tco2" in every column name' },
  { name: 'top', kind: 'number', valueName: 'N', default: 10,
    about: 'rank the N conversions between primary classes that cost or gained the most, region-wide and per zone (summary.json and the terminal)' },
  { name: 'extent', kind: 'string', default: 'zones', options: ['zones', 'raster'],
    about: 'extent of the output GeoTIFFs: the zones\' bounding box or the whole input grid' },
  { name: 'workers', kind: 'number', valueName: 'N', about: 'worker threads (default: one per core)' },
  { name: 'queue', kind: 'string', valueName: 'redis://HOST:PORT',
    about: 'count on `lucc-carbon worker` processes through BullMQ on this Redis instead of local threads (rasters: paths every worker can read, or http(s) URLs); --workers is then ignored' },
  { name: 'run-id', kind: 'string', valueName: 'ID', about: 'name of the distributed run in Redis (default: a hash of the inputs and settings)' },
  { name: 'resume', kind: 'boolean', default: false, about: 'reuse the counts and rasters of the earlier run in --out for every epoch whose input files hash the same (SHA-256) and whose outputs are intact, decoding only the others; with --queue: continue the run of the same inputs and settings (or --run-id) that a stopped coordinator left in Redis, keeping its finished tasks' },
  { name: 'out', kind: 'string', valueName: 'DIR', default: 'out', about: 'output folder (created if needed; files are replaced atomically)' },
  { name: 'rasters', kind: 'boolean', default: true, about: 'tables only: do not write sequestration_<year>.tif and change_<from>_<to>.tif' },
  { name: 'change-rasters', kind: 'string', default: 'first-last', options: ['first-last', 'all', 'none'],
    about: 'change_<from>_<to>.tif (t/ha/yr, to minus from): first-to-last epoch only, also every consecutive pair (all), or none' },
  { name: 'report', kind: 'boolean', default: true, about: 'do not write report.html (maps, charts and tables in one self-contained page)' },
  { name: 'quiet', kind: 'boolean', default: false, about: 'print only errors and the final totals' },
  { name: 'json', kind: 'boolean', default: false, about: 'print a compact JSON summary on stdout (totals per year, change, files written, warnings) and nothing else there; progress stays on stderr' },
  { name: 'config', kind: 'string', valueName: 'run.json', about: 'read these settings from a JSON file (keys are the flag names; paths relative to the file)' },
];

export interface OutputSpec {
  readonly file: string;
  readonly about: string;
  readonly columns?: readonly string[];
}

/** The product's interface: file names and columns are stable. */
export const OUTPUTS: readonly OutputSpec[] = [
  { file: 'zones_classes.csv', about: 'area and sequestration per year, zone and class',
    columns: ['year', 'zone_id', 'zone_name', 'class_code', 'class_name', 'primary_class', 'cells', 'area_ha', 'coefficient_t_ha_yr', 'sequestration_t_yr'] },
  { file: 'zones.csv', about: 'per year and zone: area with data, nodata area and sequestration',
    columns: ['year', 'zone_id', 'zone_name', 'area_ha', 'nodata_ha', 'sequestration_t_yr', 'share_of_total'] },
  { file: 'classes.csv', about: 'per year and class over all zones',
    columns: ['year', 'class_code', 'class_name', 'primary_class', 'area_ha', 'sequestration_t_yr', 'share_of_total'] },
  { file: 'change.csv', about: 'change in sequestration between consecutive epochs and first-to-last, per zone and region-wide (zone_id ALL)',
    columns: ['zone_id', 'zone_name', 'from_year', 'to_year', 'sequestration_from_t_yr', 'sequestration_to_t_yr', 'change_t_yr', 'change_pct', 'mean_annual_change_t_yr'] },
  { file: 'transitions.csv', about: 'from-class x to-class area per zone and epoch pair (consecutive and first-to-last; cells without data in either epoch as class "nodata"), with the change in sequestration each carries; zone_id ALL = all zones',
    columns: ['zone_id', 'zone_name', 'from_year', 'to_year', 'from_code', 'from_name', 'to_code', 'to_name', 'area_ha', 'sequestration_change_t_yr'] },
  { file: 'attribution.csv', about: 'change in sequestration per zone and epoch pair split by primary-class conversion; sums to change.csv',
    columns: ['zone_id', 'zone_name', 'from_year', 'to_year', 'from_primary', 'to_primary', 'conversion', 'area_ha', 'sequestration_change_t_yr'] },
  { file: 'primary_classes.csv', about: 'per year and primary class (cultivated, forest...): area, sequestration and share of the year\'s total (the study\'s fig. 3 and 6)',
    columns: ['year', 'primary_class', 'area_ha', 'sequestration_t_yr', 'share_of_total'] },
  { file: 'classes_ranked.csv', about: 'per year, the classes ranked by sequestration, largest first (fig. 4)',
    columns: ['year', 'rank', 'class_code', 'class_name', 'primary_class', 'area_ha', 'sequestration_t_yr', 'share_of_total'] },
  { file: 'region_trend.csv', about: 'regional total per year, its change from the previous epoch and that change per year (fig. 5)',
    columns: ['year', 'sequestration_t_yr', 'change_from_previous_t_yr', 'mean_annual_change_t_yr'] },
  { file: 'zones_mean.csv', about: 'per zone, the mean over the epochs of its yearly sequestration; years lists the epochs (fig. 7)',
    columns: ['zone_id', 'zone_name', 'mean_sequestration_t_yr', 'years'] },
  { file: 'zones_change_ranked.csv', about: 'per zone, the mean annual change first-to-last epoch, ranked from the largest decline to the largest gain (fig. 8)',
    columns: ['rank', 'zone_id', 'zone_name', 'from_year', 'to_year', 'mean_annual_change_t_yr', 'change_t_yr', 'change_pct'] },
  { file: 'summary.json', about: 'all tables plus inputs (size, SHA-256), CRS, cell-area model, coverage rule, coefficients, units, timings' },
  { file: 'resume.json', about: 'what `run --resume` reuses: each epoch\'s and epoch pair\'s raw tallies (whole cells, fractional coverage and hectares apart), the input files\' SHA-256, fingerprints of the zones and settings, and the size, time and SHA-256 of each GeoTIFF written; compact JSON with a checksum' },
  { file: 'report.html', about: 'the report for planners, one self-contained page (opens offline): a map per epoch and a change map, the study\'s figures, the largest land-use conversions, every table behind them, inputs with SHA-256, coefficients, rules, units and warnings; rebuild with `lucc-carbon report DIR`' },
  { file: 'sequestration_<year>.tif', about: 'Float32 t/ha/yr per cell (the coefficient of its class) inside the zones, -9999 elsewhere; Cloud-Optimized GeoTIFF in the input CRS (512x512 tiles, DEFLATE without predictor, internal overviews averaging valid cells)' },
  { file: 'change_<from>_<to>.tif', about: 'Float32 t/ha/yr, the to-epoch\'s value minus the from-epoch\'s, -9999 where either has no data; first-to-last epoch (all consecutive pairs too with --change-rasters all); COG like sequestration_<year>.tif' },
  { file: 'zones.geojson', about: 'the zones in lon/lat WGS84 (RFC 7946) with area_ha_<year>, sequestration_t_yr_<year>, share_<year> and change_t_yr_<from>_<to>, change_pct_<from>_<to> (first to last epoch) from the tables, for choropleth maps' },
];

export const UNITS = {
  area_ha: 'hectare',
  nodata_ha: 'hectare',
  coefficient_t_ha_yr: 'tonne of carbon per hectare per year',
  sequestration_t_yr: 'tonne of carbon per year',
  change_t_yr: 'tonne of carbon per year',
  sequestration_change_t_yr: 'tonne of carbon per year',
  mean_annual_change_t_yr: 'tonne of carbon per year, per year',
  sequestration_from_t_yr: 'tonne of carbon per year',
  sequestration_to_t_yr: 'tonne of carbon per year',
  change_from_previous_t_yr: 'tonne of carbon per year',
  mean_sequestration_t_yr: 'tonne of carbon per year',
  change_pct: 'percent of the earlier epoch\'s value',
  share_of_total: 'fraction of the year\'s total (0..1)',
  cells: 'count of raster cells (coverage-weighted)',
  raster_t_ha_yr: 'tonne of carbon per hectare per year',
} as const;

/** Files of `lucc-carbon compare A/summary.json B/summary.json`: run B minus run A. */
export const COMPARE_OUTPUTS: readonly OutputSpec[] = [
  { file: 'compare_zones.csv', about: 'per year and zone (zone_id ALL = all zones): area and sequestration of run A, run B, B - A and B vs A in percent',
    columns: ['year', 'zone_id', 'zone_name', 'area_ha_a', 'area_ha_b', 'area_ha_b_minus_a', 'area_pct',
      'sequestration_t_yr_a', 'sequestration_t_yr_b', 'sequestration_t_yr_b_minus_a', 'sequestration_pct'] },
  { file: 'compare_classes.csv', about: 'per year, zone (ALL = all zones) and class: the same comparison',
    columns: ['year', 'zone_id', 'zone_name', 'class_code', 'class_name', 'area_ha_a', 'area_ha_b', 'area_ha_b_minus_a', 'area_pct',
      'sequestration_t_yr_a', 'sequestration_t_yr_b', 'sequestration_t_yr_b_minus_a', 'sequestration_pct'] },
];
