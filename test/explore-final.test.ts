/**
 * pagesim explore: the ownership oracle counts the references the setup's
 * and final:'s operations drop inside the kernel (an munmap's or mmput's
 * TLB-gather puts) as it counts a CPU operation's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import '../src/engine/registry.js';
import { loadScenario } from '../src/engine/load.js';
import { buildVariant } from '../src/engine/build.js';
import { explore, runSchedule } from '../src/explore/search.js';
import { repoRoot } from './helpers/machine.js';

const fixture = (name: string) => loadScenario(join(repoRoot, 'test', 'fixtures', 'explore-final', `${name}.yaml`));

test('final: unmapping a page a CPU mapped drops the pte reference the CPU was credited with: a race-free scenario passes every schedule', () => {
  const scn = fixture('insert-then-unmap-no-race');
  const res = explore(buildVariant('baseline'), scn, 'baseline');
  assert.equal(res.schedules, 5);
  assert.equal(res.failing, 0, [...res.failures.keys()].join('; '));
  assert.equal(res.endStates.size, 1);
});

test('a setup that maps and unmaps a page leaves the allocation reference alone to the CPU that puts it', () => {
  const res = explore(buildVariant('baseline'), fixture('setup-unmap'), 'baseline');
  assert.equal(res.schedules, 5);
  assert.equal(res.failing, 0, [...res.failures.keys()].join('; '));
});

test('vm_insert_page against the last put: the sequential order passes, the racy orders still fail with the use-after-free', () => {
  const scn = fixture('insert-vs-driver-put');
  const built = buildVariant('baseline');
  // CPU 0's vm_insert_page (8 actions) whole, then CPU 1's put_page (2): the pte's reference keeps the page.
  const seq = runSchedule(built, scn, 'baseline', [0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
  assert.deepEqual(seq.trail.map((a) => a.cpu), [0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
  assert.deepEqual(seq.leaf.failures, []);
  assert.deepEqual(seq.leaf.violations, []);
  assert.deepEqual(seq.leaf.run.reports, []);
  const res = explore(built, scn, 'baseline');
  assert.equal(res.schedules, 27);
  assert.equal(res.failing, 22);
  assert.ok(!res.failures.has('lost-reference'), [...res.failures.keys()].join('; '));
  assert.ok(res.failures.has('bad_page free_page_is_bad: nonzero _refcount'), [...res.failures.keys()].join('; '));
  const uaf = res.failures.get('use-after-free')!;
  assert.equal(uaf.count, 12);
  // vm_insert_page() read the count (1), the put took it to 0, folio_get() and the mapping landed, then the put freed it.
  assert.deepEqual(uaf.first.schedule, [0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1]);
  assert.match(uaf.first.failures.join('\n'), /use-after-free: action 11 \(CPU 1, put_page\) freed page pfn 0x[0-9a-f]+ while CPU 0 held a reference to it/);
});
