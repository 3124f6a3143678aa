import { UserError } from '../pipeline/errors.js';

/**
 * Rasters given as http(s) URLs (Cloud-Optimized GeoTIFFs on a web server or object store):
 * sizes from HEAD, bytes from Range requests. Local paths never come here.
 */
export function isUrl(path: string): boolean {
  return /^https?:\/\//i.test(path);
}

/** Size of the resource in bytes (HEAD's Content-Length), and a version tag for run ids. */
export async function remoteStat(url: string): Promise<{ sizeBytes: number; version: string }> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'HEAD' });
  } catch (err) {
    throw new UserError(`${url}: cannot be reached (${(err as Error)?.cause ?? (err as Error)?.message ?? String(err)}). Check the URL and that the server is up.`);
  }
  if (res.status === 404) throw new UserError(`${url}: land-use raster not found (HTTP 404). Check the URL.`);
  if (!res.ok) throw new UserError(`${url}: the server answered HTTP ${res.status} ${res.statusText} to HEAD. Check the URL and your access to it.`);
  const length = Number(res.headers.get('content-length'));
  if (!Number.isFinite(length) || length < 0 || res.headers.get('content-length') === null) {
    throw new UserError(`${url}: the server gives no Content-Length, so the file's blocks cannot be read by range. Serve it from a server that answers HEAD with the size (any static file server or object store does).`);
  }
  return { sizeBytes: length, version: res.headers.get('etag') ?? res.headers.get('last-modified') ?? '' };
}

/**
 * `length` bytes at `offset`, by one Range request. A server that ignores Range (200 with the
 * whole file) is refused rather than downloaded in full for every block.
 */
export async function fetchRange(url: string, offset: number, length: number): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { Range: `bytes=${offset}-${offset + length - 1}` } });
  } catch (err) {
    throw new Error(`${url}: the range request for bytes ${offset}-${offset + length - 1} failed (${String((err as Error)?.cause ?? (err as Error)?.message ?? err)})`);
  }
  if (res.status !== 206) {
    await res.body?.cancel();
    throw new Error(`${url}: a range request for bytes ${offset}-${offset + length - 1} got HTTP ${res.status}${res.status === 200 ? ' (the server ignores Range)' : ''}`);
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  if (bytes.length !== length) throw new Error(`short read of ${length} bytes at byte ${offset} (got ${bytes.length})`);
  return bytes;
}
