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
//
// The test processes advise huge pages for the memory glibc maps
// (glibc.malloc.hugetlb=1, src/cli/hugepages.ts), as the executable does for
// a large machine: every test boots machines, and a boot's cost is mostly the
// first write to each 4 KiB page of new memory (a 1 GiB machine's 16 MiB
// memmap: 4,096 page faults, about 50 of its 70 ms of CPU on the 2-core VM;
// with 2 MiB pages 8, and the boot takes 20-30 ms). Tunables are read when a
// process starts, so they are set here for the test files and the commands
// they spawn; PAGESIM_HUGEPAGES=0, or GLIBC_TUNABLES naming the tunable,
// leaves the environment as it is.
import { run } from 'node:test';
import { dot } from 'node:test/reporters';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { hugePageEnv, wantsRelaunch } = await import(pathToFileURL(join(root, 'dist', 'src', 'cli', 'hugepages.js')).href);

function thpSetting() {
  try {
    return readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8');
  } catch {
    return undefined;
  }
}
if (wantsRelaunch(process.env, process.platform, thpSetting())) process.env['GLIBC_TUNABLES'] = hugePageEnv(process.env)['GLIBC_TUNABLES'];
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

/** `npm test -- --test-name-pattern=RE` (or `--test-name-pattern RE`, repeatable) runs only the tests whose names match, as `node --test` does. */
function namePatterns(argv) {
  const patterns = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--test-name-pattern=')) patterns.push(a.slice('--test-name-pattern='.length));
    else if (a === '--test-name-pattern' && i + 1 < argv.length) patterns.push(argv[++i]);
    else {
      process.stderr.write(`npm test: unknown argument "${a}" (only --test-name-pattern=RE is taken; run one file with node --test dist/test/X.test.js)\n`);
      process.exit(2);
    }
  }
  return patterns;
}
const patterns = namePatterns(process.argv.slice(2));

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
const stream = run({ files: ordered.map((f) => join(root, f)), concurrency: 2, ...(patterns.length > 0 ? { testNamePatterns: patterns } : {}) });
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
  // A filtered run's times are not the files' times.
  if (code === 0 && patterns.length === 0) writeFileSync(timesFile, `${JSON.stringify(took, null, 1)}\n`);
});
