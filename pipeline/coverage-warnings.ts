import { zoneArea } from '../boundaries/zone-geometry.js';
import type { Zone } from '../boundaries/read-zones.js';
import type { Tallies } from './merge.js';
import type { Plan } from './plan.js';
import type { Tables } from './tables.js';

/** Share of a zone's area that may differ (between epochs, or from its polygon) unremarked. */
const TOLERANCE = 0.01;

/**
 * What the tables alone would hide: zones only partly covered by the rasters, zones whose
 * area with data changes between epochs (a change in sequestration that is really a change in
 * coverage), zones that overlap (region totals count the overlap more than once) and codes
 * counted at 0 by --unmapped zero. Each comes back as one warning naming the worst cases.
 */
export function coverageWarnings(plan: Plan, tallies: Tallies, zones: Zone[], tables: Tables, unmappedAsZero: boolean): string[] {
  const warnings: string[] = [];
  const list = (items: string[]) => items.slice(0, 5).join('; ') + (items.length > 5 ? `; and ${items.length - 5} more` : '');

  // Zones partly outside the rasters: polygon area (cells) against the cells counted for them.
  const group = plan.groups[0]!;
  const firstEpoch = tallies.byEpoch[0] ?? [];
  const partial: string[] = [];
  zones.forEach((zone, z) => {
    if (group.zonesOutside.includes(z)) return;
    const polygonCells = zoneArea(group.geometry, z);
    const t = firstEpoch[z];
    if (!t || polygonCells === 0) return;
    let counted = t.nodata.cells + t.outsideCells;
    for (const c of t.classes.values()) counted += c.cells;
    const missing = 1 - counted / polygonCells;
    if (missing > TOLERANCE) partial.push(`${zone.id} (${zone.name}) ${(100 * missing).toFixed(1)} % outside`);
  });
  if (partial.length > 0) {
    warnings.push(`${partial.length} zone(s) extend beyond the raster extent, so their area_ha and nodata_ha cover only part of them: ${list(partial)}. Use rasters that cover the whole region, or read these zones' figures as partial.`);
  }

  // Area with data that changes between epochs.
  const byZoneYear = new Map(tables.zones.map((r) => [`${r.zone_id}\u0000${r.year}`, r.area_ha]));
  const shifted: string[] = [];
  for (const [a, b] of plan.pairs.slice(0, Math.max(1, plan.epochs.length - 1))) {
    const from = plan.epochs[a]!.year;
    const to = plan.epochs[b]!.year;
    for (const zone of zones) {
      const x = byZoneYear.get(`${zone.id}\u0000${from}`) ?? 0;
      const y = byZoneYear.get(`${zone.id}\u0000${to}`) ?? 0;
      if (Math.abs(y - x) > TOLERANCE * Math.max(x, y)) shifted.push(`${zone.id} (${zone.name}) ${x.toFixed(0)} ha in ${from}, ${y.toFixed(0)} ha in ${to}`);
    }
  }
  if (shifted.length > 0) {
    warnings.push(`The area with data differs between epochs by more than 1 % in ${shifted.length} case(s): ${list(shifted)}. Part of those changes in sequestration is land moving in or out of nodata (rows "nodata" in transitions.csv and attribution.csv), not land-use change; check the rasters' extents and nodata.`);
  }

  if (tallies.overlapCells > 0) {
    const ha = group.cellArea.constantHa === null ? null : tallies.overlapCells * group.cellArea.constantHa;
    warnings.push(`Zones overlap over at least ${tallies.overlapCells.toFixed(1)} cells${ha === null ? '' : ` (${ha.toFixed(1)} ha)`}: each zone counts its overlap in full, so the all-zone totals (zone_id ALL, classes.csv, shares) count it more than once. Remove overlapping features (e.g. a whole-city outline mixed with its counties) for a regional total.`);
  }

  if (unmappedAsZero && tables.unmapped.length > 0) {
    const codes = tables.unmapped.map((u) => `${u.code} (${Math.round(u.cells)} cells)`);
    warnings.push(`--unmapped zero: ${tables.unmapped.length} class code(s) without a coefficient were counted at 0 t/ha/yr: ${list(codes)}. Check that the coefficient table is the one for this classification.`);
  }
  return warnings;
}
