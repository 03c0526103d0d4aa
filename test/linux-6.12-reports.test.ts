/**
 * The linux-6.12 variant's report text against 6.12.118's source (Debian
 * linux-source-6.12): get_page()/put_page() without 7.3's slab checks, the
 * line of each page type's PAGE_TYPE_OPS(), the oops header and CPU line of
 * a PREEMPT_DYNAMIC build, WARN_ON() without its condition line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { variantLookup } from '../src/engine/load.js';
import { opLookup } from '../src/engine/registry.js';
import { runScenario } from '../src/engine/run.js';
import { parseScenario } from '../src/scenario/parse.js';

function run(yaml: string, variant = 'linux-6.12') {
  return runScenario(parseScenario(yaml, 't.yaml', opLookup, variantLookup), variant);
}

const SLAB_PAGE = `machine: {memory: 64MiB, cpus: 1}
steps:
  - kmem_cache_create: {name: foo, size: 256}
    as: c
  - kmem_cache_alloc: {cache: c}
    as: o
  - virt_to_page: o
    as: pg
  - get_page: pg
  - page_ref_count: pg
  - put_page: pg
  - page_ref_count: pg
  - put_page: pg
`;

test('linux-6.12: get_page() of a slab page takes a reference without a WARN; put_page() of the last one frees it: Bad page state', () => {
  const r = run(SLAB_PAGE);
  assert.deepEqual(
    r.steps.filter((s) => s.op === 'page_ref_count').map((s) => s.result),
    [2, 1],
  );
  assert.equal(r.reports.filter((x) => x.kind === 'WARN').length, 0);
  assert.equal(r.outcome, 'bad_page');
  const bad = r.reports.find((x) => x.kind === 'bad_page')!;
  assert.equal(bad.step, 8);
  const lines = bad.text.split('\n');
  assert.equal(lines[0], 'BUG: Bad page state in process pagesim  pfn:02000');
  assert.match(lines[1]!, /^page: refcount:0 mapcount:0 mapping:0000000000000000 index:0x[0-9a-f]+ pfn:0x2000$/);
  assert.ok(lines.includes('page_type: f5(slab)'), bad.text);
  // page_bad_reason(): the last test that matches names the page. The new
  // slab is the CPU slab, on no list, so page->mapping (slab_list.prev) is
  // NULL and the slab type in _mapcount names it.
  assert.ok(lines.includes('page dumped because: nonzero mapcount'), bad.text);
  assert.ok(lines.includes('CPU: 0 UID: 0 PID: 1 Comm: pagesim Not tainted 6.12.118-pagesim #1 '), bad.text);
  // The free went through folio_put(): __folio_put() frees the slab page.
  assert.match(bad.text, /^ __folio_put\+0x[0-9a-f]+\/0x[0-9a-f]+$/m);
});

test('baseline: get_page() of a slab page WARNs at include/linux/mm.h:1855 and put_page() ignores it (7.3)', () => {
  const r = run(SLAB_PAGE, 'baseline');
  const warns = r.reports.filter((x) => x.kind === 'WARN');
  assert.equal(warns.length, 1);
  assert.match(warns[0]!.text, /^folio_test_slab\(folio\)\nWARNING: include\/linux\/mm\.h:1855 at /m);
  assert.equal(r.reports.filter((x) => x.kind === 'bad_page').length, 0);
});

/** A page given type `first`, then __SetPage`second`: PAGE_TYPE_OPS()'s VM_BUG_ON_PAGE in __SetPage`second`. */
function setTwice(first: string, second: string, variant = 'linux-6.12') {
  return run(
    `machine: {memory: 64MiB, cpus: 1}
steps:
  - alloc_pages: {gfp: GFP_KERNEL}
    as: p
  - __SetPage${first}: p
  - __SetPage${second}: p
`,
    variant,
  );
}

// PAGE_TYPE_OPS(Buddy/Offline/Table/Guard/Zsmalloc/Unaccepted) in 6.12.118's include/linux/page-flags.h.
const TYPE_LINES_6_12: readonly (readonly [string, number, number])[] = [
  // [type, 6.12 line, baseline (7.3.0-rc5) line]
  ['Buddy', 1016, 1006],
  ['Offline', 1047, 1037],
  ['Table', 1057, 1047],
  ['Guard', 1062, 1052],
  ['Zsmalloc', 1084, 1062],
  ['Unaccepted', 1091, 1069],
];

for (const [type, line, line73] of TYPE_LINES_6_12) {
  test(`linux-6.12: __SetPage${type} on a typed page BUGs at include/linux/page-flags.h:${line} (the baseline: ${line73})`, () => {
    const first = type === 'Offline' ? 'Guard' : 'Offline';
    const r = setTwice(first, type);
    assert.equal(r.outcome, 'bug');
    const bug = r.reports[0]!;
    assert.equal(bug.function, `__SetPage${type}`);
    assert.equal(bug.message, `kernel BUG at include/linux/page-flags.h:${line}!`);
    assert.ok(bug.text.split('\n').includes('page dumped because: VM_BUG_ON_PAGE(data_race(page->page_type) != UINT_MAX)'), bug.text);
    assert.equal(setTwice(first, type, 'baseline').reports[0]!.message, `kernel BUG at include/linux/page-flags.h:${line73}!`);
  });
}

