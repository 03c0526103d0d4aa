// Bundles the pagesim executable (dist/src/cli/entry.js and everything it
// loads) into one CommonJS script, dist/src/cli/main.bundle.cjs, and saves
// V8's code cache for it beside it, main.bundle.cjs.cache: main.js compiles
// the bundle with that cache instead of loading some 200 ES modules, which
// Node 20 compiles afresh at every start (docs/performance.md, "Boot and
// replay's fixed cost"; docs/ARCHITECTURE.md, "The executable"). Skipped
// while the bundle is newer than each module in it and its cache newer than
// the bundle (src/util/bundle.ts).
//
// A replay, the one command whose start-to-output time is a measured figure,
// loads a second bundle, replay.bundle.cjs, of what `pagesim replay` runs
// alone (entry.js without cli(): 120 modules of the 280, half the text and
// half the cache to read and take in), with its own cache.
//
// `node scripts/build-cli.mjs --cache-run BUNDLE` makes a cache (cacheRun() below).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
// The flags main.js compiles under: V8 takes a cache only under the flags it was made with.
import '../dist/src/util/v8-flags.js';
import { BUNDLE_ARGS, freshBundle } from '../dist/src/util/bundle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist', 'src');
/** The bundles: every command's, and the replay's (entry.js with cli() left out: a replay never calls it). */
const BUNDLES = [
  { outfile: join(dist, 'cli', 'main.bundle.cjs'), replayOnly: false },
  { outfile: join(dist, 'cli', 'replay.bundle.cjs'), replayOnly: true },
];
const nodeRequire = createRequire(import.meta.url);
/** Node's modules the bundle loads as they are first used (not those every start has loaded). */
const LAZY = new Set(['node:child_process', 'node:crypto', 'node:fs/promises', 'node:net', 'node:os', 'node:readline', 'node:stream', 'node:worker_threads', 'node:zlib', 'node:v8', 'node:perf_hooks']);

async function buildBundle({ outfile, replayOnly }) {
  const cache = `${outfile}.cache`;
  if (freshBundle(pathToFileURL(outfile)) && newer(cache, outfile)) return;
  const result = await build({
    entryPoints: [join(dist, 'cli', 'entry.js')],
    bundle: true,
    metafile: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // Whitespace and comments out (names stay): less to read and scan at each start.
    minifyWhitespace: true,
    define: { PAGESIM_CLI_BUNDLE: 'true' },
    // A function expression, for node:vm (main.ts calls it with these arguments).
    banner: { js: `(function (${BUNDLE_ARGS.join(', ')}) {` },
    footer: { js: '})' },
    outfile,
    logLevel: 'warning',
    plugins: [
      {
        // The replay's bundle: entry.js's import of cli.js, which only other commands reach, is a stub.
        name: 'replay-only',
        setup: (b) => {
          if (!replayOnly) return;
          b.onResolve({ filter: /^\.\/cli\.js$/ }, (a) => (a.importer === join(dist, 'cli', 'entry.js') ? { path: 'cli', namespace: 'replay-only' } : undefined));
          b.onLoad({ filter: /.*/, namespace: 'replay-only' }, () => ({ contents: "export function cli() { throw new Error('the replay bundle runs pagesim replay only'); }\n", loader: 'js' }));
        },
      },
      {
        // Node's own modules that a start has not loaded already are loaded when first used, not
        // when a module importing them starts: `pagesim --bogus` needs no zlib, crypto or
        // child_process. Each is an object of getters, one for each of the module's exports.
        name: 'lazy-builtins',
        setup: (b) => {
          b.onResolve({ filter: /^node:/ }, (a) => (a.kind === 'import-statement' && LAZY.has(a.path) ? { path: a.path, namespace: 'lazy-builtin' } : undefined));
          b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (a) => {
            const names = Object.getOwnPropertyNames(nodeRequire(a.path)).filter((n) => n !== 'default' && n !== '__esModule');
            const getters = names.map((n) => `${JSON.stringify(n)}: { get: () => load()[${JSON.stringify(n)}], enumerable: true }`).join(',\n');
            return { contents: `let m;\nconst load = () => (m ??= require(${JSON.stringify(a.path)}));\nmodule.exports = Object.defineProperties({}, {\n${getters}\n});\n`, loader: 'js' };
          });
        },
      },
      {
        name: 'module-urls',
        setup: (b) =>
          b.onLoad({ filter: /\.js$/ }, (a) => {
            if (!a.path.startsWith(dist + sep)) return undefined;
            // Each module's own URL, resolved against the bundle's at run time: paths (scenarios/,
            // the viewer's assets, the fuzz worker, the bench's child) resolve as from the module.
            let rel = relative(dirname(outfile), a.path).split(sep).join('/');
            if (!rel.startsWith('.')) rel = `./${rel}`;
            const contents = readFileSync(a.path, 'utf8')
              .replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, __pagesimBundleUrl).href`)
              // An import() of a computed name (a --variant-file) stays an import of an ES module.
              .replace(/\bimport\((?!['"`])/g, '__pagesimImport(');
            return { contents, loader: 'js' };
          }),
      },
    ],
  });
  // This script too: a bundle made by another version of it is rebuilt.
  const files = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('lazy-builtin:') && !f.startsWith('replay-only:'));
  const inputs = [...files.map((f) => join(root, f)), fileURLToPath(import.meta.url)].map((f) => relative(dirname(outfile), f));
  writeFileSync(`${outfile}.json`, `${JSON.stringify({ inputs }, null, 1)}\n`);
  // Made in a process of its own (stdout and stderr are the commands'), under main.js's flags.
  const made = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--cache-run', outfile], { stdio: 'ignore', env: { ...process.env, PAGESIM_HUGEPAGES: '0' } });
  if (made.status !== 0 || !newer(cache, outfile)) throw new Error(`build-cli: making the code cache failed (status ${made.status})`);
}

/** Whether file a exists and is at least as new as b. */
function newer(a, b) {
  try {
    return statSync(a).mtimeMs >= statSync(b).mtimeMs;
  } catch {
    return false;
  }
}

/**
 * The cache's maker: compiles the bundle as main.js does, runs the top level
 * of every module in it (`pagesim --help` loads all of cli(), a replay of a
 * trace that is not there loads the replay's modules before it finds that)
 * and writes the cache V8 gives then, which holds the modules' top levels
 * compiled. Not the functions commands call after that: a cache made after
 * a replay and a scenario run held them too and cost more to load (30 ms of
 * CPU more) than compiling them as they come.
 */
async function cacheRun(outfile) {
  const cache = `${outfile}.cache`;
  const replayOnly = BUNDLES.find((b) => b.outfile === outfile).replayOnly;
  const script = new Script(readFileSync(outfile, 'utf8'), { filename: outfile });
  const module = { exports: {} };
  const url = pathToFileURL(outfile);
  const args = { exports: module.exports, require: createRequire(url), module, __pagesimBundleUrl: url.href, __pagesimImport: (s) => import(s) };
  script.runInThisContext()(...BUNDLE_ARGS.map((name) => args[name]));
  const main = join(dist, 'cli', 'main.js');
  if (!replayOnly) await module.exports.main(main, ['--help']);
  await module.exports.main(main, ['replay', join(root, 'build', 'no-such-trace.txt')]);
  const tmp = `${cache}.${process.pid}.tmp`;
  writeFileSync(tmp, script.createCachedData());
  renameSync(tmp, cache);
  process.exitCode = 0;
}

if (process.argv[2] === '--cache-run') await cacheRun(process.argv[3]);
else for (const b of BUNDLES) await buildBundle(b);
