/**
 * Kernel integer semantics of operation arguments: every integer parameter
 * has the C type the kernel declares it with, a value is converted as C
 * converts it, and then the kernel's own checks decide. Pointers past the
 * memmap reach the kernel as such and fault, as they would there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario } from '../src/scenario/parse.js';
import { opLookup, allOps } from '../src/engine/registry.js';
import { variantLookup } from '../src/engine/load.js';
import { runScenario, type RunResult } from '../src/engine/run.js';
import { argBits, convertArg, toCType } from '../src/scenario/cint.js';
import { int, long, size_t, u32, unsigned_int, unsigned_long } from '../src/layout/ctype.js';

function run(body: string, memory = '256MiB', nodes = 1): RunResult {
  const text = `machine: {memory: ${memory}, nodes: ${nodes}}\nvariants: [baseline]\nsteps:\n${body}`;
  return runScenario(parseScenario(text, 't.yaml', opLookup, variantLookup), 'baseline');
}

test('C conversion: modulo 2^N, then the signed reading for signed types', () => {
  assert.equal(toCType(-2, unsigned_int), 4294967294);
  assert.equal(toCType(-1, unsigned_int), 0xffffffff);
  assert.equal(toCType(-2147483648, unsigned_int), 2147483648);
  assert.equal(toCType(2 ** 32 + 5, int), 5);
  assert.equal(toCType(2 ** 31, int), -(2 ** 31));
  assert.equal(toCType(0xffffffff, int), -1);
  assert.equal(toCType(2 ** 32, u32), 0);
  assert.equal(toCType(-1, long), -1);
  assert.equal(toCType(2 ** 53 - 1, unsigned_long), 2 ** 53 - 1);
  assert.equal(toCType(-4096, unsigned_long), 2 ** 64 - 4096);
  // 2^64 - 1 is no double: the number is the nearest one, the exact bits are kept beside it.
  const args: Record<string, unknown> = {};
  convertArg(args, 'len', -1, size_t);
  assert.equal(argBits(args, 'len'), 0xffffffffffffffffn);
  convertArg(args, 'order', -2, unsigned_int);
  assert.equal(args['order'], 4294967294);
  assert.equal(argBits(args, 'order'), 4294967294n);
});

test('every integer parameter of every operation names its C type', () => {
  const missing = allOps().flatMap((op) => op.params.filter((p) => p.type === 'int' && p.ctype === undefined).map((p) => `${op.name}.${p.name}`));
  assert.deepEqual(missing, []);
});

test('alloc_pages with a negative order: a huge unsigned order, refused by the order check with a WARN and NULL', () => {
  for (const order of ['-2', '-1', '-2147483648']) {
    const r = run(`  - alloc_pages: {order: ${order}}\n    expect: null\n  - check:\n    expect: 0\n`);
    assert.deepEqual(r.failures, [], order);
    assert.deepEqual(r.reports.map((x) => [x.kind, x.message]), [['WARN', 'WARNING: mm/page_alloc.c:5340 at __alloc_frozen_pages_noprof']], order);
  }
});

test('alloc_pages_node: NUMA_NO_NODE is the local node; a negative node BUGs; a node that does not exist faults on its NULL pgdat', () => {
  const local = run('  - alloc_pages_node: {nid: -1}\n');
  assert.equal(local.outcome, 'ok');
  assert.notEqual(local.steps[0]!.result, null);
  const neg = run('  - alloc_pages_node: {nid: -2}\n');
  assert.equal(neg.outcome, 'bug');
  assert.equal(neg.reports[0]!.message, 'kernel BUG at mm/page_alloc.c:5441!');
  assert.equal(neg.reports[0]!.reason, 'VM_BUG_ON(nid < 0 || nid >= MAX_NUMNODES)');
  const offline = run('  - alloc_pages_node: {nid: 5, gfp: GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN}\n');
  assert.equal(offline.outcome, 'bug');
  assert.match(offline.reports[0]!.message, /^BUG: unable to handle page fault for address: 0000000000001b00$/);
  assert.ok(offline.console.includes('GFP_KERNEL|__GFP_NOWARN|__GFP_THISNODE allocation from offline node 5'));
});

test('__free_pages with order -2: the tail loop checks the pages after it, then faults where the memmap ends', () => {
  const r = run('  - alloc_pages: {order: 0}\n    as: p\n  - __free_pages: {page: p, order: -2}\n');
  assert.equal(r.outcome, 'bug');
  const last = r.reports[r.reports.length - 1]!;
  // 256 MiB: the memmap ends at pfn 0x10000; the loop reads _mapcount (0x30) first.
  assert.equal(last.message, `BUG: unable to handle page fault for address: ffffea0000400030`);
  assert.ok(r.reports.some((x) => x.kind === 'bad_page'), 'free pages in the buddy after it are bad (PageBuddy)');
});

test('__free_pages with order 512 on a page with an extra reference: page + (1 << 511) (x86 shifts by 511 mod 32) faults', () => {
  const r = run('  - alloc_pages: {order: 0}\n    as: p\n  - get_page: p\n  - __free_pages: {page: p, order: 512}\n');
  assert.equal(r.outcome, 'bug');
  assert.deepEqual(
    r.reports.map((x) => [x.kind, x.function, x.message]),
    [['BUG', '__free_frozen_pages', 'BUG: unable to handle page fault for address: ffffe9e000080000']],
  );
});

test('prep_compound_page with a huge order faults where the memmap ends, after the tails before it; split_page meets its own check first', () => {
  const prep = run('  - alloc_pages: {order: 0}\n    as: p\n  - prep_compound_page: {page: p, order: 30}\n');
  assert.equal(prep.outcome, 'bug');
  assert.match(prep.reports.at(-1)!.message, /unable to handle page fault for address: ffffea0000400018$/);
  // split_page() gives every page after it a reference: the first one already holding one BUGs, as set_page_refcounted() checks.
  const split = run('  - alloc_pages: {order: 0}\n    as: p\n  - split_page: {page: p, order: 30}\n');
  assert.deepEqual(split.reports.map((x) => [x.kind, x.message]), [['BUG', 'kernel BUG at mm/internal.h:597!']]);
});

test('a page pointer past the memmap or before it reaches the kernel, which faults on it', () => {
  const past = run('  - alloc_pages: {order: 0}\n    as: p\n  - put_page: p + 0x100000\n');
  assert.equal(past.outcome, 'bug');
  assert.equal(past.reports[0]!.message, 'BUG: unable to handle page fault for address: ffffea0004080034');
  assert.equal(past.reports[0]!.step, 2);
  const before = run('  - alloc_pages: {order: 0}\n    as: p\n  - put_page: p - 0x10000000\n');
  assert.equal(before.reports[0]!.message, 'BUG: unable to handle page fault for address: ffffe9fc00080034');
});

test('an int result of -1 reads -1 in an expectation failure, as the step line prints it; an errno result by name', () => {
  const r = run('  - alloc_pages: {order: 0}\n    as: p\n  - folio_ref_sub_return: {folio: p, nr: 2}\n    expect: 0\n');
  assert.deepEqual(r.failures, ['step 2 (t.yaml:6): folio_ref_sub_return(folio=p, nr=2) returned -1, expected 0']);
  const e = run('  - mm_alloc:\n    as: mm\n  - munmap: {mm: mm, addr: 1, len: 4096}\n    expect: 0\n');
  assert.deepEqual(e.failures, ['step 2 (t.yaml:6): munmap(mm=mm, addr=1, len=4096) returned -EINVAL, expected 0']);
});

test('64-bit arguments keep all their bits where the kernel looks at them: madvise alignment and wrap, page->private', () => {
  const mm = '  - mm_alloc:\n    as: mm\n';
  const cases: [string, string][] = [
    ['addr: -1, len: 4096', '-EINVAL'], // 0xffffffffffffffff is not page aligned
    ['addr: -4096, len: 4096', '-EINVAL'], // the range wraps past 2^64
    ['addr: 0x1000, len: -1', '-EINVAL'], // PAGE_ALIGN(len) wraps to 0
    ['addr: -4096, len: 0', '0'], // an empty range
    ['addr: 0x1000, len: 4096', '-ENOMEM'], // nothing mapped there
  ];
  for (const [args, want] of cases) {
    const r = run(`${mm}  - madvise_dontneed: {mm: mm, ${args}}\n    expect: ${want}\n`);
    assert.deepEqual(r.failures, [], args);
  }
  const p = run('  - alloc_pages: {order: 0}\n    as: p\n  - set_page_private: {page: p, private: -1}\n  - dump_page: p\n');
  assert.match(p.steps[2]!.result as string, /^raw: .* ffffffffffffffff /m);
});
