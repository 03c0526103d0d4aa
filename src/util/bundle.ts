/**
 * Bundles made by `npm run build` (scripts/build-replay.mjs): one file in
 * place of a module and everything it imports, so that Node reads, compiles
 * and links one file instead of dozens. Beside each bundle, FILE.json lists
 * the modules in it; a bundle is taken only while it is newer than every one
 * of them, so a module rebuilt since by tsc alone is never shadowed by an
 * older copy of itself.
 */

import { readFileSync, statSync } from 'node:fs';

/** Whether the bundle at `url` exists and is newer than each module in it. */
export function freshBundle(url: URL): boolean {
  try {
    const built = statSync(url).mtimeMs;
    const { inputs } = JSON.parse(readFileSync(new URL(`${url.href}.json`), 'utf8')) as { inputs: string[] };
    return inputs.every((f) => statSync(new URL(f, url)).mtimeMs <= built);
  } catch {
    return false;
  }
}
