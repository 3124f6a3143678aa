import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, createReadStream, mkdirSync, openSync, readFileSync, readdirSync, statSync, writeSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createConnection, createServer as createTcpServer } from 'node:net';
import { basename, join } from 'node:path';
import { Redis } from 'ioredis';
import { fromFile } from 'geotiff';
import { generateDemo, type DemoPaths } from '../data/demo.js';
import { CLI, ROOT, tmpDir } from './helpers.js';

// Distributed runs with real components on this machine: redis-server on 127.0.0.1 (a free port,
// a temp dir), `lucc-carbon worker` processes, a coordinator `lucc-carbon run --queue`, and one
// epoch served over HTTP with Range support. Every wait polls Redis or a process, bounded in time.

const CI = process.env.CI === 'true';
const HAVE_REDIS = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
if (!HAVE_REDIS && CI) throw new Error('redis-server missing in CI: .ci/run installs it (apt-get install redis-server)');

// Small tasks (64 x 64 cells without output rasters: 200+ tasks on the 900 x 900 demo), short
// locks so a killed worker's task is retried within seconds, and a bounded Redis watchdog.
const ENV = { LUCC_TASK_CELLS: '4096', LUCC_QUEUE_LOCK_MS: '3000', LUCC_QUEUE_TIMEOUT_MS: '30000' };
const YEARS = [2000, 2005, 2010, 2015, 2020];

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

async function waitFor(what: string, ms: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const until = Date.now() + ms;
  for (let i = 0; i < 100_000; i++) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createTcpServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    }).on('error', fail);
  });
}

