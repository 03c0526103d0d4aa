/**
 * Scenario operations for the core kernel: the page allocator, refcounts,
 * page flags and types, folio geometry, and the machine-level steps
 * (check, dump_page, proc, drain_all_pages).
 */

import { defineMethodOp, defineOp, P, C } from './ops.js';
import { PAGEFLAG_NAMES, PAGE_FLAG_ACCESSORS, PAGE_FLAG_DECLS, PAGE_TYPE_DECLS, PAGE_TYPE_RESET } from '../kernel/page-flags.js';

const PG_NAME = new Map(PAGEFLAG_NAMES);
import type { Kernel } from '../kernel/kernel.js';
import { GFP_KERNEL } from '../kernel/gfp.js';
import { argBits } from '../scenario/cint.js';
import { addPage, defineFuzz, LIVE, ps, type GenApi, type Need, type Obj } from '../fuzz/model.js';

const ALLOC = 'page allocator (mm/page_alloc.c)';
const REF = 'refcounts (include/linux/page_ref.h, mm.h)';
const FLAGS = 'page flags (include/linux/page-flags.h)';
const TYPES = 'page types (include/linux/page-flags.h)';
const FOLIO = 'folios (include/linux/mm.h)';
const MACHINE = 'machine';

// ---- page allocator -------------------------------------------------------
defineMethodOp(ALLOC, 'alloc_pages', [P.gfp('gfp', GFP_KERNEL), P.int('order', C.unsigned_int, 0)], 'page', 'Allocate 2^order pages; refcount 1 on the first. NULL on failure.');
defineMethodOp(ALLOC, 'alloc_pages_node', [P.int('nid', C.int), P.gfp('gfp', GFP_KERNEL), P.int('order', C.unsigned_int, 0)], 'page', 'alloc_pages() preferring node nid.');
defineMethodOp(ALLOC, 'alloc_frozen_pages', [P.gfp('gfp', GFP_KERNEL), P.int('order', C.unsigned_int, 0)], 'page', 'Allocate without taking a reference: the page comes back frozen (refcount 0).');
defineMethodOp(ALLOC, 'folio_alloc', [P.gfp('gfp', GFP_KERNEL), P.int('order', C.unsigned_int, 0)], 'page', 'Allocate a folio (__GFP_COMP added); large folios are marked rmappable.');
defineMethodOp(ALLOC, '__free_pages', [P.page(), P.int('order', C.unsigned_int, 0)], 'void', 'Drop a reference; free the 2^order pages when it was the last.');
defineMethodOp(ALLOC, 'free_frozen_pages', [P.page(), P.int('order', C.unsigned_int, 0)], 'void', 'Free pages whose refcount is already 0.');
defineMethodOp(ALLOC, 'split_page', [P.page(), P.int('order', C.unsigned_int)], 'void', 'Split a non-compound high-order allocation into order-0 pages, each with refcount 1.');
defineMethodOp(ALLOC, 'prep_compound_page', [P.page(), P.int('order', C.unsigned_int)], 'void', 'Make 2^order pages a compound page (PG_head, tails, folio fields).');
defineMethodOp(ALLOC, 'post_alloc_hook', [P.page(), P.int('order', C.unsigned_int), P.gfp('gfp', GFP_KERNEL)], 'void', 'What the allocator does to a page before handing it out.');
defineMethodOp(ALLOC, 'free_pages_prepare', [P.page(), P.int('order', C.unsigned_int, 0)], 'bool', 'The free-path checks and cleanup; false if the page is bad.');
defineMethodOp(ALLOC, 'check_new_page', [P.page()], 'bool', 'The allocation-path check; true (and a report) if the page is bad.');
defineMethodOp(ALLOC, 'set_page_refcounted', [P.page()], 'void', 'Give a frozen page its first reference (VM_BUG_ON if not frozen).');
defineOp({ name: 'drain_all_pages', params: [], result: 'void', group: ALLOC, doc: 'Return every CPU\'s per-CPU pages to the buddy lists.', run: (k) => k.drain_all_pages(null) });

