import { open } from 'node:fs/promises';
import { UserError, messages } from '../pipeline/errors.js';
import { fetchRange, isUrl } from './remote.js';

/** Bytes per value of each TIFF field type (BYTE ... IFD8). */
const TYPE_BYTES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };

/** Value counts of the first IFD's tags, by tag id. */
export type TagCounts = Map<number, number>;

/**
 * Bounds checks geotiff.js leaves out: it reads past the end of a file as zeros and allocates
 * whatever a tag's count asks for. Checks the header, that the first IFD lies inside the file,
 * and that every tag's values do; returns the value count of each tag.
 */
export async function checkTiffStructure(path: string, sizeBytes: number): Promise<TagCounts> {
  const fh = isUrl(path) ? null : await open(path, 'r');
  try {
    const read = async (at: number, length: number): Promise<Buffer> => {
      if (!fh) return readRemote(path, at, length);
      const b = Buffer.alloc(length);
      await fh.read(b, 0, length, at);
      return b;
    };
    const head = await read(0, Math.min(16, sizeBytes));
    const bom = head.length >= 2 ? head.toString('latin1', 0, 2) : '';
    if (bom !== 'II' && bom !== 'MM') throw new UserError(messages.notTiff(path, 'no TIFF signature at the start of the file'));
    const le = bom === 'II';
    if (head.length < 4) throw new UserError(messages.truncatedTiff(path, `the file ends inside the 8-byte TIFF header (${sizeBytes} bytes)`));
    const magic = le ? head.readUInt16LE(2) : head.readUInt16BE(2);
    if (magic !== 42 && magic !== 43) throw new UserError(messages.notTiff(path, `TIFF version ${magic}, expected 42 (TIFF) or 43 (BigTIFF)`));
    const big = magic === 43;
    if (head.length < (big ? 16 : 8)) throw new UserError(messages.truncatedTiff(path, `the file ends inside the ${big ? 16 : 8}-byte TIFF header (${sizeBytes} bytes)`));
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const u64 = (b: Buffer, o: number) => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
    const ifd = big ? u64(head, 8) : u32(head, 4);
    const countBytes = big ? 8 : 2;
    if (ifd < (big ? 16 : 8) || ifd + countBytes > sizeBytes) {
      throw new UserError(messages.truncatedTiff(path, `its first image directory is said to start at byte ${ifd}, outside the ${sizeBytes}-byte file`));
    }
    const countBuf = await read(ifd, countBytes);
    const entries = big ? u64(countBuf, 0) : u16(countBuf, 0);
    const entrySize = big ? 20 : 12;
    const end = ifd + countBytes + entries * entrySize + (big ? 8 : 4);
    if (entries === 0 || end > sizeBytes) {
      throw new UserError(messages.truncatedTiff(path, entries === 0 ? 'its first image directory has no entries' : `its first image directory (${entries} entries from byte ${ifd}) runs past the end of the ${sizeBytes}-byte file`));
    }
    const table = await read(ifd + countBytes, entries * entrySize);
    const counts: TagCounts = new Map();
    const inline = big ? 8 : 4;
    for (let k = 0; k < entries; k++) {
      const e = k * entrySize;
      const tag = u16(table, e);
      const type = u16(table, e + 2);
      const count = big ? u64(table, e + 4) : u32(table, e + 4);
      counts.set(tag, count);
      const bytes = (TYPE_BYTES[type] ?? 1) * count;
      if (bytes <= inline) continue;
      const at = big ? u64(table, e + 12) : u32(table, e + 8);
      if (at + bytes > sizeBytes) {
        throw new UserError(messages.truncatedTiff(path, `the ${count} value(s) of TIFF tag ${tag} are said to lie at bytes ${at} to ${at + bytes}, past the end of the ${sizeBytes}-byte file`));
      }
    }
    return counts;
  } finally {
    await fh?.close();
  }
}

/** A header range of a remote file; a failed request is the input's problem, named as such. */
async function readRemote(url: string, at: number, length: number): Promise<Buffer> {
  if (length === 0) return Buffer.alloc(0);
  try {
    return await fetchRange(url, at, length);
  } catch (err) {
    throw new UserError(`${url}: cannot read the TIFF header by range request (${(err as Error)?.message ?? String(err)}). Serve the file from a server that supports HTTP Range requests (any static file server or object store does).`);
  }
}
