import { UserError } from '../pipeline/errors.js';

/**
 * What the coordinator (pipeline/queue-executor.ts) and the queue workers (workers/queue-worker.ts)
 * agree on: Redis key and BullMQ queue names per run, and the job settings. Every name carries
 * the run id, so two runs on one Redis never share a queue or a key.
 *
 *   lucc:runs                   set of active run ids (workers attach to each)
 *   lucc:run:<id>:setup         the run's WorkerSetup (workers/wire.ts binary), written once
 *   lucc:run:<id>:meta          hash: tasks, created, coordinator
 *   lucc:run:<id>:results       hash: task id -> CountResult (wire binary), written before the job completes
 *   lucc:run:<id>:workers       hash: worker name -> last completion (ms since epoch)
 *   BullMQ (prefix "lucc"):     queue run-<id>-run holds the flow's parent job "run";
 *                               queue run-<id>-tasks its children "t<task id>"
 */
export const PREFIX = 'lucc';
export const RUNS_KEY = `${PREFIX}:runs`;

export function runKeys(runId: string) {
  const base = `${PREFIX}:run:${runId}`;
  return { setup: `${base}:setup`, meta: `${base}:meta`, results: `${base}:results`, workers: `${base}:workers` };
}

export const runQueueName = (runId: string): string => `run-${runId}-run`;
export const taskQueueName = (runId: string): string => `run-${runId}-tasks`;
export const taskJobId = (taskId: number): string => `t${taskId}`;
export const PARENT_JOB_ID = 'run';

const envMs = (name: string, fallback: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};

/**
 * A job whose worker stops renewing its lock (killed, frozen, cut off) is moved back to the
 * queue by the other workers' stalled check after at most LOCK + STALLED_INTERVAL. Locks are
 * renewed by the worker process's main thread, which never counts (piscina threads do), so a
 * long task does not lose its lock. LUCC_QUEUE_LOCK_MS tunes both (tests shorten them).
 */
export const LOCK_MS = envMs('LUCC_QUEUE_LOCK_MS', 10_000);
export const STALLED_INTERVAL_MS = Math.max(1000, Math.round(LOCK_MS / 2));
/** Stalls a job survives before it counts as failed (a worker killed twice on the same task). */
export const MAX_STALLED = 2;
/** Attempts of a task that throws (a corrupt block fails every time; a flaky disk may not). */
export const ATTEMPTS = 3;
export const RETRY_DELAY_MS = 1000;

/** Job payload: the run and the task (wire binary, base64 in BullMQ's JSON job data). */
export interface TaskJobData {
  run: string;
  task: string;
}

/** ioredis options for a redis:// URL (host, port, db, user, password); rediss:// adds TLS. */
export function redisOptions(url: string) {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`--queue ${url}: is not a Redis URL. Give redis://HOST:PORT (e.g. --queue redis://127.0.0.1:6379).`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new UserError(`--queue ${url}: is not a Redis URL (scheme ${u.protocol}). Give redis://HOST:PORT (e.g. --queue redis://127.0.0.1:6379).`);
  }
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new UserError(`--queue ${url}: database "${u.pathname.slice(1)}" is not a number. Give redis://HOST:PORT/DB or leave the database out.`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // Commands wait through a reconnect (Redis restarted) instead of failing; the coordinator's
    // watchdog bounds how long.
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
  };
}

/** Run ids become key and queue names: letters, digits, - and _. */
export function checkRunId(runId: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(runId)) throw new UserError(`--run-id ${runId}: use 1 to 64 letters, digits, - or _ (it names Redis keys and queues).`);
  return runId;
}
