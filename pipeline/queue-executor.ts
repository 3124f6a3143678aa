import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { FlowProducer, Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { isUrl, remoteStat } from '../rasters/remote.js';
import type { TaskExecutor } from '../workers/executor.js';
import {
  ATTEMPTS, PARENT_JOB_ID, PREFIX, RETRY_DELAY_MS, RUNS_KEY, checkRunId, redisOptions, runKeys, runQueueName, taskJobId, taskQueueName,
  type TaskJobData,
} from '../workers/queue-protocol.js';
import type { CountResult, CountTask, WorkerSetup } from '../workers/task-types.js';
import { encode, decode } from '../workers/wire.js';
import { RemoteTaskFailure, UserError } from './errors.js';
import type { Reporter } from './report-progress.js';

/** Results the coordinator waits for at once; the workers run ahead, their results wait in Redis. */
export const QUEUE_IN_FLIGHT = 64;
const POLL_MS = 100;
/** Job states are checked for failures this often (results are checked every poll). */
const STATE_CHECK_MS = 1000;
/** Longest the coordinator waits on an unreachable Redis before it gives up. */
const REDIS_TIMEOUT_MS = Number(process.env.LUCC_QUEUE_TIMEOUT_MS) > 0 ? Number(process.env.LUCC_QUEUE_TIMEOUT_MS) : 60_000;


export interface QueueRunOptions {
  url: string;
  /** Given by --run-id; else derived from the inputs and settings (so --resume finds the run). */
  runId?: string;
  resume: boolean;
  setup: WorkerSetup;
  tasks: CountTask[];
  /** Raster paths or URLs, whose size and modification time (or ETag) enter the derived run id. */
  rasters: string[];
  reporter: Reporter;
}

type Waiter = { task: CountTask; resolve: (r: CountResult) => void; reject: (e: unknown) => void };

/**
 * The coordinator's side of a distributed run. The run's WorkerSetup is stored once in Redis,
 * every task is enqueued at once as one BullMQ flow (a parent job for the run, a child per
 * task), and run(task) resolves when the task's result appears in the run's results hash, where
 * workers put it before completing the job. A task is taken once, whatever retries happened.
 * One loop polls for the results awaited (at most QUEUE_IN_FLIGHT), checks the run's state is
 * still in Redis (a restart without persistence loses it) and shows the workers seen.
 */
export class QueueExecutor implements TaskExecutor {
  private readonly waiters = new Map<number, Waiter>();
  private readonly taken = new Set<number>();
  private failure: unknown = null;
  private closed = false;
  private loop: Promise<void> | null = null;
  private lastStateCheck = 0;
  private readonly cpuStart = process.cpuUsage();
  /** Coordinator CPU from opening the run to the last result taken (enqueue, polls, decoding, merging). */
  private countingCpu: NodeJS.CpuUsage | null = null;
  /** Bytes of task payloads enqueued and of results fetched (for docs/scaling.md). */
  readonly traffic = { setupBytes: 0, taskBytes: 0, resultBytes: 0 };

  private constructor(
    readonly runId: string, private readonly url: string, private readonly redis: Redis,
    private readonly taskQueue: Queue, private readonly runQueue: Queue, private readonly flow: FlowProducer,
    private readonly total: number, private readonly reporter: Reporter,
  ) {}

  static async open(o: QueueRunOptions): Promise<QueueExecutor> {
    const connection = redisOptions(o.url);
    const runId = o.runId !== undefined ? checkRunId(o.runId) : await deriveRunId(o);
    const redis = new Redis(connection);
    redis.on('error', () => undefined); // reconnects on its own; the poll loop's watchdog reports
    const parts: { close(): Promise<void> }[] = [];
    try {
      await timeout(redis.ping(), 10_000, () => new UserError(`--queue ${o.url}: Redis does not answer (10 s). Start redis-server there (and \`lucc-carbon worker --queue ${o.url}\` on each machine), or give the right host and port.`));
      const keys = runKeys(runId);
      const taskQueue = new Queue(taskQueueName(runId), { connection, prefix: PREFIX });
      const runQueue = new Queue(runQueueName(runId), { connection, prefix: PREFIX });
      const flow = new FlowProducer({ connection, prefix: PREFIX });
      parts.push(taskQueue, runQueue, flow);
      // Without a listener BullMQ prints these connections' errors with their stacks; what matters (a
      // lost Redis, a failed command) reaches the coordinator through the poll loop and its watchdog.
      for (const q of [taskQueue, runQueue]) q.on('error', () => undefined);
      flow.on('error', () => undefined);
      const ex = new QueueExecutor(runId, o.url, redis, taskQueue, runQueue, flow, o.tasks.length, o.reporter);
      const existing = await redis.hget(keys.meta, 'tasks');
      if (existing !== null && !o.resume) {
        throw new UserError(`Redis at ${o.url} already holds run ${runId} with the same inputs and settings (started by ${await redis.hget(keys.meta, 'coordinator') ?? 'another coordinator'}). Add --resume to pick up its finished tasks, or --run-id NAME to start a separate run.`);
      }
      if (existing !== null && Number(existing) !== o.tasks.length) {
        throw new UserError(`--run-id ${runId}: the run in Redis has ${existing} tasks, this one ${o.tasks.length}: its inputs or settings differ. Give another --run-id.`);
      }
      if (existing === null) {
        const setupBytes = encode(o.setup, { compress: true });
        ex.traffic.setupBytes = setupBytes.length;
        await redis.multi()
          .set(keys.setup, setupBytes)
          .hset(keys.meta, 'tasks', o.tasks.length, 'created', new Date().toISOString(), 'coordinator', `${hostname()}:${process.pid}`)
          .sadd(RUNS_KEY, runId)
          .exec();
      } else {
        await redis.sadd(RUNS_KEY, runId);
        o.reporter.info(`resuming run ${runId}: ${await redis.hlen(keys.results)} of ${o.tasks.length} tasks already counted`);
      }
      if (!(await runQueue.getJob(PARENT_JOB_ID))) {
        const children = o.tasks.map((t) => {
          const data: TaskJobData = { run: runId, task: encode(t).toString('base64') };
          ex.traffic.taskBytes += data.task.length;
          return {
            name: 'count', queueName: taskQueueName(runId), data,
            opts: { jobId: taskJobId(t.id), attempts: ATTEMPTS, backoff: { type: 'fixed', delay: RETRY_DELAY_MS }, removeOnComplete: false, removeOnFail: false },
          };
        });
        await flow.add({ name: 'run', queueName: runQueueName(runId), opts: { jobId: PARENT_JOB_ID }, children });
      } else {
        // Tasks that used up their attempts in the earlier coordinator's run get new ones.
        for (const job of await taskQueue.getJobs(['failed'])) await job.retry('failed');
      }
      o.reporter.info(`run ${runId}: ${o.tasks.length} tasks queued on ${o.url}`);
      return ex;
    } catch (err) {
      for (const p of parts) await timeout(p.close(), 2000, () => null).catch(() => undefined);
      redis.disconnect();
      throw err;
    }
  }

  run(task: CountTask): Promise<CountResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<CountResult>((resolve, reject) => {
      this.waiters.set(task.id, { task, resolve, reject });
      this.loop ??= this.pollLoop();
    });
  }

  /** Stop polling; once every task's result was taken, remove the run from Redis. */
  async close(): Promise<void> {
    this.closed = true;
    await this.loop;
    if (!this.failure && this.taken.size === this.total) {
      const cpu = this.countingCpu ?? process.cpuUsage(this.cpuStart);
      this.reporter.info(`run ${this.runId}: coordinator CPU ${((cpu.user + cpu.system) / 1000 / Math.max(1, this.total)).toFixed(2)} ms per task; ${Math.round(this.traffic.taskBytes / Math.max(1, this.total))} B of task and ${Math.round(this.traffic.resultBytes / Math.max(1, this.total))} B of result per task; setup ${this.traffic.setupBytes} B (fetched once per worker process)`);
      await timeout(this.cleanup(), 30_000, () => null).catch(() => undefined);
    } else {
      // Stopped (a failed task, Ctrl-C): workers leave the run; its state stays for --resume.
      await timeout(this.redis.srem(RUNS_KEY, this.runId), 2000, () => null).catch(() => undefined);
    }
    for (const p of [this.taskQueue, this.runQueue, this.flow]) await timeout(p.close(), 2000, () => null).catch(() => undefined);
    this.redis.disconnect();
  }

  private async cleanup(): Promise<void> {
    const keys = runKeys(this.runId);
    await this.redis.srem(RUNS_KEY, this.runId);
    await this.taskQueue.obliterate({ force: true });
    await this.runQueue.obliterate({ force: true });
    await this.redis.del(keys.setup, keys.meta, keys.results, keys.workers);
  }

  private fail(err: unknown): void {
    this.failure ??= err;
    for (const w of this.waiters.values()) w.reject(this.failure);
    this.waiters.clear();
  }

  private async pollLoop(): Promise<void> {
    while (!this.closed && !this.failure) {
      if (this.waiters.size > 0) {
        try {
          await timeout(this.poll(), REDIS_TIMEOUT_MS, () => new UserError(`Lost contact with Redis at ${this.url} for ${REDIS_TIMEOUT_MS / 1000} s during run ${this.runId}. Check that redis-server is up and reachable, then run again with --resume (finished tasks are kept if Redis persists its data).`));
        } catch (err) {
          this.fail(err);
          return;
        }
      }
      await new Promise((ok) => setTimeout(ok, POLL_MS));
    }
  }

  private async poll(): Promise<void> {
    const keys = runKeys(this.runId);
    const ids = [...this.waiters.keys()];
    const [present, workers, values] = await Promise.all([
      this.redis.exists(keys.setup, keys.meta),
      this.redis.hlen(keys.workers),
      this.redis.hmgetBuffer(keys.results, ...ids.map(String)),
    ]);
    if (present < 2) throw lostState(this.url, this.runId);
    this.reporter.note(`${workers} worker${workers === 1 ? '' : 's'} seen`);
    ids.forEach((id, i) => {
      const bytes = values[i];
      const w = this.waiters.get(id);
      if (!bytes || !w || this.taken.has(id)) return;
      this.waiters.delete(id);
      this.taken.add(id);
      this.traffic.resultBytes += bytes.length;
      w.resolve(decode<CountResult>(bytes));
    });
    // The merge of the last result runs after this poll; one poll later the count is complete.
    if (this.taken.size === this.total && this.waiters.size === 0) this.countingCpu ??= process.cpuUsage(this.cpuStart);
    const now = performance.now();
    if (now - this.lastStateCheck < STATE_CHECK_MS || this.waiters.size === 0) return;
    this.lastStateCheck = now;
    if (!(await this.runQueue.getJob(PARENT_JOB_ID))) throw lostState(this.url, this.runId);
    for (const [id, w] of this.waiters) {
      const state = await this.taskQueue.getJobState(taskJobId(id));
      if (state === 'unknown') throw lostState(this.url, this.runId);
      if (state !== 'failed') continue;
      // Completed jobs wrote their result before completing; a failed one ran out of attempts.
      const job = await Job.fromId(this.taskQueue, taskJobId(id));
      this.waiters.delete(id);
      w.reject(new RemoteTaskFailure(job?.failedReason ?? 'no reason recorded', job?.attemptsMade ?? ATTEMPTS));
    }
  }
}

