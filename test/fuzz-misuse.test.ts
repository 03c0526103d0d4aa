/**
 * pagesim fuzz --misuse: programs with API misuse (double free, put after
 * free, a free with the wrong order, a put without a get, an unmap twice, a
 * slab object freed twice), which the shrinker's replay checks as it checks
 * legal steps; what baseline reports on them is not a model bug, and a
 * design whose debug checks differ from baseline's is found by them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/engine/registry.js';
import { generateProgram } from '../src/fuzz/generate.js';
import { runOracles } from '../src/fuzz/oracle.js';
import { replay, shrink, findingScenario } from '../src/fuzz/shrink.js';
import { MISUSE } from '../src/fuzz/misuse.js';
import type { GStep } from '../src/fuzz/model.js';

test('--misuse emits every kind of misuse, and only then', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 120; i++) {
    assert.ok(!generateProgram(1, i).steps.some((s) => s.misuse !== undefined), `program ${i} without --misuse`);
    for (const s of generateProgram(1, i, { misuse: true }).steps) if (s.misuse !== undefined) seen.add(s.misuse);
  }
  assert.deepEqual([...seen].sort(), MISUSE.map((m) => m.name).sort());
});

test('a misuse step replays only under --misuse and only on its victim', () => {
  const body: GStep[] = [
    { op: 'alloc_pages', args: { gfp: { gfp: 'GFP_KERNEL' }, order: 1 }, as: 'p1' },
    { op: '__free_pages', args: { page: { h: 'p1' }, order: 1 } },
    { op: '__free_pages', args: { page: { h: 'p1' }, order: 1 }, misuse: 'double free' },
  ];
  assert.notEqual(replay(body, true), null);
  assert.equal(replay(body, false), null);
  // The victim must have been released, with the order it was allocated with.
  assert.equal(replay([body[0]!, body[2]!], true), null);
  assert.equal(replay([body[0]!, body[1]!, { ...body[2]!, args: { page: { h: 'p1' }, order: 0 } }], true), null);
});

test('baseline reporting a misuse is no model bug; a design whose checks differ is found and shrunk', () => {
  let reported = 0;
  let found: { i: number; steps: readonly GStep[]; body: number; signature: string } | null = null;
  for (let i = 0; i < 40; i++) {
    const p = generateProgram(1, i, { misuse: true });
    const base = runOracles(p.steps, 'baseline');
    if (base.b!.reports.length > 0) reported++;
    assert.deepEqual(base.findings, [], `program ${i} under baseline`);
    if (found === null) {
      const f = runOracles(p.steps, 'ptdesc-memdesc').findings[0];
      if (f !== undefined) found = { i, steps: p.steps, body: p.body, signature: f.signature };
    }
  }
  assert.ok(reported > 10, `baseline reported on ${reported} misused programs`);
  assert.ok(found !== null, 'ptdesc-memdesc differs from baseline on a misuse');
  const r = shrink(found.steps, found.body, 'ptdesc-memdesc', found.signature, true);
  assert.ok(r.steps.length < found.steps.length && r.steps.some((s) => s.misuse !== undefined), `shrunk to ${r.steps.length} steps, the misuse kept`);
  const f = runOracles(r.steps, 'ptdesc-memdesc').findings.find((x) => x.signature === found!.signature)!;
  const sc = findingScenario(f, r.steps, 1, found.i, found.steps.length);
  assert.equal(sc.reproduces, true);
  assert.match(sc.yaml, /# API misuse \(--misuse\): /);
});
