import type { Zone } from '../boundaries/read-zones.js';
import type { CoefficientTable } from './coefficients.js';
import { NO_DATA, type Tallies } from './merge.js';
import type { Plan } from './plan.js';

export interface TransitionRow {
  zone_id: string; zone_name: string; from_year: number; to_year: number;
  from_code: number | null; from_name: string; to_code: number | null; to_name: string;
  area_ha: number; sequestration_change_t_yr: number;
}

export interface AttributionRow {
  zone_id: string; zone_name: string; from_year: number; to_year: number;
  from_primary: string; to_primary: string; conversion: string;
  area_ha: number; sequestration_change_t_yr: number;
}

/**
 * From-class x to-class areas per zone and epoch pair (cells with no data in either epoch are
 * a class "nodata" with coefficient 0, so each zone's rows sum to its whole area and the
 * changes they carry sum to the zone's change in change.csv), and the same grouped by
 * primary-class conversion: the attribution of each change.
 */
export function buildTransitions(plan: Plan, tallies: Tallies, zones: Zone[], table: CoefficientTable, unmappedAsZero: boolean) {
  const transitions: TransitionRow[] = [];
  const attribution: AttributionRow[] = [];
  const coef = (code: number) => (code === NO_DATA ? 0 : table.classes.get(code)?.coefficientTPerHaYr ?? (unmappedAsZero ? 0 : Number.NaN));
  const name = (code: number) => (code === NO_DATA ? 'nodata' : table.classes.get(code)?.name ?? `unmapped code ${code}`);
  const primary = (code: number) => (code === NO_DATA ? 'nodata' : table.classes.get(code)?.primary ?? 'unmapped');
  plan.pairs.forEach(([a, b], p) => {
    const from = plan.epochs[a]!;
    const to = plan.epochs[b]!;
    const constantHa = plan.groups[from.group]!.cellArea.constantHa;
    const region = new Map<number, TransitionRow>();
    const zoneList = [...zones.map((z, i) => ({ id: z.id, name: z.name, index: i })), { id: 'ALL', name: 'all zones', index: -1 }];
    for (const zone of zoneList) {
      const rows = zone.index >= 0 ? zoneRows(zone.index) : [...region.values()];
      rows.sort((x, y) => (x.from_code ?? -1) - (y.from_code ?? -1) || (x.to_code ?? -1) - (y.to_code ?? -1));
      transitions.push(...rows);
      const byConversion = new Map<string, AttributionRow>();
      for (const r of rows) {
        const fp = r.from_code === null ? 'nodata' : primary(r.from_code);
        const tp = r.to_code === null ? 'nodata' : primary(r.to_code);
        const key = `${fp} -> ${tp}`;
        const row = byConversion.get(key) ?? { zone_id: zone.id, zone_name: zone.name, from_year: from.year, to_year: to.year, from_primary: fp, to_primary: tp, conversion: key, area_ha: 0, sequestration_change_t_yr: 0 };
        row.area_ha += r.area_ha;
        row.sequestration_change_t_yr += r.sequestration_change_t_yr;
        byConversion.set(key, row);
      }
      attribution.push(...[...byConversion.values()].sort((x, y) => x.conversion.localeCompare(y.conversion)));
    }

    function zoneRows(z: number): TransitionRow[] {
      const zone = zones[z]!;
      const rows: TransitionRow[] = [];
      for (const t of tallies.byPair[p]![z]!.values()) {
        const areaHa = constantHa === null ? t.areaHa : t.cells * constantHa;
        const row: TransitionRow = {
          zone_id: zone.id, zone_name: zone.name, from_year: from.year, to_year: to.year,
          from_code: t.from === NO_DATA ? null : t.from, from_name: name(t.from),
          to_code: t.to === NO_DATA ? null : t.to, to_name: name(t.to),
          area_ha: areaHa, sequestration_change_t_yr: areaHa * (coef(t.to) - coef(t.from)),
        };
        rows.push(row);
        const key = (t.from + 1) * 65537 + (t.to + 1);
        const r = region.get(key) ?? { ...row, zone_id: 'ALL', zone_name: 'all zones', area_ha: 0, sequestration_change_t_yr: 0 };
        r.area_ha += row.area_ha;
        r.sequestration_change_t_yr += row.sequestration_change_t_yr;
        region.set(key, r);
      }
      return rows;
    }
  });
  return { transitions, attribution };
}
