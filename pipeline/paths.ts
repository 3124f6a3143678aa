import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root, whether this code runs compiled (dist/pipeline/*.js) or as TypeScript
 * sources under vitest (pipeline/*.ts): data/, package.json and dist/ are found from here.
 */
export function projectRoot(): string {
  const here = fileURLToPath(import.meta.url);
  const marker = `${'/'}dist${'/'}`;
  return here.includes(marker) ? here.slice(0, here.lastIndexOf(marker)) : resolve(dirname(here), '..');
}
