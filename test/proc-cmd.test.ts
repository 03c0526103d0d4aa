/**
 * `pagesim proc`: the /proc files of a booted machine through the command
 * entry point (src/cli/cmd-proc.ts), and --roundtrip of real captures,
 * byte-identical, for every real file (through roundtrip()) and for a few
 * through the command line; bad input is one line, exit 2.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { roundtrip } from '../src/cli/cmd-proc.js';
import { detectProcFile } from '../src/procfs/index.js';
import { buildVariant, createMachine } from '../src/engine/build.js';
import { procFile, PROC_FILES } from '../src/engine/proc.js';
import { realDataDir } from '../src/util/real-data.js';
import { pagesim } from './helpers/cli.js';

const real = realDataDir();
const ROUNDTRIP_KINDS = ['buddyinfo', 'pagetypeinfo', 'zoneinfo', 'vmstat', 'meminfo'] as const;

/** `pagesim proc ARGS`, in-process (test/helpers/cli.ts; docs/proc.md's roundtrip runs the executable). */
function procCli(args: readonly string[]): { status: number; stdout: string; stderr: string } {
  return pagesim(['proc', ...args]);
}

function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${stderr}`);
  return lines[0]!;
}

/** Every file under the real data that is one of the five /proc files. */
function realProcFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (statSync(p).size < 4 << 20 && !name.endsWith('.gz')) {
        const text = readFileSync(p, 'utf8');
        if (detectProcFile(text) !== null && /(^|_)(buddyinfo|pagetypeinfo|zoneinfo|vmstat|meminfo)$/.test(name)) out.push(p);
      }
    }
  };
  for (const sub of ['procfs', join('ftrace', 'captures'), 'page-types']) if (existsSync(join(real, sub))) walk(join(real, sub));
  return out;
}

test('proc NAME prints each /proc file of a freshly booted machine, as pagesim builds it', () => {
  const k = createMachine(buildVariant('baseline'), { memoryBytes: 512 * 2 ** 20, cpus: 2, nodes: 1 });
  for (const name of PROC_FILES) {
    const r = procCli([name, '--memory', '512MiB', '--cpus', '2']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, procFile(k, name), name);
    // The five files pagesim also parses round-trip through their parsers.
    if (!(ROUNDTRIP_KINDS as readonly string[]).includes(name)) continue;
    assert.equal(detectProcFile(r.stdout), name);
    assert.equal(roundtrip(r.stdout, name), r.stdout, `${name} round-trips`);
  }
});

test('proc: --nodes and --variant shape the machine', () => {
  const r = procCli(['buddyinfo', '--memory', '1GiB', '--cpus', '4', '--nodes', '2', '--variant', 'refcount-frozen-bit']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Node 1, zone    DMA32 /m);
});

test('proc --roundtrip: every real /proc capture prints back byte-identical', { skip: existsSync(real) ? false : `no real data at ${real}` }, () => {
  const files = realProcFiles();
  assert.ok(files.length >= 20, `found ${files.length} files`);
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    assert.equal(roundtrip(text, f), text, f);
  }
});

test('proc --roundtrip through the command: byte-identical for a capture of each kind', { skip: existsSync(real) ? false : `no real data at ${real}` }, () => {
  const files = realProcFiles();
  const picked = ['buddyinfo', 'pagetypeinfo', 'zoneinfo', 'vmstat', 'meminfo'].map((kind) => files.find((f) => f.endsWith(kind))).filter((f): f is string => f !== undefined);
  assert.ok(picked.length >= 4);
  for (const f of picked) {
    const r = procCli(['--roundtrip', f]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, readFileSync(f, 'utf8'), f);
  }
});

test('proc: bad input is one line, exit 2', () => {
  let r = procCli(['interrupts']);
  assert.equal(r.status, 2);
  assert.match(oneLine(r.stderr), /^proc: unknown file "interrupts"/);
  r = procCli(['buddyinfo', '--memory', 'lots']);
  assert.equal(r.status, 2);
  assert.match(oneLine(r.stderr), /^--memory: "lots" is not a size/);
  r = procCli(['buddyinfo', '--cpus', '0']);
  assert.equal(r.status, 2);
  assert.match(oneLine(r.stderr), /^proc: cpus must be between/);
  r = procCli(['--roundtrip', '/nonexistent/zoneinfo']);
  assert.equal(r.status, 2);
  assert.match(oneLine(r.stderr), /^\/nonexistent\/zoneinfo: cannot read \/proc file \(no such file\)$/);
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-proc-'));
  const bad = join(dir, 'buddyinfo');
  writeFileSync(bad, 'Node 0, zone      DMA      0      1 \nNode 0, zone    DMA32      2 \n');
  r = procCli(['--roundtrip', bad]);
  assert.equal(r.status, 2);
  assert.equal(oneLine(r.stderr), `${bad}:2: expected 2 free block counts like the first line, found 1`);
  const junk = join(dir, 'junk');
  writeFileSync(junk, 'hello world\n');
  r = procCli(['--roundtrip', junk]);
  assert.equal(r.status, 2);
  assert.match(oneLine(r.stderr), /junk:1: not a \/proc file pagesim reads/);
});
