// Run one command as a child process and measure it: wall time (parent's clock, so Node start-up is
// included, as a user sees it), CPU time (user + sys, all threads) and peak RSS.
// CPU and RSS come from the kernel's rusage of the child: through GNU time (/usr/bin/time) when it is
// installed, otherwise through rusage-child.js, which runs the CLI in-process and writes
// process.resourceUsage() when it exits. Both read the same getrusage counters.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface Measured { wallS: number; cpuS: number; peakRssMb: number; stdout: string; stderr: string }

const GNU_TIME = '/usr/bin/time';
const RUSAGE_CHILD = fileURLToPath(new URL('./rusage-child.js', import.meta.url));

export const measurementMethod = existsSync(GNU_TIME)
  ? `${GNU_TIME} -f '%e %U %S %M' (getrusage of the child: user + sys CPU over all threads, max RSS)`
  : 'process.resourceUsage() written at exit by bench/rusage-child.ts (getrusage of the child: user + sys CPU over all threads, max RSS)';

/**
 * Run `command args` and measure it. `nodeScript` marks a Node entry point (command = script path):
 * without GNU time it then runs under rusage-child.js; other commands need GNU time for CPU and RSS.
 */
export async function measure(command: string, args: string[], usageFile: string, nodeScript: boolean): Promise<Measured> {
  await rm(usageFile, { force: true });
  let argv: string[];
  if (existsSync(GNU_TIME)) argv = [GNU_TIME, '-f', '%e %U %S %M', '-o', usageFile, ...(nodeScript ? [process.execPath] : []), command, ...args];
  else if (nodeScript) argv = [process.execPath, RUSAGE_CHILD, usageFile, command, ...args];
  else argv = [command, ...args];
  const t0 = performance.now();
  const { code, stdout, stderr } = await run(argv);
  const wallS = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`${[command, ...args].join(' ')}\nexited with ${code}:\n${stderr.trim()}`);
  const usage = await readFile(usageFile, 'utf8').catch(() => null);
  await rm(usageFile, { force: true });
  if (usage === null) return { wallS, cpuS: NaN, peakRssMb: NaN, stdout, stderr };
  if (existsSync(GNU_TIME)) {
    // GNU time may put "Command exited with non-zero status" first; the numbers are on the last line
    const [, user, sys, maxRssKb] = usage.trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number, number, number];
    return { wallS, cpuS: user + sys, peakRssMb: maxRssKb / 1024, stdout, stderr };
  }
  const u = JSON.parse(usage) as { userS: number; sysS: number; maxRssKb: number };
  return { wallS, cpuS: u.userS + u.sysS, peakRssMb: u.maxRssKb / 1024, stdout, stderr };
}

function run(argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
