import { hostname } from 'node:os';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { UserError } from '../pipeline/errors.js';
import { PoolExecutor } from './executor.js';
import {
  LOCK_MS, MAX_STALLED, PREFIX, RUNS_KEY, STALLED_INTERVAL_MS, redisOptions, runKeys, taskQueueName, type TaskJobData,
} from './queue-protocol.js';
import type { CountTask, WorkerSetup } from './task-types.js';
import { decode, encode } from './wire.js';

export interface QueueWorkerOptions {
  url: string;
  /** Tasks counted at once per run: BullMQ concurrency and piscina threads. */
  concurrency: number;
  signal: AbortSignal;
  log: (line: string) => void;
}

/** One run this process serves: a BullMQ worker on its task queue and a thread pool on its setup. */
interface Attached {
  worker: Worker<TaskJobData>;
  pool: Promise<PoolExecutor> | null;
}

const DISCOVERY_MS = 500;

/**
 * `lucc-carbon worker --queue redis://...`: serve every active run's task queue until the
 * signal. Each job's task goes through the same piscina pool and createCounter as a local run;
 * its result is stored under the run's results hash (keyed by task id, so a task retried after
 * a stall overwrites an identical value) before the job completes.
 */
export async function serveQueue(opts: QueueWorkerOptions): Promise<void> {
  const connection = redisOptions(opts.url);
  const redis = new Redis(connection);
  let lastError = '';
  redis.on('error', (err: Error) => {
    if (err.message !== lastError) opts.log(`redis: ${err.message} (reconnecting)`);
    lastError = err.message;
  });
  const name = `${hostname()}:${process.pid}`;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, fail) => setTimeout(() => fail(new UserError(`--queue ${opts.url}: Redis does not answer (10 s). Start redis-server there, or give the right host and port.`)), 10_000).unref()),
    ]);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  opts.log(`worker ${name}: serving ${opts.url} with ${opts.concurrency} thread(s)`);
  const runs = new Map<string, Attached>();

  const poolFor = (runId: string, a: Attached): Promise<PoolExecutor> => {
    a.pool ??= (async () => {
      const bytes = await redis.getBuffer(runKeys(runId).setup);
      if (!bytes) throw new Error(`run ${runId}: its setup is gone from Redis (the run finished, or Redis lost its data)`);
      return new PoolExecutor(opts.concurrency, decode<WorkerSetup>(bytes, { shared: true }));
    })();
    a.pool.catch(() => { a.pool = null; });
    return a.pool;
  };

  const attach = (runId: string): void => {
    const keys = runKeys(runId);
    const a: Attached = { worker: undefined!, pool: null };
    a.worker = new Worker<TaskJobData>(taskQueueName(runId), async (job: Job<TaskJobData>) => {
      const pool = await poolFor(runId, a);
      const task = decode<CountTask>(Buffer.from(job.data.task, 'base64'));
      const bytes = encode(await pool.run(task), { compress: true });
      await redis.multi().hset(keys.results, String(task.id), bytes).hset(keys.workers, name, Date.now()).exec();
      return { bytes: bytes.length };
    }, {
      connection, prefix: PREFIX, concurrency: opts.concurrency, name,
      lockDuration: LOCK_MS, stalledInterval: STALLED_INTERVAL_MS, maxStalledCount: MAX_STALLED,
    });
    a.worker.on('failed', (job, err) => opts.log(`run ${runId}: task ${job?.id ?? '?'} failed (attempt ${job?.attemptsMade ?? '?'}): ${err.message}`));
    a.worker.on('error', (err) => {
      if (err.message !== lastError) opts.log(`run ${runId}: ${err.message}`);
      lastError = err.message;
    });
    runs.set(runId, a);
    opts.log(`worker ${name}: attached to run ${runId}`);
  };

  const detach = async (runId: string): Promise<void> => {
    const a = runs.get(runId);
    if (!a) return;
    runs.delete(runId);
    await a.worker.close();
    await (await a.pool?.catch(() => null))?.close();
    opts.log(`worker ${name}: left run ${runId}`);
  };

  while (!opts.signal.aborted) {
    try {
      const active = new Set(await redis.smembers(RUNS_KEY));
      for (const id of active) if (!runs.has(id)) attach(id);
      for (const id of [...runs.keys()]) if (!active.has(id)) await detach(id);
    } catch (err) {
      opts.log(`discovery: ${(err as Error).message}`);
    }
    await new Promise<void>((ok) => {
      const wake = (): void => { clearTimeout(t); ok(); };
      const t = setTimeout(() => { opts.signal.removeEventListener('abort', wake); ok(); }, DISCOVERY_MS);
      opts.signal.addEventListener('abort', wake, { once: true });
    });
  }
  for (const id of [...runs.keys()]) await detach(id);
  redis.disconnect();
}
