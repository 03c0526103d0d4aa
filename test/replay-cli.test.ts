/**
 * `pagesim replay` through its command entry point (src/cli/cmd-replay.ts)
 * in a child process: the --json shape, snapshots found next to the trace,
 * and bad input as one line on stderr with exit status 2.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { realDataDir } from '../src/util/real-data.js';

const here = dirname(fileURLToPath(import.meta.url));
const captures = resolve(realDataDir(), 'ftrace', 'captures');
const thpDir = join(captures, 'firecracker-vm-6.18.44-x86_64-2cpu-24GB-thp-32x2MB');
const thp = join(thpDir, 'trace.txt');
const cmd = pathToFileURL(resolve(here, '..', 'src', 'cli', 'cmd-replay.js')).href;

function replayCli(args: readonly string[], nodeOptions: readonly string[] = []): { status: number; stdout: string; stderr: string } {
  const code = `const m = await import(${JSON.stringify(cmd)}); process.exitCode = await m.replayCommand(process.argv.slice(1));`;
  const r = spawnSync(process.execPath, [...nodeOptions, '--input-type=module', '-e', code, '--', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${stderr}`);
  assert.doesNotMatch(lines[0]!, /^\s+at /);
  return lines[0]!;
}

const noThp = existsSync(thp) ? false : `capture not present: ${thp}`;

/** `pagesim replay THP --json`, run once for the two tests that read it. */
let plainJson: ReturnType<typeof replayCli> | undefined;
const thpJson = (): ReturnType<typeof replayCli> => (plainJson ??= replayCli([thp, '--json']));

test('replay under node with V8 heap options: the parse worker still starts', { skip: noThp }, () => {
  // A Worker rejects V8 options such as --max-old-space-size in its execArgv.
  const plain = thpJson();
  assert.equal(plain.status, 0, plain.stderr);
  const heap = replayCli([thp, '--json'], ['--max-old-space-size=2048']);
  assert.equal(heap.status, 0, heap.stderr);
  const end = (out: string): { events: number; end: unknown } => {
    const j = JSON.parse(out) as { events: number; end: unknown };
    return { events: j.events, end: j.end };
  };
  assert.ok(end(heap.stdout).events > 0);
  assert.deepEqual(end(heap.stdout), end(plain.stdout));
});

test('replay --json: the documented shape', { skip: noThp }, () => {
  const r = thpJson();
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const j = JSON.parse(r.stdout) as Record<string, unknown>;
  for (const key of ['events', 'skipped', 'malformed', 'preexisting', 'events_per_second']) assert.equal(typeof j[key], 'number', key);
  assert.equal(j['events'], 21_117);
  assert.equal(j['skipped'], 0);
  assert.equal(j['malformed'], 0);
  // Said only when there is something to say: a capture of nothing but events, in time order.
  assert.equal('ignored_lines' in j, false);
  assert.equal('time_goes_back_at_line' in j, false);
  const incons = j['inconsistencies'] as Record<string, unknown>;
  assert.equal(typeof incons, 'object');
  for (const v of Object.values(incons)) assert.equal(typeof v, 'number');
  const end = j['end'] as Record<string, unknown>;
  assert.match(end['buddyinfo'] as string, /^Node 0, zone      DMA /);
  assert.match(end['pagetypeinfo'] as string, /^Page block order: 9\n/);
  const compare = j['compare'] as Record<string, unknown>;
  const rows = compare['buddyinfo'] as Record<string, unknown>[];
  assert.equal(rows.length, 33);
  for (const row of rows) {
    assert.equal(typeof row['zone'], 'string');
    for (const k of ['order', 'model', 'real']) assert.equal(typeof row[k], 'number');
  }
  assert.deepEqual((j['initial'] as { from: string }).from, 'found');
});

// The text report of this capture, with the snapshots it found next to the trace ("initial state:
// ... (found next to the trace)", "compared with: ...", preexisting frees, the end state), is
// docs/replay.md's `pagesim replay` of the same capture in data/ftrace, which the docs test compares
// line for line; the --json run above has `initial.from` 'found'.

test('replay: a missing trace is one line, exit 2', () => {
  const r = replayCli(['/nonexistent/trace.txt']);
  assert.equal(r.status, 2);
  assert.match(oneLine(r.stderr), /^\/nonexistent\/trace\.txt: cannot read trace \(no such file\)$/);
});

test('replay: a directory given as the trace is one line, exit 2, in the words of every input file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-dir-'));
  try {
    const r = replayCli([dir]);
    assert.equal(r.status, 2);
    assert.equal(oneLine(r.stderr), `${dir}: cannot read trace (is a directory)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('replay: an unknown --mode is one line, exit 2', () => {
  const r = replayCli(['whatever.txt', '--mode', 'fast']);
  assert.equal(r.status, 2);
  assert.equal(oneLine(r.stderr), 'replay: --mode must be exact or model (got "fast")');
});

test('replay: a malformed --initial file is one line naming file and line, exit 2', { skip: noThp }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-replay-'));
  const bad = join(dir, 'buddyinfo');
  writeFileSync(bad, 'Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 \nNode 0, zone    DMA32      2      x \n');
  const r = replayCli([thp, '--initial', bad]);
  assert.equal(r.status, 2);
  assert.match(oneLine(r.stderr), new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: `));
});