// ---- refcounts ------------------------------------------------------------
for (const name of ['page_ref_count', 'page_count']) defineMethodOp(REF, name, [P.page()], 'int', `${name}()`);
defineMethodOp(REF, 'folio_ref_count', [P.page('folio')], 'int', 'folio_ref_count()');
defineMethodOp(REF, 'set_page_count', [P.page(), P.int('v', C.int)], 'void', 'Write the refcount directly.');
defineMethodOp(REF, 'init_page_count', [P.page()], 'void', 'Initialise the refcount to 1.');
defineMethodOp(REF, 'folio_set_count', [P.page('folio'), P.int('v', C.int)], 'void', 'Write a folio\'s refcount directly (folio_init_count under refcount-frozen-warn).');
for (const name of ['page_ref_add', 'page_ref_sub']) defineMethodOp(REF, name, [P.page(), P.int('nr', C.int)], 'void', `${name}()`);
for (const name of ['page_ref_inc', 'page_ref_dec']) defineMethodOp(REF, name, [P.page()], 'void', `${name}()`);
for (const name of ['folio_ref_add', 'folio_ref_sub']) defineMethodOp(REF, name, [P.page('folio'), P.int('nr', C.int)], 'void', `${name}()`);
for (const name of ['folio_ref_inc', 'folio_ref_dec']) defineMethodOp(REF, name, [P.page('folio')], 'void', `${name}()`);
defineMethodOp(REF, 'page_ref_sub_and_test', [P.page(), P.int('nr', C.int)], 'bool', 'Subtract; true if the count reached 0.');
defineMethodOp(REF, 'page_ref_dec_and_test', [P.page()], 'bool', 'Decrement; true if the count reached 0.');
defineMethodOp(REF, 'folio_ref_sub_and_test', [P.page('folio'), P.int('nr', C.int)], 'bool', 'folio_ref_sub_and_test()');
defineMethodOp(REF, 'folio_ref_dec_and_test', [P.page('folio')], 'bool', 'folio_ref_dec_and_test()');
defineMethodOp(REF, 'page_ref_inc_return', [P.page()], 'int', 'Increment; the new count.');
defineMethodOp(REF, 'page_ref_dec_return', [P.page()], 'int', 'Decrement; the new count.');
defineMethodOp(REF, 'folio_ref_sub_return', [P.page('folio'), P.int('nr', C.int)], 'int', 'Subtract; the new count.');
defineMethodOp(REF, 'page_ref_add_unless', [P.page(), P.int('nr', C.int), P.int('u', C.int)], 'bool', 'Add unless the count is u.');
defineMethodOp(REF, 'page_ref_add_unless_zero', [P.page(), P.int('nr', C.int)], 'bool', 'Add unless frozen (renamed page_ref_add_unless_frozen by seed 004).');
defineMethodOp(REF, 'folio_ref_add_unless_zero', [P.page('folio'), P.int('nr', C.int)], 'bool', 'folio_ref_add_unless_zero()');
defineMethodOp(REF, 'folio_try_get', [P.page('folio')], 'bool', 'Take a reference unless the folio is frozen.');
defineMethodOp(REF, 'folio_ref_try_add', [P.page('folio'), P.int('count', C.int)], 'bool', 'folio_ref_try_add()');
defineMethodOp(REF, 'get_page_unless_zero', [P.page()], 'bool', 'get_page_unless_zero()');
defineMethodOp(REF, 'page_ref_freeze', [P.page(), P.int('count', C.int)], 'bool', 'Freeze if the count is exactly count.');
defineMethodOp(REF, 'page_ref_unfreeze', [P.page(), P.int('count', C.int)], 'void', 'Unfreeze to count (VM_BUG_ON unless frozen, and count != 0).');
defineMethodOp(REF, 'folio_ref_freeze', [P.page('folio'), P.int('count', C.int)], 'bool', 'folio_ref_freeze()');
defineMethodOp(REF, 'folio_ref_unfreeze', [P.page('folio'), P.int('count', C.int)], 'void', 'folio_ref_unfreeze()');
defineMethodOp(REF, 'folio_get', [P.page('folio')], 'void', 'Take a reference (VM_BUG_ON on a zero or overflowing count).');
defineMethodOp(REF, 'folio_put', [P.page('folio')], 'void', 'Drop a reference; free the folio on the last.');
defineMethodOp(REF, 'folio_put_refs', [P.page('folio'), P.int('refs', C.int)], 'void', 'Drop refs references.');
defineMethodOp(REF, 'get_page', [P.page()], 'void', 'folio_get() on the page\'s folio (refused for slab and large kmalloc pages).');
defineMethodOp(REF, 'put_page', [P.page()], 'void', 'folio_put() on the page\'s folio.');
defineMethodOp(REF, 'try_get_page', [P.page()], 'bool', 'try_get_page()');
defineMethodOp(REF, 'put_page_testzero', [P.page()], 'bool', 'Drop a reference without freeing; true if it was the last.');
// Seed 004 patch 1/2 API (refcount-frozen-warn and above).
defineMethodOp(REF, 'set_page_count_frozen', [P.page()], 'void', 'Mark a page frozen (seed 004).', 'set_page_count_frozen');
defineMethodOp(REF, 'folio_init_count', [P.page('folio')], 'void', 'Initialise a folio\'s refcount to 1 (seed 004).', 'folio_init_count');
defineMethodOp(REF, 'page_ref_add_unless_frozen', [P.page(), P.int('nr', C.int)], 'bool', 'Add unless frozen (seed 004).', 'page_ref_add_unless_frozen');
defineMethodOp(REF, 'folio_ref_add_unless_frozen', [P.page('folio'), P.int('nr', C.int)], 'bool', 'Add unless frozen (seed 004).', 'folio_ref_add_unless_frozen');

