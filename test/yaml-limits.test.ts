/**
 * Scenario files that are large without being deep: a mapping of many keys
 * (the yaml library's duplicate-key check compared each key with every key
 * before it: 100,000 keys took minutes), a list of millions of items (its
 * tree ran the process out of memory after 80 s), and many report matchers
 * (each worded, without the limit step expectations have).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pagesim } from './helpers/cli.js';
import { yamlScan } from '../src/scenario/yaml-depth.js';

const dir = mkdtempSync(join(tmpdir(), 'pagesim-yaml-'));

function file(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

function bad(args: string[], line: string): void {
  const r = pagesim(args);
  assert.deepEqual({ status: r.status, stdout: r.stdout, stderr: r.stderr }, { status: 2, stdout: '', stderr: `${line}\n` });
}

test('duplicate keys are refused at the repeated key, in a mapping of any size', () => {
  let f = file('dup.yaml', 'steps: [check]\nmachine:\n  memory: 1GiB\n  cpus: 2\n  cpus: 4\n');
  bad(['run', f], `${f}:5: YAML syntax error: Map keys must be unique`);
  f = file('dup-flow.yaml', 'steps:\n  - alloc_pages: {gfp: GFP_KERNEL, order: 1, order: 2}\n');
  bad(['run', f], `${f}:2: YAML syntax error: Map keys must be unique`);
  // 50,000 distinct keys: read in a second, and the first unknown one named.
  const keys = Array.from({ length: 50_000 }, (_, i) => `k${i}: 1`).join(', ');
  f = file('many-keys.yaml', `steps: [check]\nmachine: {${keys}}\n`);
  bad(['run', f], `${f}:2: machine has no key "k0"; its keys are memory, cpus, nodes, thp, rcu_grace_steps, panic_on_oops, page_owner`);
  f = file('many-keys-dup.yaml', `steps: [check]\nmachine: {${keys}, k49999: 2}\n`);
  bad(['run', f], `${f}:2: YAML syntax error: Map keys must be unique`);
});

test('more than 500,000 YAML entries are refused before parsing, at the line where the count passes', () => {
  let f = file('flow.yaml', `steps: [check]\ndescription: [${Array(500_001).fill('1').join(', ')}]\n`);
  bad(['run', f], `${f}:2: YAML has more than 500000 entries (lines, list items, flow items), the limit (docs/limits.md)`);
  f = file('block.yaml', `steps: [check]\ndescription:\n${'  - 1\n'.repeat(500_000)}`);
  bad(['run', f], `${f}:500001: YAML has more than 500000 entries (lines, list items, flow items), the limit (docs/limits.md)`);
  // What the scan counts: content lines, further dashes of a line, commas in flow collections; not block scalar text, comments or quoted commas.
  assert.deepEqual(yamlScan('a: 1\n# c\n\nb: [1, "x,y", 2]\nc: |\n  t,\n  u\n- - - x\n', 128, 7), { line: 8, what: 'entries' });
  assert.equal(yamlScan('a: 1\n# c\n\nb: [1, "x,y", 2]\nc: |\n  t,\n  u\n- - - x\n', 128, 8), null);
});

test('report matchers that match nothing: the first 1,000 worded, the rest counted', () => {
  const f = file('matchers.yaml', `steps: [check]\nexpect:\n  baseline:\n${'    - {kind: BUG}\n'.repeat(1_003)}`);
  const r = pagesim(['run', f, '--json']);
  assert.equal(r.status, 1, r.stderr);
  const failures = (JSON.parse(r.stdout) as { runs: { failures: string[] }[] }).runs[0]!.failures;
  assert.equal(failures.length, 1_001);
  assert.equal(failures[0], 'expected a report matching {kind: BUG} under baseline; none did (the run reported nothing)');
  assert.equal(failures[1_000], '3 more report matchers under baseline matched no report (a run words the first 1000: docs/limits.md)');
});
