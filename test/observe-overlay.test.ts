/**
 * --watch by the field names of the structs laid over struct page (slab,
 * ptdesc, netmem_desc, folio), which the variant's layout assertions name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadScenario } from '../src/engine/load.js';
import { buildVariant } from '../src/engine/build.js';
import { runScenario } from '../src/engine/run.js';
import { formatWatch } from '../src/format/observe.js';
import { pageOverlays, parseTarget } from '../src/observe/target.js';
import { Watcher } from '../src/observe/watch.js';
import { InputError } from '../src/util/errors.js';
import { repoRoot } from './helpers/machine.js';

const SLAB = join(repoRoot, 'scenarios', 'slab-double-free.yaml');
const SEED_003 = join(repoRoot, 'scenarios', 'ptdesc-pte-free-now.yaml');

function watch(file: string, variant: string, ...targets: string[]) {
  const w = new Watcher(
    targets.map((t) => parseTarget(t, '--watch')),
    variant,
  );
  runScenario(loadScenario(file), variant, { observers: [w] });
  return w.results();
}

test('the structs over struct page come from the layout assertions: the RFC takes ptdesc out', () => {
  const names = (v: string) => {
    const b = buildVariant(v);
    return pageOverlays(b.assertions, b.structs).map((o) => o.name);
  };
  assert.deepEqual(names('baseline'), ['folio', 'ptdesc', 'slab', 'netmem_desc']);
  assert.ok(!names('ptdesc-memdesc-rfc').includes('ptdesc'));
});

test('--watch slab:freelist: struct slab\'s field, its bytes, and the double free written into it', () => {
  const [r, q] = watch(SLAB, 'baseline', 'slab:freelist', 'slab:slab.freelist');
  const slab = buildVariant('baseline').structs.get('slab')!.fields.find((f) => f.path === 'freelist')!;
  assert.deepEqual([r!.start, r!.end], [slab.offset, slab.offset + slab.size]);
  assert.deepEqual(r!.overlay, { struct: 'slab', fields: ['freelist'] });
  // The page's own fields over those bytes are still listed: freelist shares them with index.
  assert.ok(r!.fields.includes('__folio_index'), r!.fields.join());
  // x (offset 0) goes to the head of the freelist in step 10 and again in step 12.
  const heads = r!.hits.filter((h) => h.function === '__slab_free').map((h) => [h.step, h.new.slice(-3)]);
  assert.deepEqual(heads.slice(0, 3), [
    [10, '000'],
    [11, '080'],
    [12, '000'],
  ]);
  assert.deepEqual(
    q!.hits.map((h) => [h.step, h.new]),
    r!.hits.map((h) => [h.step, h.new]),
    'qualified by the struct, the same bytes',
  );
  assert.match(formatWatch(r!), /^  struct slab over it: freelist$/m);
  // A field by struct page's own name has no overlay, and the JSON no key for it.
  const [own] = watch(SLAB, 'baseline', 'slab:_refcount');
  assert.equal('overlay' in own!, false);
});

test('--watch through ptdesc under mainline; under the RFC, which moved the ptdesc out, struct page has no pt_index', () => {
  const [r] = watch(SEED_003, 'baseline', 'pfn:0x2016:pt_index');
  assert.deepEqual(r!.overlay, { struct: 'ptdesc', fields: ['pt_index'] });
  assert.deepEqual([r!.start, r!.end], [32, 40]);
  assert.throws(
    () => watch(SEED_003, 'ptdesc-memdesc-rfc', 'pfn:0x2016:pt_index'),
    (e: unknown) => e instanceof InputError && /struct page has no field "pt_index" under ptdesc-memdesc-rfc, nor has any struct over it \(struct folio, struct slab, struct netmem_desc\)$/.test(e.message),
  );
  assert.throws(
    () => watch(SLAB, 'baseline', 'slab:slab_cach'),
    (e: unknown) => e instanceof InputError && /no field "slab_cach" .*\(did you mean "slab_cache"\?\)$/.test(e.message),
  );
});
