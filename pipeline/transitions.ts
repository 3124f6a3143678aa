import type { Zone } from '../boundaries/read-zones.js';
import type { CoefficientTable } from './coefficients.js';
import { NO_DATA, tallyHa, transitionKey, type Tallies } from './merge.js';
import type { Plan } from './plan.js';
import { addNet, changeRange, hasIntervals, type Ranges } from './intervals.js';

export type TransitionRow = {
  zone_id: string; zone_name: string; from_year: number; to_year: number;
  from_code: number | null; from_name: string; to_code: number | null; to_name: string;
  area_ha: number; sequestration_change_t_yr: number;
} & Ranges<'sequestration_change_t_yr'>;

export type AttributionRow = {
  zone_id: string; zone_name: string; from_year: number; to_year: number;
  from_primary: string; to_primary: string; conversion: string;
  area_ha: number; sequestration_change_t_yr: number;
} & Ranges<'sequestration_change_t_yr'>;

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
  const intervals = hasIntervals(table);
  /**
   * A transition's range is area x (low_to - high_from) .. area x (high_to - low_from), and 0 when
   * from == to; a conversion's range comes from its net area per class (intervals.ts changeRange),
   * so one class's coefficient is the same in all of its rows.
   */
  const addRange = (row: TransitionRow | AttributionRow, net: Map<number, number>) => {
    if (!intervals) return;
    const [low, high] = changeRange(net, table);
    row.sequestration_change_t_yr_low = low;
    row.sequestration_change_t_yr_high = high;
  };
  const transitionNet = (r: TransitionRow, net = new Map<number, number>()) => {
    if (r.from_code !== r.to_code) {
      addNet(net, r.from_code ?? NO_DATA, -r.area_ha);
      addNet(net, r.to_code ?? NO_DATA, r.area_ha);
    }
    return net;
  };
  plan.pairs.forEach(([a, b], p) => {
    const from = plan.epochs[a]!;
    const to = plan.epochs[b]!;
    const constantHa = plan.groups[from.group]!.cellArea.constantHa;
    const region = new Map<number, TransitionRow>();
    const zoneList = [...zones.map((z, i) => ({ id: z.id, name: z.name, index: i })), { id: 'ALL', name: 'all zones', index: -1 }];
    for (const zone of zoneList) {
      const rows = zone.index >= 0 ? zoneRows(zone.index) : [...region.values()];
      rows.sort((x, y) => (x.from_code ?? -1) - (y.from_code ?? -1) || (x.to_code ?? -1) - (y.to_code ?? -1));
      for (const r of rows) addRange(r, transitionNet(r));
      transitions.push(...rows);
      const byConversion = new Map<string, AttributionRow>();
      const netByConversion = new Map<string, Map<number, number>>();
      for (const r of rows) {
        const fp = r.from_code === null ? 'nodata' : primary(r.from_code);
        const tp = r.to_code === null ? 'nodata' : primary(r.to_code);
        const key = `${fp} -> ${tp}`;
        const row = byConversion.get(key) ?? { zone_id: zone.id, zone_name: zone.name, from_year: from.year, to_year: to.year, from_primary: fp, to_primary: tp, conversion: key, area_ha: 0, sequestration_change_t_yr: 0 };
        row.area_ha += r.area_ha;
        row.sequestration_change_t_yr += r.sequestration_change_t_yr;
        byConversion.set(key, row);
        if (intervals) netByConversion.set(key, transitionNet(r, netByConversion.get(key)));
      }
      for (const [key, row] of byConversion) addRange(row, netByConversion.get(key) ?? new Map());
      attribution.push(...[...byConversion.values()].sort((x, y) => x.conversion.localeCompare(y.conversion)));
    }

    function zoneRows(z: number): TransitionRow[] {
      const zone = zones[z]!;
      const rows: TransitionRow[] = [];
      for (const t of tallies.byPair[p]![z]!.values()) {
        const areaHa = tallyHa(t, constantHa);
        const row: TransitionRow = {
          zone_id: zone.id, zone_name: zone.name, from_year: from.year, to_year: to.year,
          from_code: t.from === NO_DATA ? null : t.from, from_name: name(t.from),
          to_code: t.to === NO_DATA ? null : t.to, to_name: name(t.to),
          area_ha: areaHa, sequestration_change_t_yr: areaHa * (coef(t.to) - coef(t.from)),
        };
        rows.push(row);
        const key = transitionKey(t.from, t.to);
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
