#!/usr/bin/env node
/**
 * The pagesim executable. Node 20 keeps no compiled code between runs for
 * ES modules, so each start used to read, compile and link some 200 module
 * files before a command could run, about 0.3 s of a cheap command's 0.5.
 * `npm run build` (scripts/build-cli.mjs) bundles entry.ts and everything it
 * loads into one CommonJS script, main.bundle.cjs (and a replay's part of
 * it into replay.bundle.cjs), and saves V8's code cache for each after
 * running a command with it. This loader compiles that script
 * with the cache (functions come out compiled instead of being parsed and
 * compiled again) and runs it; where the bundle is missing or older than any
 * module in it (after a plain `tsc`), or cannot be read, the ES modules load
 * as before. A cache V8 rejects (another Node, other flags) is compiled
 * without, with the same outcome. PAGESIM_PHASES says which was taken.
 */

import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
// The kernel's V8 flags first, as in every process: V8 takes a cache only under the flags it was made with.
import '../util/v8-flags.js';
import { BUNDLE_ARGS, freshBundle } from '../util/bundle.js';
import { phase } from '../replay/phases.js';

type Entry = typeof import('./entry.js');

/**
 * The CLI's bundle (scripts/build-cli.mjs): every command's, or for a
 * replay that runs here (not with a --variant-file, which cli() loads) the
 * replay's own, which holds what a replay runs and not cli(): half the
 * text and cache to read and take in. Its code cache is FILE.cache.
 */
function bundleFor(argv: readonly string[]): URL {
  const replay = argv[0] === 'replay' && !argv.some((a) => a === '--variant-file' || a.startsWith('--variant-file='));
  return new URL(replay ? './replay.bundle.cjs' : './main.bundle.cjs', import.meta.url);
}

/** The bundle's exports, or undefined when there is no fresh bundle to run. */
function fromBundle(BUNDLE: URL): Entry | undefined {
  if (!freshBundle(BUNDLE)) return undefined;
  const CACHE = new URL(`${BUNDLE.href}.cache`);
  let script: Script;
  try {
    const file = fileURLToPath(BUNDLE);
    const source = readFileSync(file, 'utf8');
    let cachedData: Buffer | undefined;
    try {
      // A cache older than the bundle was made for another build of it.
      if (statSync(CACHE).mtimeMs >= statSync(BUNDLE).mtimeMs) cachedData = readFileSync(CACHE);
    } catch {
      // No cache: compiled from the source.
    }
    script = new Script(source, { filename: file, ...(cachedData !== undefined ? { cachedData } : {}) });
    phase(`CLI bundle, code cache ${cachedData === undefined ? 'none' : script.cachedDataRejected === true ? 'rejected' : 'taken'}`);
  } catch {
    return undefined;
  }
  const module = { exports: {} as Entry };
  (script.runInThisContext() as (...args: unknown[]) => void)(...bundleArgs(BUNDLE, module));
  return module.exports;
}

/** What the bundle's function is called with, in the order of BUNDLE_ARGS. */
function bundleArgs(BUNDLE: URL, module: { exports: Entry }): unknown[] {
  const args: Record<(typeof BUNDLE_ARGS)[number], unknown> = {
    exports: module.exports,
    require: createRequire(BUNDLE),
    module,
    __pagesimBundleUrl: BUNDLE.href,
    // The bundle's own import() (a --variant-file, the typescript package): an ES module's.
    __pagesimImport: (specifier: string) => import(specifier),
  };
  return BUNDLE_ARGS.map((name) => args[name]);
}

/**
 * Whether this process is the first of a replay relaunched for huge pages
 * (src/cli/hugepages.ts): it only starts the second and reads the trace for
 * it (src/cli/cmd-replay.ts), which the dozen modules of that path, loaded
 * one by one, let it do sooner than the whole bundle would (about 70 ms of
 * CPU sooner), and the second's start waits for it.
 */
async function firstOfTwo(argv: readonly string[]): Promise<boolean> {
  if (argv[0] !== 'replay' || argv.some((a) => a === '--variant-file' || a.startsWith('--variant-file='))) return false;
  return (await import('./hugepages.js')).relaunchWanted(argv);
}

const argv = process.argv.slice(2);
const first = await firstOfTwo(argv);
// A replay that reads through a thread has it start up now, while pagesim loads (src/replay/early-reader.ts).
if (!first && argv[0] === 'replay' && (await import('../replay/early-reader.js')).startReaderEarly(argv)) phase('reader thread started');
const entry = (first ? undefined : fromBundle(bundleFor(argv))) ?? (phase('ES modules'), await import('./entry.js'));
const status = entry.main(process.argv[1] ?? '', argv);
// A replay ends once its output is written, without Node's teardown of what the replay built (its
// heap, the machine's memory: 10-30 ms more of the process's life on the 2-core VM).
if (argv[0] === 'replay') void status.then(exitWhenWritten);

/** Exits with `code` once what was written to stdout and stderr before is out. */
function exitWhenWritten(code: number): void {
  let pending = 2;
  const written = (): void => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', written);
  process.stderr.write('', written);
}
