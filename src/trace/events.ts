/**
 * The kmem page tracepoints we understand and the fields each one prints.
 *
 * Names: the six events date from 2.6.32 (Mel Gorman, 2009). 3.3 renamed
 * `mm_page_free_direct` to `mm_page_free` and `mm_pagevec_free` to
 * `mm_page_free_batched`; both spellings map to the same kind.
 */
import { ByteTrie } from './trie.js';
import { KIND_ALLOC, KIND_EXTFRAG, KIND_FREE, KIND_FREE_BATCHED, KIND_PCPU_DRAIN, KIND_ZONE_LOCKED } from './record.js';

/** Field ids (a const enum: tsc inlines the numbers, so switches over them compile to jump tables). */
export const enum Field {
  Page,
  Pfn,
  Order,
  Migratetype,
  GfpFlags,
  PercpuRefill,
  Cold,
  NrFree,
  AllocOrder,
  FallbackOrder,
  PageblockOrder,
  AllocMigratetype,
  FallbackMigratetype,
  Fragmenting,
  ChangeOwnership,
}

/** Keys as printed, indexed by Field. */
export const FIELD_KEYS: readonly string[] = [
  'page', 'pfn', 'order', 'migratetype', 'gfp_flags', 'percpu_refill', 'cold', 'nr_free',
  'alloc_order', 'fallback_order', 'pageblock_order', 'alloc_migratetype', 'fallback_migratetype',
  'fragmenting', 'change_ownership',
];

/** Bit of a field in the "seen" mask of a line. */
export function fieldBit(field: Field): number {
  return 1 << field;
}

/** Recognises field keys; the value of a key's final state is its Field. */
export const FIELD_TRIE = ByteTrie.build(FIELD_KEYS);

/** Fields printed with %d whose value may be negative. */
export const SIGNED_FIELDS = fieldBit(Field.Migratetype) | fieldBit(Field.AllocMigratetype) | fieldBit(Field.FallbackMigratetype);

/** A tracepoint we parse. */
export interface EventSpec {
  readonly name: string;
  readonly kindCode: number;
  /** Fields that every version of the event prints (besides page=/pfn=, one of which is required). */
  readonly required: number;
}

function spec(name: string, kindCode: number, fields: Field[]): EventSpec {
  const required = fields.reduce((mask, f) => mask | fieldBit(f), 0);
  return { name, kindCode, required };
}

const EXTFRAG_FIELDS = [Field.AllocOrder, Field.FallbackOrder, Field.PageblockOrder, Field.AllocMigratetype,
  Field.FallbackMigratetype, Field.Fragmenting, Field.ChangeOwnership];

/**
 * Required fields follow the print formats, which kept their fields from
 * 2.6.32 to 6.18 except for additions we treat as optional: `cold=` of the
 * batched free (dropped in 4.15) and vendor fields such as `nr_free=`.
 */
export const EVENT_SPECS: readonly EventSpec[] = [
  spec('mm_page_alloc', KIND_ALLOC, [Field.Order, Field.Migratetype, Field.GfpFlags]),
  spec('mm_page_free', KIND_FREE, [Field.Order]),
  spec('mm_page_free_direct', KIND_FREE, [Field.Order]),
  spec('mm_page_free_batched', KIND_FREE_BATCHED, [Field.Order]),
  spec('mm_pagevec_free', KIND_FREE_BATCHED, [Field.Order]),
  spec('mm_page_alloc_zone_locked', KIND_ZONE_LOCKED, [Field.Order, Field.Migratetype, Field.PercpuRefill]),
  spec('mm_page_pcpu_drain', KIND_PCPU_DRAIN, [Field.Order, Field.Migratetype]),
  spec('mm_page_alloc_extfrag', KIND_EXTFRAG, EXTFRAG_FIELDS),
];

/** Recognises event names; the value of a name's final state is its index in EVENT_SPECS. */
export const EVENT_TRIE = ByteTrie.build(EVENT_SPECS.map((e) => e.name));

/** Names of the fields in a mask, for error messages. */
export function fieldNames(mask: number): string[] {
  return FIELD_KEYS.filter((_, field) => (mask & (1 << field)) !== 0);
}
