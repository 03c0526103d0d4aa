// npm test: the build (package.json's "build"), then the test files of this
// checkout, two processes at a time (the machine's two cores). A file runs
// when its source exists: for each
// test/**/X.test.ts, dist/test/**/X.test.js. tsc does not delete the output
// of a source that is gone, so running every .js under dist/test/ could test
// a stale file, and would start Node for the helpers, which hold no tests.
//
// The longest files (and batches, below) start first, so that the run does
// not end with one core idle while the other finishes a long file: by the
// time each file's tests took in the last run here (dist/test-times.json),
// and for a file no run here has recorded (a clean checkout's first run,
// a new file), by its time on an idle 2-core VM (TYPICAL).
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
//
// Most files run several to a process. A Node process and the modules
// every test file loads (the kernel, the engine, the formats) cost 0.2-0.5 s
// of CPU before the first test, paid again by each file run alone: 52 small
// files took 117 s of CPU one process each and 89 s in six processes (load
// 9-14). The files of a batch are imported, in
// order, by one entry module (dist/test-batches/N.mjs, written here and
// naming its files in its first line), so their tests run one after another
// in one process, each test still reported, and failing, under its own name,
// with its own file's times recorded. A file that changes what the process holds
// for the files after it, or whose hooks would run around every file's
// tests, keeps a process of its own (OWN_PROCESS); so do the files whose
// tests compute across many variants (COMPUTE), and a file long enough to
// be a batch by itself.
import { run } from 'node:test';
import { dot } from 'node:test/reporters';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Node reads the certificates NODE_EXTRA_CA_CERTS names at every start,
 * on its main thread (60-80 ms of CPU on the 2-core VM, where the variable
 * names the system's bundle; src/cli/hugepages.ts): some 90 Node processes
 * start in a run (the build's, the test files', the commands they spawn),
 * and none makes a TLS connection. They start without it.
 */
delete process.env['NODE_EXTRA_CA_CERTS'];

/**
 * The build first: package.json's "build", run by sh with
 * node_modules/.bin on PATH as `npm run build` runs it, instead of npm
 * starting itself again to run it (0.3 s of CPU and of wall time before the
 * first test file starts).
 */
{
  const build = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.build;
  const PATH = [join(root, 'node_modules', '.bin'), process.env['PATH'] ?? ''].join(delimiter);
  const built = spawnSync('sh', ['-c', build], { cwd: root, stdio: 'inherit', env: { ...process.env, PATH } });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
const { hugePageEnv, thpSetting, wantsRelaunch } = await import(pathToFileURL(join(root, 'dist', 'src', 'cli', 'hugepages.js')).href);
if (wantsRelaunch(process.env, process.platform, thpSetting())) process.env['GLIBC_TUNABLES'] = hugePageEnv(process.env)['GLIBC_TUNABLES'];
const timesFile = join(root, 'dist', 'test-times.json');

/**
 * A file's tests' time (ms) on the 2-core VM, where no run here has
 * recorded one; any other file, OTHER. Only the order and the batches depend
 * on these: a clean checkout's first run used to weigh every file but ten
 * alike, and put 51 files (some 75 s of CPU) in one batch that started after
 * the long files, one core working a minute after the other was done. Each
 * is the CPU time of the file's process and the commands it spawns (at
 * 75b5cb2, load 3-4), which on an idle machine is about its time.
 */
const TYPICAL = {
  docs: 26_000, 'replay-pipe': 8_000, fuzz: 6_500, 'fused-pcp': 7_000, 'fused-fault': 6_300, 'scenario-parse': 6_200, explore: 6_000,
  'early-inflate': 5_500, 'kpageflags-real-tool': 5_500, 'reliability-cli': 4_500, 'cli-bundle': 4_400, 'fuzz-inputs': 4_300,
  'mm-property': 2_800, 'fuzz-machine': 2_400, 'net-property': 2_300, hugepages: 2_000, diff: 1_900, view: 1_500,
};
const OTHER = 300;

/**
 * Files run alone, each in a process of its own:
 * - docs: the longest file, most of it commands spawned two at a time;
 * - machine-memory: counts the buffers machines gave back to the process's
 *   pool (src/kernel/machine-memory.ts), which earlier files would have filled;
 * - browser/view, when the browser tests run (PAGESIM_BROWSER_TESTS=1):
 *   file-level before() and after() hooks (the browser), which in a shared
 *   process would run around every file's tests. Otherwise its tests are
 *   skipped and its hooks return at once, and it runs in a batch.
 */
const OWN_PROCESS = new Set(['docs', 'machine-memory', ...(process.env['PAGESIM_BROWSER_TESTS'] === '1' ? ['browser/view'] : [])]);
/**
 * Files whose tests compute across many variants in the process (the fused
 * paths against the calls they replace, the explorer, the scenario parser's
 * properties and limits, every scenario's machine against page-types) run
 * alone: together they were slower than apart (explore, scenario-parse,
 * kpageflags-real-tool and fused-fault: 24.9 and 25.3 s of CPU in one
 * process, 22.5 and 23.0 one process each, alternating at load 4-5), as
 * were the fuzzer's workers and the fused paths' tests (17.6 s against
 * 16.6). A file that mostly waits on the commands it spawns (the
 * executable's own tests, cli-bundle, hugepages) or runs a few properties
 * on its own variant is cheaper in a batch: reliability-cli, cli-bundle,
 * mm-property, fuzz-inputs, hugepages and browser/view took 13.4 and 14.2
 * s of CPU in one process against 15.8-19.0 one process each.
 */
const COMPUTE = new Set(['explore', 'fused-fault', 'fused-pcp', 'kpageflags-real-tool', 'scenario-parse']);
/**
 * Files run in one process, in this order, because a later one asserts on
 * what an earlier one did: scenarios.test.ts takes the shipped suite the
 * docs test's `npm start` ran instead of running it again
 * (test/helpers/suite.ts), view.test.ts the replay docs/view.md draws, and
 * fuzz.test.ts the campaign of docs/variants.md's TypeScript variant
 * (test/helpers/shown.ts); early-inflate.test.ts the replay of the THP
 * capture in one process replay-pipe.test.ts made (test/helpers/replay.ts).
 * Each runs alone where the other is absent or filtered out.
 */
const TOGETHER = [
  ['docs', 'scenarios', 'view', 'fuzz'],
  ['replay-pipe', 'early-inflate'],
];
/** A file taking more than this share of the run's time runs alone: a batch by itself. */
const ALONE = 1 / 12;
/** A batch holds at most this share of the run's time, so the two processes running at a time end close together. */
const BATCH = 1 / 8;

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
const name = (f) => f.replace(/^dist\/test\/|\.test\.js$/g, '');
/** A file's weight: its tests' time in the last run here, or where none is recorded, its typical time. */
const weight = (f) => (typeof recorded[f] === 'number' ? recorded[f] : (TYPICAL[name(f)] ?? OTHER));

/** Each unit runs in a process of its own: a file alone, or a batch of files. */
const total = files.reduce((s, f) => s + weight(f), 0);
const share = total * BATCH;
const units = [];
const batches = [];
const grouped = new Set();
for (const names of TOGETHER) {
  const members = names.map((n) => files.find((f) => name(f) === n)).filter((f) => f !== undefined);
  if (members.length < 2) continue;
  for (const f of members) grouped.add(f);
  units.push({ files: members, ordered: true, weight: members.reduce((s, f) => s + weight(f), 0) });
}
for (const f of [...files].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b))) {
  if (grouped.has(f)) continue;
  if (OWN_PROCESS.has(name(f)) || COMPUTE.has(name(f)) || weight(f) > total * ALONE) {
    units.push({ files: [f], weight: weight(f) });
    continue;
  }
  // First fit, longest file first: each batch at most a share of the work.
  const b = batches.find((x) => x.weight + weight(f) <= share);
  if (b === undefined) batches.push({ files: [f], weight: weight(f) });
  else {
    b.files.push(f);
    b.weight += weight(f);
  }
}
const batchDir = join(root, 'dist', 'test-batches');
rmSync(batchDir, { recursive: true, force: true });
mkdirSync(batchDir, { recursive: true });
/** The entry module of a process running several files: their imports, in order. */
const entryOf = (files, i) => {
  const entry = join(batchDir, `${i}.mjs`);
  const imports = files.map((f) => `import ${JSON.stringify(pathToFileURL(join(root, f)).href)};\n`);
  writeFileSync(entry, `// ${files.map(name).join(', ')}: one process (scripts/test.mjs)\n${imports.join('')}`);
  return entry;
};
units.forEach((u, i) => {
  if (u.ordered) u.entry = entryOf(u.files, `together-${i}`);
});
batches.forEach((b, i) => {
  if (b.files.length === 1) {
    units.push(b);
    return;
  }
  units.push({ files: b.files, entry: entryOf([...b.files].sort(), i), weight: b.weight });
});
const ordered = units.sort((a, b) => b.weight - a.weight).map((u) => u.entry ?? join(root, u.files[0]));

/**
 * The test processes run V8 single-threaded: no helper threads for garbage
 * collection, no compiling on a thread of its own. Two test processes already
 * keep both cores busy, and the helpers' work in parallel costs more CPU than
 * the same work on the main thread: the 47 small files in one process took
 * 40.9 s of CPU with the helpers and 33.1 s without (docs/performance.md).
 * Node 20's run() starts each test process with this process's execArgv, and
 * a worker thread inherits the flag (an explicit execArgv naming it is
 * refused: src/replay/early-reader.ts starts its reader without). A command a
 * test spawns runs as users run it.
 */
const V8_FLAGS = ['--single-threaded'];
for (const flag of V8_FLAGS) if (!process.execArgv.includes(flag)) process.execArgv.push(flag);

const took = Object.fromEntries(files.map((f) => [f, 0]));
const stream = run({ files: ordered, concurrency: 2, ...(patterns.length > 0 ? { testNamePatterns: patterns } : {}) });
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