// ---- folio geometry and mapcount -------------------------------------------
for (const name of ['folio_nr_pages', 'folio_order', 'folio_mapcount', 'folio_large_mapcount', 'folio_entire_mapcount']) defineMethodOp(FOLIO, name, [P.page('folio')], 'int', `${name}()`);
defineMethodOp(FOLIO, 'compound_order', [P.page()], 'int', 'compound_order(): 0 unless the page is a head.');
defineMethodOp(FOLIO, 'folio_test_large', [P.page('folio')], 'bool', 'folio_test_large()');
defineMethodOp(FOLIO, 'folio_mapped', [P.page('folio')], 'bool', 'folio_mapped()');
defineOp({ name: 'page_folio', params: [P.page()], result: 'page', group: FOLIO, doc: 'The folio (head page) a page belongs to.', run: (k, a) => k.page_folio(a['page'] as number) });
defineOp({ name: 'compound_head', params: [P.page()], result: 'page', group: FOLIO, doc: 'compound_head()', run: (k, a) => k.compound_head(a['page'] as number) });
for (const name of ['PageTail', 'PageCompound', 'page_has_type']) defineMethodOp(FLAGS, name, [P.page()], 'bool', `${name}()`);

// ---- page flags: the page accessors page-flags.h declares (PageX, SetPageX, ...), folio_test_x / folio_set_x / folio_clear_x for every flag
for (const f of PAGE_FLAG_DECLS) {
  const n = f.folioPage;
  const where = n === 1 ? ' (in the second page)' : '';
  defineOp({ name: `folio_test_${f.lname}`, params: [P.page('folio')], result: 'bool', group: FLAGS, doc: `PG_${f.lname}${where}`, run: (k, a) => folioFlag(k, a, f.bit, n, 'test') });
  defineOp({ name: `folio_set_${f.lname}`, params: [P.page('folio')], result: 'void', group: FLAGS, doc: `set PG_${f.lname}${where}`, run: (k, a) => folioFlag(k, a, f.bit, n, 'set') });
  defineOp({ name: `folio_clear_${f.lname}`, params: [P.page('folio')], result: 'void', group: FLAGS, doc: `clear PG_${f.lname}${where}`, run: (k, a) => folioFlag(k, a, f.bit, n, 'clear') });
}
for (const acc of PAGE_FLAG_ACCESSORS.values()) {
  const what = acc.name.startsWith('Page') ? 'test' : acc.name.startsWith('__') ? 'non-atomic ' + (acc.name.startsWith('__Set') ? 'set' : 'clear') : acc.name.startsWith('Set') ? 'set' : 'clear';
  const doc = `${what} PG_${PG_NAME.get(acc.bit) ?? acc.bit} (${acc.policy}; page-flags.h:${acc.poisoned.line})`;
  if (acc.name.startsWith('Page')) defineOp({ name: acc.name, params: [P.page()], result: 'bool', group: FLAGS, doc, run: (k, a) => k.testPageFlag(a['page'] as number, acc) });
  else if (what.endsWith('set')) defineOp({ name: acc.name, params: [P.page()], result: 'void', group: FLAGS, doc, run: (k, a) => k.setPageFlag(a['page'] as number, acc) });
  else defineOp({ name: acc.name, params: [P.page()], result: 'void', group: FLAGS, doc, run: (k, a) => k.clearPageFlag(a['page'] as number, acc) });
}
// The accessors page-flags.h writes out as functions.
for (const name of ['PageHead', 'PageUptodate', 'PageAnon', 'PageAnonExclusive']) defineMethodOp(FLAGS, name, [P.page()], 'bool', `${name}()`);
for (const name of ['SetPageUptodate', 'SetPageAnonExclusive', 'ClearPageAnonExclusive', '__ClearPageAnonExclusive']) defineMethodOp(FLAGS, name, [P.page()], 'void', `${name}()`);
defineOp({ name: '__SetPageUptodate', params: [P.page()], result: 'void', group: FLAGS, doc: '__folio_mark_uptodate() on the page taken as a folio', run: (k, a) => k.SetPageUptodate(a['page'] as number) });

