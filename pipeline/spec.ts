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

export const RUN_FLAGS: readonly FlagSpec[] = [
  { name: 'raster', kind: 'year-path', valueName: 'YEAR=PATH', repeatable: true, required: true,
    about: 'land-use GeoTIFF of one epoch; repeat for each year, and repeat a year to mosaic several files of it' },
  { name: 'zones', kind: 'string', valueName: 'PATH', required: true,
    about: 'zone polygons (counties): ESRI shapefile (.shp + .dbf + .prj) or GeoJSON (lon/lat unless it says otherwise)' },
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
  { name: 'extent', kind: 'string', default: 'zones', options: ['zones', 'raster'],
    about: 'extent of the output GeoTIFFs: the zones\' bounding box or the whole input grid' },
  { name: 'workers', kind: 'number', valueName: 'N', about: 'worker threads (default: one per core)' },
  { name: 'out', kind: 'string', valueName: 'DIR', default: 'out', about: 'output folder (created if needed; files are replaced atomically)' },
  { name: 'rasters', kind: 'boolean', default: true, about: 'write sequestration_<year>.tif (--no-rasters: tables only)' },
  { name: 'quiet', kind: 'boolean', default: false, about: 'print only errors and the final totals' },
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
  { file: 'summary.json', about: 'all tables plus inputs (size, SHA-256), CRS, cell-area model, coverage rule, coefficients, units, timings' },
  { file: 'sequestration_<year>.tif', about: 'Float32 t/ha/yr per cell (the coefficient of its class) inside the zones, nodata elsewhere; tiled DEFLATE GeoTIFF in the input CRS' },
];

export const UNITS = {
  area_ha: 'hectare',
  nodata_ha: 'hectare',
  coefficient_t_ha_yr: 'tonne of carbon per hectare per year',
  sequestration_t_yr: 'tonne of carbon per year',
  change_t_yr: 'tonne of carbon per year',
  sequestration_change_t_yr: 'tonne of carbon per year',
  mean_annual_change_t_yr: 'tonne of carbon per year, per year',
  cells: 'count of raster cells (coverage-weighted)',
  raster_t_ha_yr: 'tonne of carbon per hectare per year',
} as const;