/** One RESP command on a fresh socket; resolves with the first reply line (or '' if the server closes). */
function redisCommand(port: number, ...args: string[]): Promise<string> {
  return new Promise((ok) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    let data = '';
    const done = (v: string) => { sock.destroy(); ok(v); };
    sock.setTimeout(2000, () => done(''));
    sock.on('error', () => done(''));
    sock.on('data', (d) => { data += d.toString(); if (data.includes('\r\n')) done(data.split('\r\n')[0]!); });
    sock.on('close', () => done(data));
    sock.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}

/** redis-server on 127.0.0.1 only, data in `dir`; AOF on or off; no RDB snapshots. */
class RedisServer {
  proc: ChildProcess | null = null;
  constructor(readonly port: number, readonly dir: string) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(aof: boolean): Promise<void> {
    this.proc = spawn('redis-server', [
      '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', aof ? 'yes' : 'no',
      '--appendfsync', 'always', '--dir', this.dir, '--daemonize', 'no', '--protected-mode', 'yes', '--loglevel', 'warning',
    ], { stdio: 'ignore' });
    await waitFor(`redis-server on port ${this.port}`, 15_000, async () => (await redisCommand(this.port, 'PING')) === '+PONG');
  }

  /** SHUTDOWN (the AOF is flushed when on), then wait for the process to end. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((ok) => p.once('exit', ok));
    await redisCommand(this.port, 'SHUTDOWN');
    await Promise.race([exited, sleep(10_000)]);
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    this.proc = null;
  }
}

/** A CLI process (coordinator or worker), its output collected. */
interface Proc {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

const procs: Proc[] = [];

function cli(args: string[]): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout!.on('data', (d) => { out += d.toString(); });
  child.stderr!.on('data', (d) => { err += d.toString(); });
  const p: Proc = { child, out: () => out, err: () => err, exit: new Promise((ok) => child.on('exit', (code) => ok(code))) };
  procs.push(p);
  return p;
}

async function exitWithin(p: Proc, ms: number): Promise<number | null> {
  const code = await Promise.race([p.exit, sleep(ms).then(() => 'timeout' as const)]);
  if (code === 'timeout') {
    p.child.kill('SIGKILL');
    throw new Error(`process did not finish within ${ms} ms\nstdout:\n${p.out()}\nstderr:\n${p.err()}`);
  }
  return code;
}

/** Static files with HEAD and single-range GET support, on 127.0.0.1; counts range requests. */
async function serveFiles(dir: string): Promise<{ base: string; ranges: () => number; close: () => Promise<void> }> {
  let ranges = 0;
  const server: Server = createHttpServer((req, res) => {
    const path = join(dir, basename(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    let size: number;
    try { size = statSync(path).size; } catch { res.writeHead(404).end(); return; }
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (req.method === 'HEAD') { res.writeHead(200, { 'content-length': size, 'accept-ranges': 'bytes' }).end(); return; }
    if (!m) { res.writeHead(200, { 'content-length': size }); createReadStream(path).pipe(res); return; }
    const start = Number(m[1]), end = Math.min(Number(m[2]), size - 1);
    ranges++;
    res.writeHead(206, { 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${size}` });
    createReadStream(path, { start, end }).pipe(res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return {
    base: `http://127.0.0.1:${port}`,
    ranges: () => ranges,
    close: () => new Promise((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

function csvs(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).filter((f) => f.endsWith('.csv') || f.endsWith('.tif')).sort().map((f) => [f, readFileSync(join(dir, f))]));
}

function expectSameOutputs(reference: string, actual: string): void {
  const a = csvs(reference), b = csvs(actual);
  expect([...b.keys()]).toEqual([...a.keys()]);
  expect([...a.keys()].filter((f) => f.endsWith('.csv')).length).toBeGreaterThan(5);
  for (const [f, bytes] of a) expect(b.get(f)!.equals(bytes), `${f} differs from the local run`).toBe(true);
}

describe.skipIf(!HAVE_REDIS)('distributed runs on BullMQ/Redis', () => {
  const tmp = tmpDir('distributed');
  let demo: DemoPaths;
  let http: Awaited<ReturnType<typeof serveFiles>>;
  let redisServer: RedisServer | null = null;
  let redis: Redis | null = null;
  const rasterArgs = (years: number[], urlYear: number | null) => years.flatMap((y) => ['--raster', `${y}=${y === urlYear ? `${http.base}/landuse_${y}.tif` : demo.rasters.find((r) => r.year === y)!.path}`]);
  const runArgs = (out: string, years = YEARS, urlYear: number | null = 2010, extra: string[] = ['--no-rasters']) => [
    'run', ...rasterArgs(years, urlYear), '--zones', demo.zonesPath, '--no-report', '--out', join(tmp.dir, out), ...extra,
  ];

  async function startRedis(aof: boolean): Promise<RedisServer> {
    redisServer = new RedisServer(await freePort(), join(tmp.dir, `redis-${Date.now()}`));
    mkdirSync(redisServer.dir, { recursive: true });
    await redisServer.start(aof);
    redis = new Redis({ host: '127.0.0.1', port: redisServer.port, maxRetriesPerRequest: null, retryStrategy: () => 100 });
    redis.on('error', () => undefined);
    return redisServer;
  }

  const workers = (n: number, url: string) => Array.from({ length: n }, () => cli(['worker', '--queue', url, '--concurrency', '1']));

  /** The id of the run the coordinator registered, once it has `min` results in Redis. */
  async function runWithResults(min: number, ms = 60_000, exclude: string[] = []): Promise<string> {
    let runId = '';
    await waitFor(`a run with ${min} finished tasks`, ms, async () => {
      for (const id of await redis!.smembers('lucc:runs')) {
        if (exclude.includes(id)) continue;
        if ((await redis!.hlen(`lucc:run:${id}:results`)) >= min) { runId = id; return true; }
      }
      return false;
    });
    return runId;
  }

  beforeAll(async () => {
    demo = await generateDemo(join(tmp.dir, 'demo'), { size: 900 });
    http = await serveFiles(join(tmp.dir, 'demo'));
    // Local references: all epochs from local files, counted by worker threads.
    const refs = [cli(runArgs('local', YEARS, null)), cli(runArgs('local-center', YEARS, null, ['--coverage', 'center', '--workers', '1']))];
    for (const r of refs) expect(await exitWithin(r, 120_000), r.err()).toBe(0);
  }, 180_000);

  afterEach(async () => {
    for (const p of procs.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    redis?.disconnect();
    redis = null;
    await redisServer?.stop();
    redisServer = null;
  });

  afterAll(async () => {
    await http?.close();
    tmp.cleanup();
  });

  it('three workers, one killed with SIGKILL mid-task, one epoch over HTTP: tables identical to the local run', async () => {
    const server = await startRedis(false);
    const ws = workers(3, server.url);
    const rangesBefore = http.ranges();
    const coordinator = cli([...runArgs('killed'), '--queue', server.url]);
    const runId = await runWithResults(10);
    // A worker holding an active job (BullMQ records the worker's name, host:pid, as "pb" on the job).
    let victim: Proc | undefined;
    let victimJob = '';
    await waitFor('a worker with an active task', 30_000, async () => {
      for (const jobId of await redis!.lrange(`lucc:run-${runId}-tasks:active`, 0, -1)) {
        const by = await redis!.hget(`lucc:run-${runId}-tasks:${jobId}`, 'pb');
        victim = ws.find((w) => by?.endsWith(`:${w.child.pid}`));
        if (victim) { victimJob = jobId; return true; }
      }
      return false;
    });
    victim!.child.kill('SIGKILL');
    const total = Number(await redis!.hget(`lucc:run:${runId}:meta`, 'tasks'));
    expect(total).toBeGreaterThan(100);
    // The killed worker's task is retried by another (stalled-job detection) and finishes.
    await waitFor(`task ${victimJob} retried after the kill`, 60_000, async () => (await redis!.hexists(`lucc:run:${runId}:results`, victimJob.slice(1))) === 1);
    expect(await exitWithin(coordinator, 120_000), coordinator.err()).toBe(0);
    expect(coordinator.err()).toContain(`${total} tasks queued`);
    expect(http.ranges() - rangesBefore).toBeGreaterThan(0);
    expectSameOutputs(join(tmp.dir, 'local'), join(tmp.dir, 'killed'));
    // The finished run leaves nothing behind in Redis.
    await waitFor('the run removed from Redis', 10_000, async () => (await redis!.keys(`lucc:run:${runId}:*`)).length === 0);
    const summary = JSON.parse(readFileSync(join(tmp.dir, 'killed', 'summary.json'), 'utf8'));
    const remote = summary.inputs.rasters.find((r: { year: number }) => r.year === 2010);
    expect(remote.sha256).toBeNull();
    expect(remote.sha256_note).toMatch(/not downloaded/);
  }, 240_000);

  it('Redis restarted with AOF on mid-run: the run resumes and finishes with the same tables', async () => {
    const server = await startRedis(true);
    workers(3, server.url);
    const coordinator = cli([...runArgs('aof'), '--queue', server.url]);
    const runId = await runWithResults(10);
    await server.stop();
    await server.start(true);
    // The restarted Redis still has the run (the AOF), and the workers carry on.
    expect(await redis!.exists(`lucc:run:${runId}:setup`)).toBe(1);
    expect(await exitWithin(coordinator, 180_000), coordinator.err()).toBe(0);
    expectSameOutputs(join(tmp.dir, 'local'), join(tmp.dir, 'aof'));
  }, 300_000);

  it('Redis restarted without persistence mid-run: the coordinator stops with a clear message', async () => {
    const server = await startRedis(false);
    workers(2, server.url);
    const coordinator = cli([...runArgs('lost'), '--queue', server.url]);
    await runWithResults(10);
    await server.stop();
    await server.start(false);
    expect(await exitWithin(coordinator, 90_000)).toBe(2);
    expect(coordinator.err()).toMatch(/lost the state of run \w+/);
    expect(coordinator.err()).toMatch(/appendonly yes/);
    expect(coordinator.err()).not.toMatch(/\n\s+at /); // no stack trace
    // Nothing written: no --out folder, no staging folder left beside it.
    expect(readdirSync(tmp.dir).filter((f) => f.includes('lost'))).toEqual([]);
  }, 240_000);

  it('two runs on one Redis at once do not mix: each equals its own local run', async () => {
    const server = await startRedis(false);
    workers(2, server.url);
    const a = cli([...runArgs('mix-a'), '--queue', server.url]);
    // Run b: centre rule, with output rasters (their tiles travel through Redis too).
    const b = cli([...runArgs('mix-b', YEARS, 2010, ['--coverage', 'center']), '--queue', server.url]);
    let both = false;
    await waitFor('both runs registered', 60_000, async () => (both = (await redis!.scard('lucc:runs')) === 2) || a.child.exitCode !== null || b.child.exitCode !== null);
    expect(await exitWithin(a, 180_000), a.err()).toBe(0);
    expect(await exitWithin(b, 180_000), b.err()).toBe(0);
    expect(both).toBe(true);
    const idOf = (p: Proc) => /run (\w+): \d+ tasks queued/.exec(p.err())?.[1];
    expect(idOf(a)).toBeTruthy();
    expect(idOf(a)).not.toBe(idOf(b));
    expectSameOutputs(join(tmp.dir, 'local'), join(tmp.dir, 'mix-a'));
    expectSameOutputs(join(tmp.dir, 'local-center'), join(tmp.dir, 'mix-b'));
  }, 300_000);

  it('the coordinator killed and started again with --resume picks up the finished tasks', async () => {
    const server = await startRedis(false);
    workers(2, server.url);
    const first = cli([...runArgs('resumed'), '--queue', server.url]);
    const runId = await runWithResults(20);
    first.child.kill('SIGKILL');
    await first.exit;
    // Without --resume the same run is refused; with it, it continues.
    const again = cli([...runArgs('resumed'), '--queue', server.url]);
    expect(await exitWithin(again, 60_000)).toBe(2);
    expect(again.err()).toContain('--resume');
    const resumed = cli([...runArgs('resumed'), '--queue', server.url, '--resume']);
    expect(await exitWithin(resumed, 180_000), resumed.err()).toBe(0);
    const picked = Number(new RegExp(`resuming run ${runId}: (\\d+) of`).exec(resumed.err())?.[1]);
    expect(picked).toBeGreaterThanOrEqual(20);
    expectSameOutputs(join(tmp.dir, 'local'), join(tmp.dir, 'resumed'));
  }, 300_000);

  it('a task failing on every attempt (a corrupt block) stops the run naming the raster and the block', async () => {
    const server = await startRedis(false);
    workers(2, server.url);
    // A copy of one epoch with the middle tile's compressed bytes overwritten.
    const bad = join(tmp.dir, 'corrupt_2015.tif');
    copyFileSync(demo.rasters.find((r) => r.year === 2015)!.path, bad);
    const image = await (await fromFile(bad)).getImage(0);
    const fd = image.getFileDirectory();
    const offsets = (await fd.loadValue('TileOffsets')) as ArrayLike<number>;
    const tilesAcross = Math.ceil(image.getWidth() / image.getTileWidth());
    const middle = Math.floor(Math.ceil(image.getHeight() / image.getTileHeight()) / 2) * tilesAcross + Math.floor(tilesAcross / 2);
    const h = openSync(bad, 'r+');
    writeSync(h, Buffer.alloc(64, 0xff), 0, 64, Number(offsets[middle]));
    closeSync(h);
    const years = YEARS.filter((y) => y !== 2015);
    const coordinator = cli(['run', ...rasterArgs(years, null), '--raster', `2015=${bad}`, '--zones', demo.zonesPath, '--no-rasters', '--no-report',
      '--out', join(tmp.dir, 'corrupt'), '--queue', server.url]);
    expect(await exitWithin(coordinator, 120_000)).toBe(2);
    expect(coordinator.err()).toContain(bad);
    expect(coordinator.err()).toMatch(/block \d+,\d+/);
    expect(coordinator.err()).not.toMatch(/\n\s+at /);
  }, 240_000);
});