function folioFlag(k: Kernel, a: Record<string, unknown>, b: number, n: number, what: 'test' | 'set' | 'clear'): boolean | undefined {
  const folio = a['folio'] as number;
  if (what === 'test') return k.folio_test_flag(folio, b, n);
  if (what === 'set') k.folio_set_flag(folio, b, n);
  else k.folio_clear_flag(folio, b, n);
  return undefined;
}

// ---- page types: PageX / __SetPageX / __ClearPageX, folio_test_x
for (const t of PAGE_TYPE_DECLS) registerPageType(t.uname, t.lname, t.value);

/** Registers the operations of one page type (variants adding a type call this too). */
export function registerPageType(uname: string, lname: string, value: number, requires?: string): void {
  const extra = requires !== undefined ? { requires } : {};
  defineOp({ name: `Page${uname}`, params: [P.page()], result: 'bool', group: TYPES, doc: `page_type == PGTY_${lname} (0x${value.toString(16)})`, run: (k, a) => k.PageType(a['page'] as number, value), ...extra });
  defineOp({ name: `__SetPage${uname}`, params: [P.page()], result: 'void', group: TYPES, doc: `set PGTY_${lname} (VM_BUG_ON unless untyped)`, run: (k, a) => k.__SetPageType(a['page'] as number, value), ...extra });
  defineOp({ name: `__ClearPage${uname}`, params: [P.page()], result: 'void', group: TYPES, doc: `clear PGTY_${lname} (VM_BUG_ON unless of that type)`, run: (k, a) => k.__ClearPageType(a['page'] as number, value), ...extra });
  defineOp({ name: `folio_test_${lname}`, params: [P.page('folio')], result: 'bool', group: TYPES, doc: `folio is PGTY_${lname}`, run: (k, a) => k.PageType(a['folio'] as number, value), ...extra });
}

// ---- raw field access, for scenarios that play a buggy caller --------------
defineOp({
  name: 'page_type_raw',
  params: [P.page()],
  result: 'int',
  group: TYPES,
  doc: 'The 32-bit page_type / _mapcount word as an unsigned number.',
  run: (k, a) => k.page_type(a['page'] as number),
});
defineOp({
  name: 'set_page_type_raw',
  params: [P.page(), P.int('value', C.unsigned_int, PAGE_TYPE_RESET)],
  result: 'void',
  group: TYPES,
  doc: 'Write the page_type / _mapcount word directly (what a caller that scribbles on it does).',
  run: (k, a) => k.set_page_type(a['page'] as number, (a['value'] as number) >>> 0),
});
defineOp({
  name: 'set_page_private',
  params: [P.page(), P.int('private', C.unsigned_long)],
  result: 'void',
  group: FOLIO,
  doc: 'Write page->private.',
  // All 64 bits as C passes them (-1 is 0xffffffffffffffff): the signed reading of the bits is exact.
  run: (k, a) => k.set_page_private(a['page'] as number, Number(BigInt.asIntN(64, argBits(a, 'private')))),
});
defineMethodOp(FOLIO, 'page_private', [P.page()], 'int', 'Read page->private.');

