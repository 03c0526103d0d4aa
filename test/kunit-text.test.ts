/**
 * pagesim kunit writes a scenario's own text (its name, descriptions,
 * string arguments) into C: string literals must stay string literals and
 * comments must stay comments, whatever the text holds. A name with a
 * quote used to end MODULE_DESCRIPTION's string, and a description with a
 * star-slash ended the file's first comment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pagesim } from './helpers/cli.js';
import { cComment, cString } from '../src/kunit/export.js';

const SCENARIO = `name: 'quote"back\\slash*/end'
description: 'ends a comment */ early'
machine: {memory: 64MiB}
steps:
  - kmem_cache_create: {name: "c\\"a*/\\u00e9\\\\", size: 64}
    as: c
cases:
  - name: one
    description: "also */ here"
    steps:
      - kmem_cache_destroy: c
`;

/** The comments of a C text, and the text outside them, as a C compiler splits them (no // comments or strings holding comment marks in the code outside). */
function comments(c: string): { inside: string[]; outside: string } {
  const inside: string[] = [];
  let outside = '';
  let at = 0;
  for (;;) {
    const open = c.indexOf('/*', at);
    if (open < 0) return { inside, outside: outside + c.slice(at) };
    const close = c.indexOf('*/', open + 2);
    assert.ok(close > 0, 'every comment is closed');
    outside += c.slice(at, open);
    inside.push(c.slice(open, close + 2));
    at = close + 2;
  }
}

test('kunit: quotes, backslashes, star-slash and non-ASCII in a scenario stay inside their strings and comments', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-kunit-'));
  const file = join(dir, 'text.yaml');
  writeFileSync(file, SCENARIO);
  const r = pagesim(['kunit', file]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[1], ' * KUnit test for the pagesim scenario "quote"back\\slash* /end" (linux-6.12).');
  assert.equal(lines[4], ' * ends a comment * / early');
  assert.ok(lines.includes(' * also * / here'));
  assert.ok(lines.includes('\tc = kmem_cache_create("c\\"a*/\\303\\251\\\\", 64, 8, SLAB_NO_MERGE, NULL);'));
  assert.ok(lines.includes('MODULE_DESCRIPTION("pagesim scenario quote\\"back\\\\slash*/end");'));
  // The comments are those the exporter meant: each starts a line (or follows code on it) and none swallowed code.
  const { inside, outside } = comments(r.stdout.replace(/"(?:[^"\\\n]|\\.)*"/g, '""'));
  assert.ok(inside.some((c) => c.includes('ends a comment * / early')));
  assert.match(outside, /kunit_test_suite\(pagesim_quote_back_slash_end_suite\);/);
  assert.doesNotMatch(outside, /early|also/);
});

test('cString and cComment', () => {
  assert.equal(cString('plain text 42'), '"plain text 42"');
  assert.equal(cString('a"b\\c'), '"a\\"b\\\\c"');
  // A NUL followed by a digit stays two characters: octal escapes are three digits.
  assert.equal(cString('x\u00007\n\u00e9'), '"x\\0007\\012\\303\\251"');
  assert.equal(cComment('a */ b\u0000c'), 'a * / b c');
});

test('kunit --out: two scenarios that would write one file are refused before anything is written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-kunit-'));
  const a = join(dir, 'a.yaml');
  const b = join(dir, 'b.yaml');
  writeFileSync(a, 'name: a-b\nsteps: [check]\n');
  writeFileSync(b, 'name: a_b\nsteps: [check]\n');
  const out = join(dir, 'out');
  const r = pagesim(['kunit', a, b, '--out', out]);
  assert.deepEqual({ status: r.status, stdout: r.stdout, stderr: r.stderr }, { status: 2, stdout: '', stderr: `${b}: kunit: exports to pagesim_a_b_kunit.c, as ${a} does: each suite needs a scenario name of its own\n` });
  assert.equal(existsSync(out), false);
});

test('kunit: a string with $i in a repeat is formatted for each index, as pagesim expands it, not passed as the text "$i"', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-kunit-'));
  const f = join(dir, 'loop.yaml');
  writeFileSync(f, 'steps:\n  - repeat:\n      times: 3\n      steps:\n        - kmem_cache_create: {name: "c%$i\\"x$i", size: 64}\n          as: c$i\n        - kmem_cache_destroy: c$i\n');
  const r = pagesim(['kunit', f]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.split('\n').includes('\t\tc[i] = kmem_cache_create(({ static char pagesim_str[27]; snprintf(pagesim_str, sizeof(pagesim_str), "c%%%d\\"x%d", i, i); pagesim_str; }), 64, 8, SLAB_NO_MERGE, NULL);'), r.stdout);
  // pagesim's run names the caches the same: c%0"x0, c%1"x1, ...
  const run = pagesim(['run', f, '--variant', 'linux-6.12']);
  assert.match(run.stdout, /kmem_cache_create\(name="c%\$i\\"x\$i", size=64, align=8\) = kmem_cache c%0"x0 \[i=0\]/);
});
