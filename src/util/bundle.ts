/**
 * Bundles made by `npm run build` (scripts/build-replay.mjs): one file in
 * place of a module and everything it imports, so that Node reads, compiles
 * and links one file instead of dozens. Beside each bundle, FILE.json lists
 * the modules in it; a bundle is taken only while it is newer than every one
 * of them, so a module rebuilt since by tsc alone is never shadowed by an
 * older copy of itself.
 */

import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Whether the bundle at `url` exists and is newer than each module in it. */
export function freshBundle(url: URL): boolean {
  try {
    // Paths, not URLs: the CLI's bundle lists some 220 modules, and this runs at every start.
    const file = fileURLToPath(url);
    const built = statSync(file).mtimeMs;
    const { inputs } = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as { inputs: string[] };
    const dir = dirname(file);
    for (const f of inputs) {
      const module = statSync(resolve(dir, f), { throwIfNoEntry: false });
      if (module === undefined || module.mtimeMs > built) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * The names the CLI's bundle (dist/src/cli/main.bundle.cjs, a function
 * expression) takes its arguments by: CommonJS's three, the URL it stands
 * at (each module's `import.meta.url` is its own file's URL resolved
 * against it, so paths resolve as from the modules), and the import() of an
 * ES module (a script compiled by node:vm has none of its own).
 */
export const BUNDLE_ARGS = ['exports', 'require', 'module', '__pagesimBundleUrl', '__pagesimImport'] as const;

declare const PAGESIM_CLI_BUNDLE: boolean | undefined;
/**
 * Whether this code runs from the CLI's bundle (its build defines
 * PAGESIM_CLI_BUNDLE): the replay's modules are in it already, and their
 * own bundles would be second copies.
 */
export const IN_CLI_BUNDLE = typeof PAGESIM_CLI_BUNDLE !== 'undefined';
