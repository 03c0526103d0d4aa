// npm test's runner: the test files of this checkout, two at a time (the
// machine's two cores). A file runs when its source exists: for each
// test/**/X.test.ts, dist/test/**/X.test.js. tsc does not delete the output
// of a source that is gone, so running every .js under dist/test/ could test
// a stale file, and would start Node for the helpers, which hold no tests.
//
// The longest files start first, so that the run does not end with one core
// idle while the other finishes a long file: by the time each file's tests
// took in the last run here (dist/test-times.json), and before any run has
// been recorded, the files known to be the longest.
import { run } from 'node:test';
import { dot } from 'node:test/reporters';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const timesFile = join(root, 'dist', 'test-times.json');

/** Before any run is recorded: the longest files, longest first (seconds of CPU on the 2-core VM). */
const LONGEST = ['docs', 'explore', 'reliability-cli', 'fuzz', 'scenario-parse', 'scenarios', 'view', 'diff', 'fuzz-inputs', 'mm-property'];

function testSources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testSources(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

function recordedTimes() {
  try {
    return existsSync(timesFile) ? JSON.parse(readFileSync(timesFile, 'utf8')) : {};
  } catch {
    return {};
  }
}

const files = testSources(join(root, 'test'))
  .map((f) => join('dist', relative(root, f)).replace(/\.ts$/, '.js'))
  .sort();
const recorded = recordedTimes();
const rank = (f) => {
  const i = LONGEST.indexOf(f.replace(/^dist\/test\/|\.test\.js$/g, ''));
  return i < 0 ? LONGEST.length : i;
};
const ordered = files.every((f) => typeof recorded[f] === 'number')
  ? [...files].sort((a, b) => recorded[b] - recorded[a])
  : [...files].sort((a, b) => rank(a) - rank(b));

const took = Object.fromEntries(files.map((f) => [f, 0]));
const stream = run({ files: ordered.map((f) => join(root, f)), concurrency: 2 });
const note = (d) => {
  const f = d.file === undefined ? undefined : relative(root, d.file);
  if (d.nesting === 0 && f !== undefined && f in took) took[f] += d.details?.duration_ms ?? 0;
};
stream.on('test:pass', note);
stream.on('test:fail', (d) => {
  process.exitCode = 1;
  note(d);
});
stream.compose(dot).pipe(process.stdout);
process.on('exit', (code) => {
  if (code === 0) writeFileSync(timesFile, `${JSON.stringify(took, null, 1)}\n`);
});
