// TIFF directory (IFD) serialisation, classic TIFF or BigTIFF, little-endian. An IFD's size does
// not depend on where it goes, so the COG writer sizes every IFD first, places them all after the
// header, then places the tile data after them.

// TIFF field types
export const ASCII = 2, SHORT = 3, LONG = 4, DOUBLE = 12, LONG8 = 16;
const TYPE_BYTES: Record<number, number> = { [ASCII]: 1, [SHORT]: 2, [LONG]: 4, [DOUBLE]: 8, [LONG8]: 8 };

export type TagValues = ArrayLike<number> | string;
export type Tag = [tag: number, type: number, values: TagValues];

export interface TiffFormat {
  big: boolean;
  headerBytes: number;
  entryBytes: number;
  /** Bytes of the count field of the entry count, and of the next-IFD offset. */
  countBytes: number;
  offsetBytes: number;
  /** Type for tile offsets. */
  offsetType: number;
}

export const CLASSIC: TiffFormat = { big: false, headerBytes: 8, entryBytes: 12, countBytes: 2, offsetBytes: 4, offsetType: LONG };
export const BIG: TiffFormat = { big: true, headerBytes: 16, entryBytes: 20, countBytes: 8, offsetBytes: 8, offsetType: LONG8 };

function count(values: TagValues): number {
  return typeof values === 'string' ? values.length + 1 : values.length;
}

function valueBytes(type: number, values: TagValues): number {
  return TYPE_BYTES[type]! * count(values);
}

/** Bytes of one IFD: entries, next-IFD offset and the values that do not fit in an entry (word-aligned). */
export function ifdSize(tags: Tag[], f: TiffFormat): number {
  let n = f.countBytes + tags.length * f.entryBytes + f.offsetBytes;
  for (const [, type, values] of tags) {
    const b = valueBytes(type, values);
    if (b > f.offsetBytes) n += b + (b & 1);
  }
  return n;
}

/** The file header pointing at the first IFD. */
export function header(f: TiffFormat, firstIfd: number): Buffer {
  const buf = Buffer.alloc(f.headerBytes);
  buf.write('II', 0, 'latin1');
  if (f.big) {
    buf.writeUInt16LE(43, 2);
    buf.writeUInt16LE(8, 4); // bytesize of offsets
    buf.writeBigUInt64LE(BigInt(firstIfd), 8);
  } else {
    buf.writeUInt16LE(42, 2);
    buf.writeUInt32LE(firstIfd, 4);
  }
  return buf;
}

/** One IFD placed at `offset` (tags sorted by number, as TIFF requires). */
export function serializeIfd(tags: Tag[], offset: number, nextIfd: number, f: TiffFormat): Buffer {
  const sorted = [...tags].sort((a, b) => a[0] - b[0]);
  const entriesEnd = f.countBytes + sorted.length * f.entryBytes + f.offsetBytes;
  const buf = Buffer.alloc(ifdSize(sorted, f));
  if (f.big) buf.writeBigUInt64LE(BigInt(sorted.length), 0);
  else buf.writeUInt16LE(sorted.length, 0);
  let dataPos = entriesEnd;
  sorted.forEach(([tag, type, values], k) => {
    const entry = f.countBytes + k * f.entryBytes;
    const n = valueBytes(type, values);
    buf.writeUInt16LE(tag, entry);
    buf.writeUInt16LE(type, entry + 2);
    if (f.big) buf.writeBigUInt64LE(BigInt(count(values)), entry + 4);
    else buf.writeUInt32LE(count(values), entry + 4);
    const valueField = entry + (f.big ? 12 : 8);
    let at = valueField; // values fit in the entry, else go to the data area after the entries
    if (n > f.offsetBytes) {
      if (f.big) buf.writeBigUInt64LE(BigInt(offset + dataPos), valueField);
      else buf.writeUInt32LE(offset + dataPos, valueField);
      at = dataPos;
      dataPos += n + (n & 1);
    }
    writeValues(buf, at, type, values);
  });
  if (f.big) buf.writeBigUInt64LE(BigInt(nextIfd), entriesEnd - 8);
  else buf.writeUInt32LE(nextIfd, entriesEnd - 4);
  return buf;
}

function writeValues(buf: Buffer, at: number, type: number, values: TagValues): void {
  if (typeof values === 'string') {
    buf.write(values, at, 'latin1'); // the trailing NUL is already zero
    return;
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (type === SHORT) buf.writeUInt16LE(v, at + 2 * i);
    else if (type === LONG) buf.writeUInt32LE(v, at + 4 * i);
    else if (type === LONG8) buf.writeBigUInt64LE(BigInt(v), at + 8 * i);
    else buf.writeDoubleLE(v, at + 8 * i);
  }
}