function lostState(url: string, runId: string): UserError {
  return new UserError(`Redis at ${url} lost the state of run ${runId} (its setup, task list or queue is gone): Redis was restarted without persistence, or its data was flushed. Turn on persistence (\`appendonly yes\` in redis.conf) so a restart keeps queued and finished tasks, and run again.`);
}

/**
 * The run id when --run-id is not given: a hash of what determines every task's result (the
 * setup, the tasks with their windows and files) and of each raster's identity (size and
 * modification time, or ETag), so the same run started again (--resume) finds its tasks.
 */
async function deriveRunId(o: QueueRunOptions): Promise<string> {
  const h = createHash('sha256');
  h.update(encode(o.setup));
  h.update(encode(o.tasks));
  for (const path of [...new Set(o.rasters)].sort()) {
    const version = isUrl(path) ? await remoteStat(path).then((s) => `${s.sizeBytes}:${s.version}`) : await stat(path).then((s) => `${s.size}:${s.mtimeMs}`);
    h.update(`\0${path}\0${version}`);
  }
  return h.digest('hex').slice(0, 16);
}

function timeout<T>(p: Promise<T>, ms: number, onTimeout: () => unknown): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<never>((_, fail) => { t = setTimeout(() => fail(onTimeout()), ms); }),
  ]);
}
