// Builds the viewer that `pagesim view` writes into each HTML file: type-checks
// src/view/app (DOM types, kept out of the Node build), bundles it with uPlot
// into one script and one stylesheet under dist/src/view/, where the CLI reads them.
// Skipped when nothing it reads has changed: dist/view-app.inputs holds
// a SHA-256 of every input (this script, src/view/app, the files the bundle
// took in, the tools' versions) and of the two outputs; any difference in
// either builds again.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'src', 'view');
const app = join(root, 'src', 'view', 'app');
const uplotCss = join(root, 'node_modules', 'uplot', 'dist', 'uPlot.min.css');
const stampFile = join(root, 'dist', 'view-app.inputs');
const outputs = [join(out, 'app.js'), join(out, 'app.css')];

const filesUnder = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));

/** One hash of the named files' paths and contents (a missing file counts as such). */
function hashOf(files) {
  const h = createHash('sha256');
  for (const f of [...new Set(files)].sort()) {
    h.update(`${relative(root, f)}\0`);
    h.update(existsSync(f) ? readFileSync(f) : '(missing)');
    h.update('\0');
  }
  return h.digest('hex');
}

/** Everything the build reads: `bundled` are the files esbuild took in last time (src/view/data.ts, uPlot's module...). */
const inputsHash = (bundled) =>
  hashOf([
    fileURLToPath(import.meta.url),
    ...filesUnder(app),
    ...bundled.map((f) => join(root, f)),
    uplotCss,
    join(root, 'node_modules', 'esbuild', 'package.json'),
    join(root, 'node_modules', 'typescript', 'package.json'),
    join(root, 'node_modules', 'uplot', 'package.json'),
  ]);

function upToDate() {
  if (!existsSync(stampFile) || !outputs.every((f) => existsSync(f))) return false;
  try {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
    return stamp.inputs === inputsHash(stamp.bundled) && stamp.outputs === hashOf(outputs);
  } catch {
    return false;
  }
}

if (!upToDate()) {
  mkdirSync(out, { recursive: true });
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { stdio: 'inherit' });
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(app, 'main.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2022',
    legalComments: 'none',
    outfile: outputs[0],
    logLevel: 'warning',
    metafile: true,
  });
  const css = readFileSync(uplotCss, 'utf8') + '\n' + readFileSync(join(app, 'style.css'), 'utf8');
  writeFileSync(outputs[1], css);
  const bundled = Object.keys(result.metafile.inputs).sort();
  writeFileSync(stampFile, JSON.stringify({ bundled, inputs: inputsHash(bundled), outputs: hashOf(outputs) }) + '\n');
}
