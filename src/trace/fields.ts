/**
 * The `key=value` fields after the event name.
 *
 * Format facts (see the real-data guide, section 2):
 *  - `pfn=` is decimal up to 5.13 and `0x` hex from 5.14 ("mm, tracing:
 *    Unify PFN format strings"); both are accepted everywhere.
 *  - `page=` is what %p printed: a vmemmap address (`ffffea...`, before
 *    4.15), a hashed value (4.15+), `(null)` (failed allocation; note the
 *    blank in `page= (null)`), or, from perf/trace-cmd, which cannot evaluate
 *    the 4.1+ `pfn_to_page()` print argument, the pfn in hex (`0x16c904`)
 *    or some other unusable number (`0xffffffff981685f3`, 6.13).
 *  - gfp_flags is a `|` list of names, raw hex, `none`, or empty.
 *  - vendor kernels add fields (Android 4.14: `nr_free=`); unknown keys are
 *    skipped.
 */
import { Field, FIELD_KEYS, FIELD_TRIE, fieldBit, fieldNames, SIGNED_FIELDS, type EventSpec } from './events.js';
import { TRIE_ROOT } from './trie.js';
import { GfpCache, type GfpEntry } from './gfp-cache.js';
import { KIND_ALLOC, type TraceEvent } from './record.js';
import { Ch, asciiEquals, Cursor, hashStep, hexDigitsValue, readNumber, skipBlanks, skipToken } from './scan.js';

/**
 * x86_64 vmemmap base before KASLR randomised it (4.x): page =
 * 0xffffea0000000000 + pfn * sizeof(struct page). Only used when a line has
 * page= but no pfn= (every kmem format since 2.6.32 prints pfn=, so this is
 * a fallback). sizeof(struct page) is taken as 64, true for the 4.6 excerpt
 * (ffffea0064142000 = pfn 26235008); the 2.6.33 excerpt shows it was 56
 * then (ffffea0003db9f40 = pfn 1155800), which this fallback would get wrong.
 */
const VMEMMAP_PREFIX = 'ffffea';
const STRUCT_PAGE_SIZE = 64;
/** perf prints the pfn for `page=`; anything wider than 52 bits cannot be a pfn. */
const MAX_PFN_HEX_DIGITS = 13;
/** How %p printed a NULL page in the traces we have (Android 4.14 excerpt; older kernels alike). */
const NULL_POINTER = '(null)';

/** The pfn implied by a `page=` value b[start, end), or -1 when it cannot be known. */
export function pfnFromPage(b: Buffer, start: number, end: number): number {
  const len = end - start;
  if (len > 2 && asciiEquals(b, start, start + 2, '0x')) return len - 2 <= MAX_PFN_HEX_DIGITS ? hexDigitsValue(b, start + 2, end) : -1;
  if (len === 16 && asciiEquals(b, start, start + VMEMMAP_PREFIX.length, VMEMMAP_PREFIX)) {
    const offset = hexDigitsValue(b, start + VMEMMAP_PREFIX.length, end);
    return offset >= 0 && offset % STRUCT_PAGE_SIZE === 0 ? offset / STRUCT_PAGE_SIZE : -1;
  }
  return -1;
}

/** Parses the fields of one event line into the record. */
export class FieldParser {
  /** gfp entry of the last line that had gfp_flags, else null. */
  gfpEntry: GfpEntry | null = null;
  private pageStart = -1;
  private pageEnd = -1;
  private pageNull = false;

  constructor(private readonly gfps: GfpCache = new GfpCache()) {}