test('replay: an --initial file that is not a /proc file pagesim reads is one line, exit 2', { skip: noThp }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-replay-'));
  const bad = join(dir, 'notes.txt');
  writeFileSync(bad, 'hello\n');
  const r = replayCli([thp, '--initial', bad]);
  assert.equal(r.status, 2);
  assert.match(oneLine(r.stderr), /notes\.txt:1: --initial: not a buddyinfo, pagetypeinfo or zoneinfo file$/);
});

test('replay: unknown variants and options are one line, exit 2', () => {
  let r = replayCli(['t.txt', '--variant', 'nope']);
  assert.equal(r.status, 2);
  assert.match(oneLine(r.stderr), /^replay: --variant: unknown variant "nope"/);
  r = replayCli(['t.txt', '--speed']);
  assert.equal(r.status, 2);
  assert.match(oneLine(r.stderr), /^replay: unknown option --speed/);
  r = replayCli([]);
  assert.equal(r.status, 2);
  assert.match(oneLine(r.stderr), /^replay: give exactly one trace file/);
});

test('replay: without snapshots the machine is sized from the trace and every page starts free', { skip: noThp }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-replay-'));
  const copy = join(dir, 'trace.txt');
  copyFileSync(thp, copy);
  const r = replayCli([copy, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { events: number; compare: { buddyinfo: unknown[] }; initial: { from: string }; machine: { notes: string[] } };
  assert.equal(j.events, 21_117);
  assert.deepEqual(j.compare.buddyinfo, []);
  assert.equal(j.initial.from, 'none');
  assert.match(j.machine.notes.join('\n'), /no zoneinfo/);
});

test('replay: a trace of one CPU says "1 CPU" in the machine line and the note', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-one-cpu-'));
  try {
    const file = join(dir, 'trace.txt');
    const prefix = '            bash-8208    [000] .....  ';
    writeFileSync(
      file,
      `${prefix}1744.452629: mm_page_alloc: page=00000000acb58366 pfn=0x118e0c order=0 migratetype=0 gfp_flags=GFP_KERNEL\n` +
        `${prefix}1744.452640: mm_page_free: page=00000000acb58366 pfn=0x118e0c order=0\n`,
    );
    const r = replayCli([file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^machine: 1 node, 1 CPU, 1,169,408 struct pages$/m);
    assert.match(r.stdout, /pagesim machine with 1 CPU, every managed page free at t0$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('replay: lines that are not trace events are counted as ignored, and time going back is noted once, without refusing the trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-ignored-'));
  try {
    const file = join(dir, 'trace.txt');
    const prefix = (cpu: number): string => `            bash-8208    [00${cpu}] .....  `;
    writeFileSync(
      file,
      [
        '# tracer: nop',
        `${prefix(0)}1744.452629: mm_page_alloc: page=00000000acb58366 pfn=0x118e0c order=0 migratetype=0 gfp_flags=GFP_KERNEL`,
        ' => __alloc_pages',
        ' => do_anonymous_page',
        '',
        `${prefix(0)}1744.452640: mm_page_free: page=00000000acb58366 pfn=0x118e0c order=0`,
        // CPU 1's buffer after CPU 0's: its first event is earlier than the last of CPU 0.
        `${prefix(1)}1744.452630: mm_page_alloc: page=00000000acb58366 pfn=0x118e0d order=0 migratetype=0 gfp_flags=GFP_KERNEL`,
        `${prefix(1)}1744.452600: mm_page_free: page=00000000acb58366 pfn=0x118e0d order=0`,
        '',
      ].join('\n'),
    );
    const text = replayCli([file]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^events: 4 \(alloc 2, free 2,[^\n]*; malformed 0\nignored: 3 lines that are not trace events \(blank lines, stack traces, other text\)\ntime order: timestamps go back at line 7 \(a merged capture, or per-CPU buffers one after another\?\); events are replayed in the order of the file\n/m);
    const json = replayCli([file, '--json']);
    assert.equal(json.status, 0, json.stderr);
    const j = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.deepEqual([j['events'], j['malformed'], j['ignored_lines'], j['time_goes_back_at_line']], [4, 0, 3, 7]);
    assert.deepEqual(Object.keys(j).slice(0, 6), ['events', 'skipped', 'malformed', 'ignored_lines', 'time_goes_back_at_line', 'inconsistencies']);
    // One such line is one line, not lines.
    writeFileSync(file, `${prefix(0)}1744.452629: mm_page_alloc: page=00000000acb58366 pfn=0x118e0c order=0 migratetype=0 gfp_flags=GFP_KERNEL\n => __alloc_pages\n`);
    assert.match(replayCli([file]).stdout, /^ignored: 1 line that is not a trace event \(/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