// ---- machine-level steps ---------------------------------------------------
defineOp({
  name: 'dump_page',
  params: [P.page(), P.string('reason', '')],
  result: 'text',
  group: MACHINE,
  doc: 'dump_page(): print the page as the kernel does; the result is the text.',
  run: (k, a) => k.dump_page(a['page'] as number, (a['reason'] as string) === '' ? null : (a['reason'] as string)).join('\n'),
});

// ---- what the fuzzer may call (src/fuzz/model.ts): needs, gives, obligations ------------

const ORDERS = [0, 0, 1, 2, 3, 9] as const;
/** Pages the program may free with __free_pages(page, order): its own allocation, its last reference, unmapped. */
const FREEABLE: Need = { kind: 'page', where: (o) => ps(o).release === 'free' && ps(o).refs === 1 && ps(o).mapped === 0 && !ps(o).pgtable };
/** A page put_page() may take the last reference of: order 0 or a folio (put_page on a bare high-order block frees its head only). */
const PUTTABLE: Need = { kind: 'page', where: (o) => ps(o).refs >= 1 && (ps(o).release === 'put' || ps(o).release === 'put-any' || (ps(o).release === 'free' && ps(o).type === null && (ps(o).order === 0 || ps(o).compound))) && !ps(o).pgtable };
/** A page the program may take one more reference on (a bounded number). */
const GETTABLE: Need = { kind: 'page', where: (o) => ps(o).refs >= 1 && ps(o).refs < 4 && ps(o).release !== 'pool' && !ps(o).pgtable && ps(o).type === null };

/**
 * A folio argument: a page the program knows to be a folio's head. A page
 * from GUP may be a tail of a THP, and folio_*() on a tail is the caller's
 * bug (page_folio() first).
 */
function asFolio(n: Need): Need {
  return { kind: 'page', where: (o, g) => n.where!(o, g) && ps(o).release !== 'put-any' };
}

/** The last reference to a page object has gone: it is freed now, or when its last mapping goes. */
function putRef(g: GenApi, o: Obj): void {
  const s = ps(o);
  s.refs--;
  if (s.refs === 0 && s.mapped === 0) g.drop(o);
}

