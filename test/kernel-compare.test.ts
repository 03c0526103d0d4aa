/**
 * The differential run's comparison (test/kernel/compare.ts): a kernel
 * console and a pagesim run agree when they differ only in what two
 * machines cannot share (pfns, addresses, hashed pointers, process names,
 * KUnit's TEST taint), and differ on anything else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareSides, normaliseReportLine, Names, pagesimSide, parseKernelSuite, splitSuites, staleEqual, type PagesimRun } from './kernel/compare.js';

const CONSOLE = `[    0.5] KTAP version 1
    # Subtest: pagesim_double_free
    # module: pagesim_double_free_kunit
    1..1
pagesim: step 1 alloc_pages = pfn 0x2d94
pagesim: step 2 __free_pages
page: refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x2d94
flags: 0xfffffc0000000(node=0|zone=1|lastcpupid=0x1fffff)
raw: 000fffffc0000000 ffffea00000b6548 ffff88803ec2d6a0 0000000000000000
raw: 0000000000000000 0000000000000000 00000000ffffffff 0000000000000000
page dumped because: VM_BUG_ON_PAGE(page_ref_count(page) == 0)
------------[ cut here ]------------
kernel BUG at include/linux/mm.h:1140!
CPU: 0 UID: 0 PID: 32 Comm: kunit_try_catch Tainted: G                 N 6.12.118 #4
Tainted: [N]=TEST
    not ok 1 pagesim_double_free_test
not ok 1 pagesim_double_free
`;

function psRun(pfn: number, bugLine: string): PagesimRun {
  const text = [
    `page: refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x${pfn.toString(16)}`,
    'flags: 0xfffffc0000000(node=0|zone=1|lastcpupid=0x1fffff)',
    'raw: 000fffffc0000000 ffffea0000080048 ffff88803efbe960 0000000000000000',
    'raw: 0000000000000000 0000000000000000 00000000ffffffff 0000000000000000',
    'page dumped because: VM_BUG_ON_PAGE(page_ref_count(page) == 0)',
    '------------[ cut here ]------------',
    bugLine,
    'CPU: 0 UID: 0 PID: 1 Comm: pagesim Not tainted 7.0.0-pagesim #1 PREEMPT(voluntary)',
  ].join('\n');
  return {
    outcome: 'bug',
    steps: [
      { index: 1, op: 'alloc_pages', line: 9, result: { page: 'ffffea0000080000', pfn }, reports: [] },
      { index: 2, op: '__free_pages', line: 11, result: null, reports: [] },
      { index: 3, op: '__free_pages', line: 12, result: null, reports: [{ kind: 'BUG', text }] },
    ],
  };
}

const INFO = new Map([
  [1, { op: 'alloc_pages', as: 'p' }],
  [2, { op: '__free_pages', as: null }],
  [3, { op: '__free_pages', as: null }],
]);

test('the same BUG on two machines agrees; another line number differs, side by side', () => {
  const suites = splitSuites(CONSOLE);
  assert.deepEqual([...suites.keys()], ['pagesim_double_free']);
  const kernel = parseKernelSuite(suites.get('pagesim_double_free')!);
  assert.deepEqual(kernel.steps.map((s) => s.value), ['pfn 0x2d94', null]);
  const same = compareSides(kernel, pagesimSide(psRun(0x2000, 'kernel BUG at include/linux/mm.h:1140!')), INFO);
  assert.deepEqual(same.differences, []);
  assert.equal(same.agree, true);
  assert.equal(same.steps, 2);
  const other = compareSides(kernel, pagesimSide(psRun(0x2000, 'kernel BUG at include/linux/mm.h:1563!')), INFO);
  assert.equal(other.agree, false);
  assert.deepEqual(other.differences, [{ what: 'report', kernel: 'kernel BUG at include/linux/mm.h:1140!', pagesim: 'kernel BUG at include/linux/mm.h:1563!' }]);
});

test('normalisation: pfns and struct page addresses by handle name, pointers, hashed mapping, comm, TEST taint', () => {
  const n = new Names();
  n.pages.set('f', 0x2000);
  assert.equal(normaliseReportLine('page: refcount:1 mapcount:0 mapping:00000000a1b2c3d4 index:0x0 pfn:0x2003', n), 'page: refcount:1 mapcount:0 mapping:<hashed> index:0x0 pfn:f+3');
  assert.equal(normaliseReportLine('raw: 000fffffc0000000 ffffea0000080041 ffff888002000000 dead000000000122', n), 'raw: 000fffffc0000000 <page>+1 <ptr> dead000000000122');
  assert.equal(normaliseReportLine('head: 000fffffc0000209 ffffea0000080001 0000000000000000 0000000300800000', n), 'head: 000fffffc0000209 <f>+1 0000000000000000 0000000300800000');
  assert.equal(normaliseReportLine('BUG: Bad page state in process kunit_try_catch  pfn:02001', n), 'BUG: Bad page state in process <comm>  pfn:f+1');
  assert.equal(normaliseReportLine('Tainted: [B]=BAD_PAGE, [N]=TEST', n), 'Tainted: [B]=BAD_PAGE');
  assert.equal(normaliseReportLine('WARNING: CPU: 0 PID: 32 at mm/slub.c:4520 free_to_partial_list+0x1b3/0x600', n), 'WARNING: CPU: 0 PID: <pid> at mm/slub.c:4520 free_to_partial_list+<off>');
});

test("a pointer the page's previous user left where pagesim has zero is forgiven, and nothing else", () => {
  assert.equal(staleEqual('raw: <ptr> 0000000000000000 00000000ffffffff 0000000000000000', 'raw: 0000000000000000 0000000000000000 00000000ffffffff 0000000000000000'), true);
  assert.equal(staleEqual('page: refcount:0 mapcount:0 mapping:0000000000000000 index:0xffff888002c782a8 pfn:p', 'page: refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:p'), true);
  assert.equal(staleEqual('page: refcount:1 mapcount:0 mapping:0000000000000000 index:0xffff888002c782a8 pfn:p', 'page: refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:p'), false);
  assert.equal(staleEqual('raw: 0000000000000000 0000000000000000', 'raw: <ptr> 0000000000000000'), false);
  // A 32-bit field under a stale pointer's top half (6.12 _folio_nr_pages), a tail page's index off a stale head index.
  assert.equal(staleEqual('raw: <ptr> 0000000000000000 0000000000000000 0000000000000000', 'raw: 0000000000000004 0000000000000000 0000000000000000 0000000000000000'), true);
  assert.equal(staleEqual('raw: <ptr> 0000000000000000', 'raw: 0000000100000004 0000000000000000'), false);
  assert.equal(staleEqual('page: refcount:9 mapcount:1 mapping:0000000000000000 index:0xffff888002d00881 pfn:buf+1', 'page: refcount:9 mapcount:1 mapping:0000000000000000 index:0x1 pfn:buf+1'), true);
  assert.equal(staleEqual('page: refcount:9 mapcount:1 mapping:0000000000000000 index:0xffff888002d00881 pfn:buf+1', 'page: refcount:9 mapcount:1 mapping:0000000000000000 index:0x300 pfn:buf+1'), false);
});

test('known differences: a kernel line ending in " = *" takes any value of that step and operation, nothing else', async () => {
  const { knownLine } = await import('./kernel/differential.js');
  assert.equal(knownLine('step 26 global_zone_page_state = *', 'step 26 global_zone_page_state = 8'), true);
  assert.equal(knownLine('step 26 global_zone_page_state = *', 'step 26 global_zone_page_state = -12'), true);
  assert.equal(knownLine('step 26 global_zone_page_state = *', 'step 25 global_zone_page_state = 8'), false);
  assert.equal(knownLine('step 26 global_zone_page_state = *', 'step 26 global_node_page_state = 8'), false);
  assert.equal(knownLine('step 26 global_zone_page_state = 8', 'step 26 global_zone_page_state = 7'), false);
});
