import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeLayout, fieldOf, offsetOf } from '../src/layout/layout.js';
import { anonStruct, anonUnion, field, struct, u8, u16, u32, u64, unsigned_int } from '../src/layout/ctype.js';
import { makeStructFolio, struct_page, struct_ptdesc, folioMatches, tableMatches } from '../src/structs/page.js';
import { checkAssertions } from '../src/layout/assert.js';
import { insertAfter } from '../src/layout/edit.js';

const page = computeLayout('page', struct_page);

test('struct page is 64 bytes, 16-byte aligned, with every union view at its kernel offset', () => {
  assert.equal(page.size, 64);
  assert.equal(page.align, 16);
  const expect: Record<string, [number, number]> = {
    flags: [0, 8],
    lru: [8, 16],
    'lru.next': [8, 8],
    'lru.prev': [16, 8],
    'buddy_list.next': [8, 8],
    'pcp_list.prev': [16, 8],
    'pcp_llist.next': [8, 8],
    mapping: [24, 8],
    __folio_index: [32, 8],
    share: [32, 8],
    private: [40, 8],
    pp_magic: [8, 8],
    pp: [16, 8],
    _pp_mapping_pad: [24, 8],
    dma_addr: [32, 8],
    pp_ref_count: [40, 8],
    compound_head: [8, 8],
    zone_device_data: [16, 8],
    'rcu_head.next': [8, 8],
    'rcu_head.func': [16, 8],
    page_type: [48, 4],
    _mapcount: [48, 4],
    _refcount: [52, 4],
    memcg_data: [56, 8],
  };
  for (const [path, [off, size]] of Object.entries(expect)) {
    const f = fieldOf(page, path);
    assert.deepEqual([f.offset, f.size], [off, size], path);
  }
});

test('struct folio overlays four pages and the FOLIO_MATCH assertions hold', () => {
  const folio = computeLayout('folio', makeStructFolio(struct_page));
  assert.equal(folio.size, 256);
  const expect: Record<string, number> = {
    _flags_1: 64,
    _head_1: 72,
    _large_mapcount: 80,
    _nr_pages_mapped: 84,
    _entire_mapcount: 88,
    _pincount: 92,
    '_mm_id_mapcount[0]': 96,
    '_mm_id_mapcount[1]': 100,
    '_mm_id[0]': 104,
    '_mm_id[1]': 108,
    _mm_ids: 104,
    _mapcount_1: 112,
    _refcount_1: 116,
    _nr_pages: 120,
    _flags_2: 128,
    _head_2: 136,
    '_deferred_list.next': 144,
    '_deferred_list.prev': 152,
    _hugetlb_subpool: 208,
    mlock_count: 16,
    'page.lru.next': 8,
  };
  for (const [path, off] of Object.entries(expect)) assert.equal(offsetOf(folio, path), off, path);
  const layouts = new Map([
    ['page', page],
    ['folio', folio],
    ['ptdesc', computeLayout('ptdesc', struct_ptdesc)],
  ]);
  assert.deepEqual(checkAssertions([...folioMatches, ...tableMatches], layouts), []);
});

test('a layout change that breaks an overlay fails its assertion with a gcc-style message', () => {
  const moved = insertAfter(struct_ptdesc, 'pt_flags', field('pt_extra', u64));
  const layouts = new Map([
    ['page', page],
    ['ptdesc', computeLayout('ptdesc', moved)],
  ]);
  const failures = checkAssertions(tableMatches, layouts);
  assert.ok(failures.length > 0);
  assert.match(failures[0]!.message, /static assertion failed: "offsetof\(struct page, compound_head\) == offsetof\(struct ptdesc, pt_list\)" \(8 != 16\)/);
});

test('gcc rules: padding, tail padding, unions and bitfields', () => {
  const s = computeLayout('t', struct('t', [field('a', u8), field('b', u32), field('c', u16)]));
  assert.deepEqual([offsetOf(s, 'a'), offsetOf(s, 'b'), offsetOf(s, 'c'), s.size, s.align], [0, 4, 8, 12, 4]);
  const u = computeLayout('u', struct('u', [anonUnion('x', [field('a', u8), field('b', u64)]), field('c', u8)]));
  assert.deepEqual([offsetOf(u, 'c'), u.size], [8, 16]);
  // struct slab's counters: inuse:16, objects:15, frozen:1 share one unsigned int.
  const bf = computeLayout(
    'bf',
    struct('bf', [anonStruct('c', [field('inuse', unsigned_int, 16), field('objects', unsigned_int, 15), field('frozen', unsigned_int, 1)]), field('stride', u32)]),
  );
  const inuse = fieldOf(bf, 'inuse');
  const objects = fieldOf(bf, 'objects');
  const frozen = fieldOf(bf, 'frozen');
  assert.deepEqual([inuse.offset, inuse.bitOffset, objects.bitOffset, frozen.bitOffset, offsetOf(bf, 'stride'), bf.size], [0, 0, 16, 31, 4, 8]);
  // A bitfield that would straddle its storage unit starts a new one.
  const st = computeLayout('st', struct('st', [field('a', unsigned_int, 20), field('b', unsigned_int, 20)]));
  assert.deepEqual([fieldOf(st, 'b').offset, fieldOf(st, 'b').bitOffset, st.size], [4, 0, 8]);
});
