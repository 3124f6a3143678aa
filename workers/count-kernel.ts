/**
 * The per-cell loops: one pass over runs of cells, `counts[base + slot] += weight`. Plain
 * typed arrays and locals only; nothing is allocated inside (flatbush's search loop habit).
 * Spans are [row, colStart, colEnd) triples in window coordinates.
 */
export function countSpans(slots: Uint16Array, stride: number, spans: Int32Array, nSpans: number, counts: Float64Array, base: number): void {
  for (let s = 0; s < nSpans; s++) {
    const rowOffset = spans[3 * s]! * stride;
    const end = rowOffset + spans[3 * s + 2]!;
    for (let i = rowOffset + spans[3 * s + 1]!; i < end; i++) counts[base + slots[i]!]!++;
  }
}

/** As countSpans, also adding each cell's area (hectares, one value per window row). */
export function countSpansWithArea(
  slots: Uint16Array, stride: number, spans: Int32Array, nSpans: number,
  counts: Float64Array, areasHa: Float64Array, base: number, rowHa: Float64Array,
): void {
  for (let s = 0; s < nSpans; s++) {
    const row = spans[3 * s]!;
    const ha = rowHa[row]!;
    const rowOffset = row * stride;
    const end = rowOffset + spans[3 * s + 2]!;
    for (let i = rowOffset + spans[3 * s + 1]!; i < end; i++) {
      const k = base + slots[i]!;
      counts[k]!++;
      areasHa[k]! += ha;
    }
  }
}

/** Mark the cells of the spans in a window mask (1 = inside some zone). */
export function markSpans(mask: Uint8Array, stride: number, spans: Int32Array, nSpans: number): void {
  for (let s = 0; s < nSpans; s++) {
    const rowOffset = spans[3 * s]! * stride;
    mask.fill(1, rowOffset + spans[3 * s + 1]!, rowOffset + spans[3 * s + 2]!);
  }
}