  /**
   * Reads all fields from the cursor to the end of the line into rec.
   * Returns null on success or a short reason why the line is malformed.
   */
  parse(cur: Cursor, rec: TraceEvent, spec: EventSpec): string | null {
    rec.resetFields();
    this.gfpEntry = null;
    this.pageNull = false;
    let seen = 0;
    const b = cur.b;
    const end = cur.end;
    for (let p = skipBlanks(b, cur.pos, end); p < end; p = skipBlanks(b, cur.pos, end)) {
      let state = TRIE_ROOT;
      let c = 0;
      while (p < end && (c = b[p]) !== Ch.Eq && c !== Ch.Space && c !== Ch.Tab) {
        state = FIELD_TRIE.step(state, c);
        p++;
      }
      if (p >= end || c !== Ch.Eq) return 'text without "=" among the fields';
      cur.pos = p + 1;
      const field = FIELD_TRIE.value(state);
      if (field === Field.Page) {
        this.readPage(cur);
      } else if (field === Field.GfpFlags) {
        this.readGfp(cur, rec);
      } else if (field >= 0) {
        const v = readNumber(cur);
        if (Number.isNaN(v) || (v < 0 && (SIGNED_FIELDS & fieldBit(field)) === 0)) return `bad value for ${FIELD_KEYS[field]}`;
        storeNumeric(rec, field, v);
      } else {
        cur.pos = skipToken(b, cur.pos, end); // a vendor field we do not use
        continue;
      }
      seen |= fieldBit(field);
    }
    return this.finish(rec, spec, seen, b);
  }

  /** Records where the page= value is; `page= (null)` has a blank before the value. */
  private readPage(cur: Cursor): void {
    const b = cur.b;
    let start = cur.pos;
    let end = skipToken(b, start, cur.end);
    if (end === start) {
      const next = skipBlanks(b, end, cur.end);
      const nextEnd = skipToken(b, next, cur.end);
      if (asciiEquals(b, next, nextEnd, NULL_POINTER)) {
        start = next;
        end = nextEnd;
      }
    }
    this.pageStart = start;
    this.pageEnd = end;
    this.pageNull = end - start === NULL_POINTER.length && asciiEquals(b, start, end, NULL_POINTER);
    cur.pos = end;
  }

  /** Reads gfp_flags through the cache. */
  private readGfp(cur: Cursor, rec: TraceEvent): void {
    const b = cur.b;
    const start = cur.pos;
    const end = cur.end;
    let p = end;
    let entry = this.gfps.byLength(b, start, end);
    if (entry === undefined) {
      // Not the last field, or a text not seen at this length: hash it while looking for its end.
      let h = 0;
      p = start;
      for (let c = 0; p < end && (c = b[p]) !== Ch.Space && c !== Ch.Tab; p++) h = hashStep(h, c);
      entry = this.gfps.lookup(b, start, p, h);
    }
    rec.gfp = entry.mask;
    rec.gfpText = entry.text;
    this.gfpEntry = entry;
    cur.pos = p;
  }

  /** Checks required fields and derives pfn/failed. */
  private finish(rec: TraceEvent, spec: EventSpec, seen: number, b: Buffer): string | null {
    const missing = spec.required & ~seen;
    if (missing !== 0) return `missing ${fieldNames(missing).join(', ')}`;
    const hasPfn = (seen & fieldBit(Field.Pfn)) !== 0;
    if (!hasPfn) {
      if ((seen & fieldBit(Field.Page)) === 0) return 'missing page and pfn';
      rec.pfn = this.pageNull ? -1 : pfnFromPage(b, this.pageStart, this.pageEnd);
    }
    // 4.1+ prints pfn=0 (and page=NULL) for the -1UL "no page" pfn; older kernels print page=(null).
    if (spec.kindCode === KIND_ALLOC && (this.pageNull || (hasPfn && rec.pfn === 0))) {
      rec.failed = true;
      rec.pfn = -1;
    }
    return null;
  }
}

/** Stores a numeric field value into the record (0/1 fields become booleans). */
function storeNumeric(rec: TraceEvent, field: Field, v: number): void {
  switch (field) {
    case Field.Pfn: rec.pfn = v; break;
    case Field.Order: rec.order = v; break;
    case Field.Migratetype: rec.migratetype = v; break;
    case Field.PercpuRefill: rec.percpuRefill = v !== 0; break;
    case Field.Cold: rec.cold = v !== 0; break;
    case Field.NrFree: rec.nrFree = v; break;
    case Field.AllocOrder: rec.allocOrder = v; break;
    case Field.FallbackOrder: rec.fallbackOrder = v; break;
    case Field.PageblockOrder: rec.pageblockOrder = v; break;
    case Field.AllocMigratetype: rec.allocMigratetype = v; break;
    case Field.FallbackMigratetype: rec.fallbackMigratetype = v; break;
    case Field.Fragmenting: rec.fragmenting = v !== 0; break;
    case Field.ChangeOwnership: rec.changeOwnership = v !== 0; break;
    default: break;
  }
}
