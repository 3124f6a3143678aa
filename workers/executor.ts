import { resolve } from 'node:path';
import { Piscina } from 'piscina';
import { projectRoot } from '../pipeline/paths.js';
import type { CountResult, CountTask, WorkerSetup } from './task-types.js';

/**
 * Where tasks are counted: worker threads of this process (PoolExecutor) or worker processes
 * anywhere, through a queue (pipeline/queue-executor.ts). Either way each task goes through
 * createCounter (workers/count-task.ts); the caller merges results in task order.
 */
export interface TaskExecutor {
  run(task: CountTask): Promise<CountResult>;
  close(): Promise<void>;
}

/**
 * A piscina pool of `threads` worker threads. The pool can start before the run's setup exists
 * (workers load their modules while the main thread reads inputs and plans); useSetup() then
 * hands every task the setup, whose arrays live in SharedArrayBuffers, so the per-task copy is
 * a few object headers. LUCC_WORKER_HEAP_MB caps each thread's heap (V8's old generation): a
 * thread that runs out dies and the run fails with the raster and window it was counting,
 * instead of the whole machine swapping.
 */
export class PoolExecutor implements TaskExecutor {
  private readonly pool: Piscina;
  private message: { setupId: number; setup: WorkerSetup } | null = null;

  constructor(threads: number, setup?: WorkerSetup) {
    const heapMb = Number(process.env.LUCC_WORKER_HEAP_MB);
    this.pool = new Piscina({
      filename: workerFile(),
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
      // geotiff.js loads the `web-worker` package, which reads workerData.mod in any worker
      // thread: an object must be there even though the setup comes with each task.
      workerData: {},
      ...(heapMb > 0 ? { resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: Math.max(1, heapMb / 4) } } : {}),
    });
    // A thread that dies while idle (out of memory while loading, say) is reported here, not
    // through a task: keep the error and fail the next task with it rather than crash or hang.
    this.pool.on('error', (err: unknown) => { this.failure ??= err; });
    if (setup) this.useSetup(setup);
  }

  private failure: unknown = null;

  useSetup(setup: WorkerSetup): void {
    this.message = { setupId: ++setupIds, setup: shared(setup) };
  }

  run(task: CountTask): Promise<CountResult> {
    if (!this.message) throw new Error('PoolExecutor.run before useSetup');
    if (this.failure) return Promise.reject(this.failure);
    return this.pool.run({ ...this.message, task }) as Promise<CountResult>;
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

/** What a pool's worker thread receives with each task. */
export interface PoolMessage {
  setupId: number;
  setup: WorkerSetup;
  task: CountTask;
}

let setupIds = 0;

/** The setup with every array in shared memory (geometries already are). */
function shared(setup: WorkerSetup): WorkerSetup {
  const toShared = <T extends Float32Array | Float64Array>(a: T): T => {
    if (a.buffer instanceof SharedArrayBuffer) return a;
    const copy = new (a.constructor as new (b: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength));
    copy.set(a as never);
    return copy;
  };
  return {
    ...setup,
    coefficientByCode: toShared(setup.coefficientByCode),
    areaLattices: setup.areaLattices.map((l) => (l ? { ...l, ha: toShared(l.ha) } : null)),
  };
}

/** The compiled worker entry (tests import the TypeScript sources, workers always run from dist/). */
function workerFile(): string {
  return resolve(projectRoot(), 'dist/workers/count-task.js');
}
