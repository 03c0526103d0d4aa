/**
 * struct slab (mm/slab.h, linux-mm 7.3.0-rc5 tree): overlays the head page of a
 * slab folio. slab_cache sits where compound_head does (bit 0 clear: a
 * slab head never looks like a tail), freelist and counters are a
 * 16-byte-aligned pair for the double-word cmpxchg, and the 32-bit
 * counters hold inuse:16, objects:15, frozen:1 (with `stride` in the high
 * half on 64-bit).
 */

import { anonStruct, anonUnion, atomic_t, field, list_head, ptr, rcu_head, struct, unsigned_int, unsigned_long, type AggregateType } from '../layout/ctype.js';
import { MATCH, type LayoutAssertion } from '../layout/assert.js';

export const struct_slab: AggregateType = struct('slab', [
  field('flags', unsigned_long),
  field('slab_cache', ptr('struct kmem_cache')),
  anonUnion('slab-union', [
    anonStruct('slab-lists', [
      field('slab_list', list_head),
      field('freelist', ptr('void')),
      anonUnion('slab-counters', [
        field('counters', unsigned_long),
        anonStruct('slab-counter-bits', [field('inuse', unsigned_int, 16), field('objects', unsigned_int, 15), field('frozen', unsigned_int, 1), field('stride', unsigned_int)]),
      ]),
    ]),
    field('rcu_head', rcu_head),
  ]),
  field('__page_type', unsigned_int),
  field('__page_refcount', atomic_t),
  field('obj_exts', unsigned_long),
]);

const SLAB_H = 'mm/slab.h';

/** SLAB_MATCH assertions of mm/slab.h. */
export const slabMatches: readonly LayoutAssertion[] = [
  MATCH('SLAB_MATCH', SLAB_H, 'page', 'flags', 'slab', 'flags'),
  MATCH('SLAB_MATCH', SLAB_H, 'page', 'compound_head', 'slab', 'slab_cache'),
  MATCH('SLAB_MATCH', SLAB_H, 'page', '_refcount', 'slab', '__page_refcount'),
  MATCH('SLAB_MATCH', SLAB_H, 'page', 'memcg_data', 'slab', 'obj_exts'),
  MATCH('SLAB_MATCH', SLAB_H, 'page', 'page_type', 'slab', '__page_type'),
];
