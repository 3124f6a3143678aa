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
 * A piscina pool of `threads` worker threads sharing one WorkerSetup. LUCC_WORKER_HEAP_MB caps
 * each thread's heap (V8's old generation): a thread that runs out dies and the run fails with
 * the raster and window it was counting, instead of the whole machine swapping.
 */
export class PoolExecutor implements TaskExecutor {
  private readonly pool: Piscina;

  constructor(setup: WorkerSetup, threads: number) {
    const heapMb = Number(process.env.LUCC_WORKER_HEAP_MB);
    this.pool = new Piscina({
      filename: workerFile(),
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
      workerData: setup,
      ...(heapMb > 0 ? { resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: Math.max(1, heapMb / 4) } } : {}),
    });
  }

  run(task: CountTask): Promise<CountResult> {
    return this.pool.run(task) as Promise<CountResult>;
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

/** The compiled worker entry (tests import the TypeScript sources, workers always run from dist/). */
function workerFile(): string {
  return resolve(projectRoot(), 'dist/workers/count-task.js');
}
