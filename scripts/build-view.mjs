// Builds the viewer that `pagesim view` writes into each HTML file: type-checks
// src/view/app (DOM types, kept out of the Node build), bundles it with uPlot
// into one script and one stylesheet under dist/src/view/, where the CLI reads them.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'src', 'view');
mkdirSync(out, { recursive: true });
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'src', 'view', 'app')], { stdio: 'inherit' });
await build({
  entryPoints: [join(root, 'src', 'view', 'app', 'main.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2022',
  legalComments: 'none',
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
});
const css = readFileSync(join(root, 'node_modules', 'uplot', 'dist', 'uPlot.min.css'), 'utf8') + '\n' + readFileSync(join(root, 'src', 'view', 'app', 'style.css'), 'utf8');
writeFileSync(join(out, 'app.css'), css);
