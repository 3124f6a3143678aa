import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UserError, messages } from '../pipeline/errors.js';

/** Staging folders of this process, for removeStagingSync on a forced exit. */
const live = new Set<string>();
/** --out folders this process is moving files into (past the point of no return). */
const committing = new Set<string>();

/**
 * Remove this process's staging folders now (a second Ctrl-C exits without waiting for the run
 * to unwind). Returns the --out folders whose commit had started and is now cut short.
 */
export function removeStagingSync(): string[] {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
  live.clear();
  return [...committing];
}

/**
 * All outputs of a run are written into a staging folder beside --out and moved into --out
 * only when the run has succeeded, file by file with rename (atomic on one file system).
 * An interrupted or failed run leaves --out as it was.
 */
export class Staging {
  private constructor(readonly out: string, readonly dir: string) {}

  static async create(out: string): Promise<Staging> {
    try {
      const s = await stat(out);
      if (!s.isDirectory()) throw new UserError(`--out ${out}: is a file, not a folder. Give a folder for the results (it is created if missing).`);
    } catch (err) {
      if (err instanceof UserError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a parent of --out is a regular file, which stops even root.
      if (code && code !== 'ENOENT') throw new UserError(messages.outNotCreatable(out, code));
      if (!code) throw err;
    }
    // The host is in the name: another machine's (or container's) process ids are not ours to judge.
    const prefix = `.${basename(out)}.lucc-tmp-${hostname().replace(/[^\w.-]/g, '_')}-`;
    const dir = join(dirname(out), `${prefix}${process.pid}`);
    try {
      await removeAbandoned(dirname(out), prefix);
      await rm(dir, { recursive: true, force: true });
      await makeFolder(dir);
      live.add(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UserError(`--out ${out}: cannot write beside it (${code ?? String(err)}). Choose a folder you can write to, or fix its permissions.`);
    }
    return new Staging(out, dir);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /**
   * Move the staged files into --out. Files of an earlier run that match `previousOutputs` but
   * that this run did not write (a year no longer asked for) are removed, so --out holds one
   * run's results; any other file there is left alone.
   */
  async commit(previousOutputs?: RegExp): Promise<string[]> {
    await makeFolder(this.out);
    const names = (await readdir(this.dir)).sort();
    live.delete(this.dir);
    committing.add(this.out);
    // Anything in the way that a rename cannot replace is found before the first file moves.
    for (const name of names) {
      const there = await stat(join(this.out, name)).catch(() => null);
      if (there?.isDirectory()) throw new UserError(`--out ${this.out}: holds a folder named ${name}, where this run writes a file. Move or rename that folder, then run again (nothing was changed).`);
    }
    for (const name of names) await rename(join(this.dir, name), join(this.out, name));
    if (previousOutputs) {
      const written = new Set(names);
      for (const name of await readdir(this.out)) {
        if (!written.has(name) && previousOutputs.test(name)) await rm(join(this.out, name), { force: true });
      }
    }
    await rm(this.dir, { recursive: true, force: true });
    committing.delete(this.out);
    return names;
  }

  async abort(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    live.delete(this.dir);
  }
}

/**
 * Staging folders beside --out left by runs on this host whose process no longer exists (killed
 * with SIGKILL, power loss). Best effort: a folder that cannot be removed is left.
 */
async function removeAbandoned(parent: string, prefix: string): Promise<void> {
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    const id = name.startsWith(prefix) ? name.slice(prefix.length) : '';
    if (!/^[1-9]\d*$/.test(id)) continue;
    const pid = Number(id);
    if (pid === process.pid || alive(pid)) continue;
    await rm(join(parent, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * mkdir -p without Node's recursive mode, which retries forever where mkdir answers ENOENT
 * under a parent that exists (e.g. anywhere in /proc).
 */
async function makeFolder(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path || (await stat(parent).then(() => true, () => false))) throw err;
    await makeFolder(parent);
    await mkdir(path);
  }
}