defineFuzz('alloc_pages', { weight: 4, gives: 'p', args: (g) => ({ gfp: { gfp: 'GFP_KERNEL' }, order: g.biased(ORDERS) }), effect: (g, _p, as, a) => void addPage(g, as!, { order: a['order'] as number, release: 'free' }) });
defineFuzz('folio_alloc', { weight: 2, gives: 'f', args: (g) => ({ gfp: { gfp: 'GFP_KERNEL' }, order: g.biased(ORDERS) }), effect: (g, _p, as, a) => void addPage(g, as!, { order: a['order'] as number, compound: (a['order'] as number) > 0, release: 'put' }) });
defineFuzz('alloc_frozen_pages', { gives: 'z', args: (g) => ({ gfp: { gfp: 'GFP_KERNEL' }, order: g.biased([0, 0, 1, 2]) }), effect: (g, _p, as, a) => void addPage(g, as!, { order: a['order'] as number, refs: 0, release: 'frozen' }) });
defineFuzz('set_page_refcounted', { needs: { page: { kind: 'page', where: (o) => ps(o).release === 'frozen' && ps(o).refs === 0 } }, effect: (_g, p) => void Object.assign(p['page']!.s, { refs: 1, release: 'free' }) });
defineFuzz('free_frozen_pages', { needs: { page: { kind: 'page', where: (o) => ps(o).release === 'frozen' && ps(o).refs === 0 } }, args: (_g, p) => ({ order: ps(p['page']!).order }), effect: (g, p) => g.drop(p['page']!) });
defineFuzz('__free_pages', { weight: 3, needs: { page: FREEABLE }, args: (_g, p) => ({ order: ps(p['page']!).order }), effect: (g, p) => g.drop(p['page']!) });
defineFuzz('split_page', {
  needs: { page: { kind: 'page', where: (o) => FREEABLE.where!(o, undefined as never) && ps(o).order > 0 && ps(o).order < 4 && !ps(o).compound && ps(o).type === null } },
  args: (_g, p) => ({ order: ps(p['page']!).order }),
  effect(g, p) {
    const o = p['page']!;
    g.drop(o);
    for (let i = 0; i < 1 << ps(o).order; i++) addPage(g, i === 0 ? o.name : `${o.name}+${i}`, { release: 'free' });
  },
});
defineFuzz('put_page', { weight: 2, needs: { page: PUTTABLE }, effect: (g, p) => putRef(g, p['page']!) });
defineFuzz('folio_put', { needs: { folio: asFolio(PUTTABLE) }, effect: (g, p) => putRef(g, p['folio']!) });
defineFuzz('get_page', { weight: 2, needs: { page: GETTABLE }, effect: (_g, p) => void ps(p['page']!).refs++ });
defineFuzz('folio_get', { needs: { folio: asFolio(GETTABLE) }, effect: (_g, p) => void ps(p['folio']!).refs++ });
defineFuzz('page_ref_inc', { needs: { page: asFolio(GETTABLE) }, effect: (_g, p) => void ps(p['page']!).refs++ });
defineFuzz('get_page_unless_zero', { needs: { page: asFolio(GETTABLE) }, effect: (_g, p) => void ps(p['page']!).refs++ });
defineFuzz('folio_try_get', { needs: { folio: asFolio(GETTABLE) }, effect: (_g, p) => void ps(p['folio']!).refs++ });
defineFuzz('page_ref_dec', { needs: { page: { kind: 'page', where: (o) => ps(o).refs >= 2 && ps(o).release !== 'pool' && ps(o).release !== 'put-any' } }, effect: (_g, p) => void ps(p['page']!).refs-- });
defineFuzz('put_page_testzero', { needs: { page: { kind: 'page', where: (o) => ps(o).refs >= 2 && ps(o).release !== 'pool' && ps(o).release !== 'put-any' } }, effect: (_g, p) => void ps(p['page']!).refs-- });
// Reading a page the program holds or has mapped is always allowed; these make the differential oracle's counts.
for (const name of ['page_ref_count', 'page_count', 'compound_order', 'PageTail', 'PageCompound', 'page_has_type', 'page_type_raw', 'PageHead', 'compound_head', 'page_folio']) defineFuzz(name, { weight: 0.3, needs: { page: LIVE } });
for (const name of ['folio_ref_count', 'folio_nr_pages', 'folio_order', 'folio_mapcount', 'folio_mapped', 'folio_test_large']) defineFuzz(name, { weight: 0.3, needs: { folio: asFolio(LIVE) } });
defineFuzz('dump_page', { weight: 0.2, needs: { page: LIVE }, args: () => ({ reason: 'fuzz' }) });
defineFuzz('drain_all_pages', { weight: 0.5 });
// Page types a driver or a subsystem sets on a page it allocated, and clears (or leaves to the free path, which resets any type since seed 001).
for (const t of ['Table', 'Offline', 'Zsmalloc']) {
  defineFuzz(`__SetPage${t}`, { weight: 1.5, needs: { page: { kind: 'page', where: (o) => ps(o).release === 'free' && ps(o).refs === 1 && ps(o).mapped === 0 && ps(o).type === null && !ps(o).pgtable } }, effect: (_g, p) => void (ps(p['page']!).type = t) });
  defineFuzz(`__ClearPage${t}`, { needs: { page: { kind: 'page', where: (o) => ps(o).type === t && ps(o).refs >= 1 } }, effect: (_g, p) => void (ps(p['page']!).type = null) });
  defineFuzz(`Page${t}`, { weight: 0.3, needs: { page: LIVE } });
}