test('linux-6.12: __ClearPageTable of an Offline page BUGs at Table\'s line, include/linux/page-flags.h:1057', () => {
  const r = run(`machine: {memory: 64MiB, cpus: 1}
steps:
  - alloc_pages: {gfp: GFP_KERNEL}
    as: p
  - __SetPageOffline: p
  - __ClearPageTable: p
`);
  assert.equal(r.reports[0]!.message, 'kernel BUG at include/linux/page-flags.h:1057!');
  assert.ok(r.reports[0]!.text.split('\n').includes('page dumped because: VM_BUG_ON_PAGE(!PageTable(page))'));
});

test('linux-6.12: the oops header and CPU line of 6.12 (__die_header() with CONFIG_PREEMPTION, dump_stack_print_info() without a preempt model)', () => {
  const r = setTwice('Offline', 'Guard');
  const lines = r.reports[0]!.text.split('\n');
  const at = lines.indexOf('kernel BUG at include/linux/page-flags.h:1062!');
  assert.ok(at > 0, r.reports[0]!.text);
  assert.deepEqual(lines.slice(at - 1, at + 5), [
    '------------[ cut here ]------------',
    'kernel BUG at include/linux/page-flags.h:1062!',
    'Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI',
    'CPU: 0 UID: 0 PID: 1 Comm: pagesim Not tainted 6.12.118-pagesim #1 ',
    'Hardware name: pagesim virtual machine, BIOS pagesim 01/01/2026',
    'RIP: 0010:pagesim_run_step+0x31b/0x320',
  ]);
  const base = setTwice('Offline', 'Guard', 'baseline').reports[0]!.text.split('\n');
  assert.ok(base.includes('Oops: invalid opcode: 0000 [#1] SMP NOPTI'));
  assert.ok(base.includes('CPU: 0 UID: 0 PID: 1 Comm: pagesim Not tainted 7.3.0-rc5-pagesim #1 PREEMPT(voluntary)'));
});

test('linux-6.12: WARN_ON_ONCE() prints no condition line above the banner; the baseline prints it', () => {
  const yaml = `machine: {memory: 64MiB, cpus: 1}
steps:
  - alloc_pages: {gfp: GFP_KERNEL, order: 11}
`;
  const r = run(yaml);
  const lines = r.reports.find((x) => x.kind === 'WARN')!.text.split('\n');
  const cut = lines.indexOf('------------[ cut here ]------------');
  assert.match(lines[cut + 1]!, /^WARNING: CPU: 0 PID: 1 at mm\/page_alloc\.c:4835 __alloc_pages_noprof\+0x[0-9a-f]+\/0x[0-9a-f]+$/);
  assert.equal(lines[cut + 2], 'Modules linked in:');
  assert.equal(lines[cut + 3], 'CPU: 0 UID: 0 PID: 1 Comm: pagesim Not tainted 6.12.118-pagesim #1 ');
  const base = run(yaml, 'baseline').reports.find((x) => x.kind === 'WARN')!.text.split('\n');
  const bcut = base.indexOf('------------[ cut here ]------------');
  assert.equal(base[bcut + 1], 'order > MAX_PAGE_ORDER');
  assert.match(base[bcut + 2]!, /^WARNING: mm\/page_alloc\.c:5340 at /);
});

const GUP_TOUCH = `machine: {memory: 256MiB}
steps:
  - mm_alloc: {}
    as: m
  - mmap: {mm: m, len: 4KiB}
    as: a
  - get_user_page_vma_remote: {mm: m, addr: a, gup_flags: FOLL_WRITE}
    as: p
  - page_ref_count: p
  - PageLRU: p
  - folio_test_referenced: p
  - folio_test_active: p
  - pin_user_pages: {mm: m, start: a, nr_pages: 1, gup_flags: FOLL_WRITE | FOLL_LONGTERM}
  - page_ref_count: p
  - folio_test_referenced: p
  - folio_test_active: p
`;

/** The results of the read steps, by op, in order. */
function reads(r: ReturnType<typeof run>): string[] {
  return r.steps.filter((s) => !['mm_alloc', 'mmap', 'get_user_page_vma_remote', 'pin_user_pages'].includes(s.op)).map((s) => `${s.op}=${String(s.result)}`);
}

test('GUP with FOLL_TOUCH marks the folio accessed: referenced on the first touch, active on the second (baseline at once, linux-6.12 through the lru_add batch)', () => {
  // The fault and the FOLL_GET reference, then the pin: two touches.
  assert.deepEqual(reads(run(GUP_TOUCH, 'baseline')), [
    'page_ref_count=2',
    'PageLRU=true',
    'folio_test_referenced=true',
    'folio_test_active=false',
    'page_ref_count=1026',
    'folio_test_referenced=false',
    'folio_test_active=true',
  ]);
  // 6.12 (and 7.3): the lru_add batch holds a reference and the folio is not PageLRU yet; the second touch sets PG_active in the batch.
  assert.deepEqual(reads(run(GUP_TOUCH)), [
    'page_ref_count=3',
    'PageLRU=false',
    'folio_test_referenced=true',
    'folio_test_active=false',
    'page_ref_count=1027',
    'folio_test_referenced=false',
    'folio_test_active=true',
  ]);
});
