/**
 * Memo of decoded gfp_flags texts. A trace uses a handful of distinct
 * gfp_flags strings (15 in the 244k-event mixed capture), so each is decoded
 * and turned into a string once; later lines only compare bytes.
 */
import { decodeGfp, GFP, type GfpTable } from './gfp.js';
import { bytesEqual, text } from './scan.js';

/** A decoded gfp_flags text. */
export interface GfpEntry {
  readonly text: string;
  readonly bytes: Uint8Array;
  readonly mask: number;
  readonly unknown: readonly string[];
}

/** Direct-mapped by hash; a conflicting text just replaces the slot. */
const SLOTS = 1024;
/** Longest text remembered by length. */
const MAX_BY_LENGTH = 512;

export class GfpCache {
  private readonly slots: (GfpEntry | undefined)[] = new Array<GfpEntry | undefined>(SLOTS).fill(undefined);
  /** Last entry seen for each text length (see byLength). */
  private readonly lengths: (GfpEntry | undefined)[] = new Array<GfpEntry | undefined>(MAX_BY_LENGTH).fill(undefined);

  constructor(private readonly table: GfpTable = GFP) {}

  /**
   * The entry whose text is exactly b[start, end), if it was seen before:
   * gfp_flags is the last field of mm_page_alloc, so the rest of the line is
   * usually the whole text, and comparing it with the last text of that
   * length saves hashing it first.
   */
  byLength(b: Buffer, start: number, end: number): GfpEntry | undefined {
    const len = end - start;
    const hit = len < MAX_BY_LENGTH ? this.lengths[len] : undefined;
    return hit !== undefined && bytesEqual(b, start, end, hit.bytes) ? hit : undefined;
  }

  /** The entry for b[start, end), whose hash (scan.ts hashStep) the caller computed while scanning. */
  lookup(b: Buffer, start: number, end: number, hash: number): GfpEntry {
    const slot = hash & (SLOTS - 1);
    const hit = this.slots[slot];
    if (hit !== undefined && bytesEqual(b, start, end, hit.bytes)) {
      if (end - start < MAX_BY_LENGTH) this.lengths[end - start] = hit;
      return hit;
    }
    const entry = this.decode(b, start, end);
    this.slots[slot] = entry;
    if (end - start < MAX_BY_LENGTH) this.lengths[end - start] = entry;
    return entry;
  }

  private decode(b: Buffer, start: number, end: number): GfpEntry {
    const flags = text(b, start, end);
    const { mask, unknown } = decodeGfp(flags, this.table);
    return { text: flags, bytes: new Uint8Array(b.subarray(start, end)), mask, unknown };
  }
}
