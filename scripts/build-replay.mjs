// Bundles what `pagesim replay` loads after its first moment (src/replay/cli-modules.ts)
// into one module, dist/src/replay/cli-modules.bundle.js, and its trace reader
// thread (parse-worker.ts) into the script parse-worker.bundle.cjs: Node loads one file
// instead of about a hundred (docs/performance.md, "Boot and replay's fixed
// cost"). Modules the command has already loaded before it (its static
// imports) stay outside, imported, so that there is one of each (one
// InputError class, one reader thread). The list of the bundled modules goes
// beside each bundle: it is taken only while newer than each (src/util/bundle.ts).
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshBundle } from '../dist/src/util/bundle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist', 'src');
const outfile = join(dist, 'replay', 'cli-modules.bundle.js');
// CommonJS: a worker thread whose module is a script starts without the ES module loader, 30-40 ms sooner here.
const worker = join(dist, 'replay', 'parse-worker.bundle.cjs');

// The same test as the command's (tsc has built src/util/bundle.ts before this runs).
if (freshBundle(pathToFileURL(outfile)) && freshBundle(pathToFileURL(worker))) process.exit(0);

/** The modules cmd-replay.js imports statically (its dynamic imports are what the bundle is for). */
const before = await build({
  entryPoints: [join(dist, 'cli', 'cmd-replay.js')],
  bundle: true,
  write: false,
  metafile: true,
  format: 'esm',
  platform: 'node',
  logLevel: 'warning',
  plugins: [{ name: 'static-only', setup: (b) => b.onResolve({ filter: /.*/ }, (a) => (a.kind === 'dynamic-import' ? { path: a.path, external: true } : undefined)) }],
});
const loaded = new Set(Object.keys(before.metafile.inputs).map((f) => join(root, f)));

const result = await build({
  entryPoints: [join(dist, 'replay', 'cli-modules.js')],
  bundle: true,
  metafile: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Whitespace and comments out (names stay): V8 scans 430 KB instead of 640 before compiling lazily.
  minifyWhitespace: true,
  outfile,
  logLevel: 'warning',
  plugins: [
    {
      name: 'keep-loaded-outside',
      setup: (b) =>
        b.onResolve({ filter: /^\./ }, (a) => {
          const file = join(a.resolveDir, a.path);
          if (!loaded.has(file)) return undefined;
          const rel = relative(dirname(outfile), file);
          return { path: rel.startsWith('.') ? rel : `./${rel}`, external: true };
        }),
    },
  ],
});
writeInputs(outfile, result.metafile);

// The trace reader thread's modules: a thread of their own, nothing shared.
writeInputs(worker, (await build({ entryPoints: [join(dist, 'replay', 'parse-worker.js')], bundle: true, metafile: true, format: 'cjs', platform: 'node', target: 'node20', minifyWhitespace: true, outfile: worker, logLevel: 'warning' })).metafile);

/** The modules in a bundle, relative to it, beside it (src/util/bundle.ts reads them). */
function writeInputs(file, metafile) {
  const inputs = Object.keys(metafile.inputs).map((f) => relative(dirname(file), join(root, f)));
  writeFileSync(`${file}.json`, `${JSON.stringify({ inputs }, null, 1)}\n`);
}
