// Fallback for hosts without GNU time: run a Node entry point in this process and, when it exits,
// write this process's rusage (all threads, including finished workers) as JSON.
//     node dist/bench/rusage-child.js USAGE.json SCRIPT.js [args...]
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [usageFile, script, ...args] = process.argv.slice(2);
if (!usageFile || !script) throw new Error('usage: node rusage-child.js USAGE.json SCRIPT.js [args...]');
process.on('exit', () => {
  const u = process.resourceUsage();
  writeFileSync(usageFile, JSON.stringify({ userS: u.userCPUTime / 1e6, sysS: u.systemCPUTime / 1e6, maxRssKb: u.maxRSS }));
});
// the script reads process.argv as if it had been started directly
process.argv = [process.argv[0]!, script, ...args];
await import(pathToFileURL(script).href);
