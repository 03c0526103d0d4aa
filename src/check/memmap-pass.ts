/**
 * The one pass over the memmap that the per-page checkers share.
 *
 * page-state, compound and page-tables each look at every struct page. They
 * stay separate checkers (checker.ts, mm.ts), each deciding and wording its
 * own violations at its own place in the check's order, but the pages are
 * read once, here: the pass notes what each checker asks about a page (a
 * page-state finding, a compound head to examine, a PageTable-typed page to
 * count) and the checkers work from those notes. On a 1 GiB machine that is
 * one loop over 262,144 struct pages instead of three, with no call per page
 * when the variant reads struct pages as mainline does (page-reader.ts).
 *
 * The pass runs when the first of those checkers asks for it, after the list
 * checkers have filled the ownership map, and only reads the machine. It
 * skips the struct pages the machine's plan says the kernel never
 * initialised (mm_init.ts): they hold nothing a checker looks for, and a
 * replayed 24 GiB machine has 5 M of them that nothing else reads.
 */

import type { Kernel } from '../kernel/kernel.js';
import { PAGE_TYPE_RESET, PGTY_table, PG_head } from '../kernel/page-flags.js';
import { initialisedRanges } from '../kernel/mm_init.js';
import { OWNER_BUDDY, OWNER_BUDDY_HEAD, OWNER_NONE, OWNER_PCP, type CheckContext } from './checker.js';
import { KernelReader, overriddenHelpers, readerFor, wrapsHelpers, readsWords, WordReader, type PageReader, type WordLayout } from './page-reader.js';

/** What page-state found at a pfn (checkPageState words each). */
export const STATE_BUDDY_UNLISTED = 1;
export const STATE_FREE_TYPED = 2;
export const STATE_FREE_TAIL = 3;
export const STATE_FREE_REFCOUNT = 4;
export const STATE_FREE_HEAD = 5;

export interface MemmapNotes {
  /** page-state findings in pfn order, as pairs: pfn, STATE_*. */
  readonly state: number[];
  /** Pages on no list that are a compound head and not a tail, in pfn order (for the compound checker). */
  readonly heads: number[];
  /** Pages typed PageTable, each counted as pageTableNrPages() (for the page-tables checker). */
  readonly tablePages: number;
}

const notesOfCheck = new WeakMap<CheckContext, MemmapNotes>();

/** The notes of this check's pass over the memmap, made on first use. */
export function memmapNotes(k: Kernel, ctx: CheckContext): MemmapNotes {
  let notes = notesOfCheck.get(ctx);
  if (notes === undefined) {
    const ref = references.get(k);
    notes = ref !== undefined && readsWords(k) ? changedPass(k, ref, ctx.owner) : memmapPass(readerFor(k), ctx.owner, initialisedRanges(k.plan), k);
    notesOfCheck.set(ctx, notes);
  }
  return notes;
}

interface Notes {
  readonly state: number[];
  readonly heads: number[];
  tablePages: number;
}

function memmapPass(r: PageReader, owner: Uint8Array, ranges: readonly (readonly [number, number])[], k?: Kernel): MemmapNotes {
  const notes: Notes = { state: [], heads: [], tablePages: 0 };
  const own = k !== undefined && r instanceof KernelReader ? ownHelpers(k) : null;
  for (const [start, end] of ranges) {
    if (own !== null) notePageWordsWith(new WordReader(k!), own, owner, start, end, notes);
    else notePagesOf(r, owner, start, end, notes);
  }
  return notes;
}

/** notePages(), or notePageWords() when `r` reads the words: no call per page. */
function notePagesOf(r: PageReader, owner: Uint8Array, start: number, end: number, notes: Notes): void {
  if (r instanceof WordReader) notePageWords(r.i32, r.layout, owner, start, end, notes);
  else notePages(r, owner, start, end, notes);
}

/**
 * The pass over the memmap as notePages() makes it, in one of two ways:
 * reading the words (`'words'`, what a variant that reads struct pages as
 * mainline does gets) or through a reader's methods (`'methods'`: the
 * kernel's helpers when `helpers`, else WordReader's). For the test that
 * the two give the same notes.
 */
export function memmapPassBy(k: Kernel, owner: Uint8Array, how: 'words' | 'methods', helpers = false): MemmapNotes {
  const notes: Notes = { state: [], heads: [], tablePages: 0 };
  const r: PageReader = helpers ? new KernelReader(k) : new WordReader(k);
  const own = how === 'words' && helpers ? ownHelpers(k) : null;
  if (how === 'words' && helpers && own === null) throw new Error('the variant overrides a helper the words cannot stand in for');
  for (const [start, end] of initialisedRanges(k.plan)) {
    if (own !== null) notePageWordsWith(new WordReader(k), own, owner, start, end, notes);
    else if (how === 'words' && r instanceof WordReader) notePageWords(r.i32, r.layout, owner, start, end, notes);
    else notePages(r, owner, start, end, notes);
  }
  return notes;
}

/**
 * The helpers a variant overrides that the pass can still read around:
 * pageTableNrPages (the memdesc ptdescs count a page table's pages their
 * own way) and page_ref_count (the frozen refcount bit reads 0 for a
 * frozen page). No other helper the pass reads calls either, so where only
 * these are overridden the pass reads the words for the rest and calls the
 * variant's own only where notePages() would: page_ref_count for a page
 * on the buddy lists or held by no per-CPU list, pageTableNrPages for a
 * page typed PageTable. Null when the variant overrides another helper
 * (every page is then read through the variant's helpers).
 */
interface OwnHelpers {
  readonly refCount: boolean;
  readonly tableNr: boolean;
}

function ownHelpers(k: Kernel): OwnHelpers | null {
  // A machine whose helpers are wrapped (the fuzzer's coverage probes) reads every page through them, as it did.
  if (wrapsHelpers(k)) return null;
  const own = overriddenHelpers(k);
  if (own.length === 0 || own.some((h) => h !== 'page_ref_count' && h !== 'pageTableNrPages')) return null;
  return { refCount: own.includes('page_ref_count'), tableNr: own.includes('pageTableNrPages') };
}

/**
 * notePageWords() for a variant that overrides page_ref_count or
 * pageTableNrPages (ownHelpers()): the words for everything else, the
 * variant's helper for those. A page of a free block that is untyped and
 * no tail costs one call when page_ref_count is the variant's, none when
 * only pageTableNrPages is.
 */
function notePageWordsWith(r: WordReader, own: OwnHelpers, owner: Uint8Array, start: number, end: number, notes: Notes): void {
  const { state, heads } = notes;
  const k = r.kernel;
  const i32 = r.i32;
  const { PW, wType, wFlags, wHead, wRef } = r.layout;
  const HEAD = 1 << PG_head;
  const RESET = PAGE_TYPE_RESET | 0;
  const ownRef = own.refCount;
  const ownTable = own.tableNr;
  let tablePages = 0;
  for (let pfn = start, w = start * PW; pfn < end; pfn++, w += PW) {
    const o = owner[pfn]!;
    const type = i32[w + wType]!;
    // page_ref_count() where notePages() reads it: pages on no per-CPU list and on some list.
    const ref = o === OWNER_PCP || o === OWNER_NONE ? 0 : ownRef ? k.page_ref_count(pfn) : i32[w + wRef]!;
    if (o === OWNER_BUDDY && ((type ^ RESET) | (i32[w + wHead]! & 1) | ref) === 0) continue;
    const isHead = (i32[w + wFlags]! & HEAD) !== 0;
    if (type >>> 24 === PGTY_table) tablePages += ownTable ? k.pageTableNrPages(pfn) : isHead ? 1 << (i32[w + PW + wFlags]! & 0xff) : 1;
    if (o === OWNER_NONE) {
      if (type >>> 24 === 0xf0) state.push(pfn, STATE_BUDDY_UNLISTED);
      if (isHead && (i32[w + wHead]! & 1) === 0) heads.push(pfn);
      continue;
    }
    if (o === OWNER_BUDDY) {
      if (type !== RESET) state.push(pfn, STATE_FREE_TYPED);
      if ((i32[w + wHead]! & 1) !== 0) state.push(pfn, STATE_FREE_TAIL);
    }
    if (ref !== 0) state.push(pfn, STATE_FREE_REFCOUNT);
    if (o === OWNER_BUDDY_HEAD && isHead) state.push(pfn, STATE_FREE_HEAD);
  }
  notes.tablePages += tablePages;
}

/**
 * notePages() reading the words WordReader's methods read, in the loop
 * itself, with the constants out of the loop: no call per page. page_type
 * is read signed (its top byte by >>> 24, PAGE_TYPE_RESET as -1), flags
 * for PG_head only, so one Int32Array serves. A page of a free block that
 * is untyped, no tail and unreferenced (most of a machine's pages) is
 * done after three words and one branch.
 */
function notePageWords(i32: Int32Array, at: WordLayout, owner: Uint8Array, start: number, end: number, notes: Notes): void {
  const { state, heads } = notes;
  const PW = at.PW;
  const wType = at.wType;
  const wFlags = at.wFlags;
  const wHead = at.wHead;
  const wRef = at.wRef;
  const HEAD = 1 << PG_head;
  const RESET = PAGE_TYPE_RESET | 0;
  let tablePages = 0;
  for (let pfn = start, w = start * PW; pfn < end; pfn++, w += PW) {
    const o = owner[pfn]!;
    const type = i32[w + wType]!;
    // Most pages of a machine are in free blocks, untyped, no tail and no reference: nothing to note.
    if (o === OWNER_BUDDY && ((type ^ RESET) | (i32[w + wHead]! & 1) | i32[w + wRef]!) === 0) continue;
    const isHead = (i32[w + wFlags]! & HEAD) !== 0;
    // compound_order(): page[1].flags' low byte of a head page.
    if (type >>> 24 === PGTY_table) tablePages += isHead ? 1 << (i32[w + PW + wFlags]! & 0xff) : 1;
    if (o === OWNER_NONE) {
      if (type >>> 24 === 0xf0) state.push(pfn, STATE_BUDDY_UNLISTED);
      if (isHead && (i32[w + wHead]! & 1) === 0) heads.push(pfn);
      continue;
    }
    if (o === OWNER_BUDDY) {
      if (type !== RESET) state.push(pfn, STATE_FREE_TYPED);
      if ((i32[w + wHead]! & 1) !== 0) state.push(pfn, STATE_FREE_TAIL);
    }
    if (o !== OWNER_PCP && i32[w + wRef]! !== 0) state.push(pfn, STATE_FREE_REFCOUNT);
    if (o === OWNER_BUDDY_HEAD && isHead) state.push(pfn, STATE_FREE_HEAD);
  }
  notes.tablePages += tablePages;
}

/** What the pass notes of pfns start..end-1, added to `notes`. */
function notePages(r: PageReader, owner: Uint8Array, start: number, end: number, notes: Notes): void {
  const { state, heads } = notes;
  let tablePages = 0;
  for (let pfn = start; pfn < end; pfn++) {
    const type = r.type(pfn);
    if (type >>> 24 === PGTY_table) tablePages += r.pageTableNrPages(pfn);
    const o = owner[pfn]!;
    if (o === OWNER_NONE) {
      if (r.PageBuddy(pfn)) state.push(pfn, STATE_BUDDY_UNLISTED);
      if (r.PageHead(pfn) && !r.PageTail(pfn)) heads.push(pfn);
      continue;
    }
    if (o === OWNER_BUDDY) {
      if (type !== PAGE_TYPE_RESET) state.push(pfn, STATE_FREE_TYPED);
      if (r.PageTail(pfn)) state.push(pfn, STATE_FREE_TAIL);
    }
    if (o !== OWNER_PCP && r.page_ref_count(pfn) !== 0) state.push(pfn, STATE_FREE_REFCOUNT);
    if (o === OWNER_BUDDY_HEAD && r.PageHead(pfn)) state.push(pfn, STATE_FREE_HEAD);
  }
  notes.tablePages += tablePages;
}

/**
 * A machine's memmap at a checkpoint it is put back to again and again
 * (the fuzzer's kept machines), with what the pass noted of it then. A
 * page's notes depend only on its struct page's words, on how the list
 * checkers found it held, and (for the page-table count) on the next
 * page's flags: where none of those changed since the checkpoint, its
 * notes are the checkpoint's. A fuzz program changes a few dozen struct
 * pages of 16,384; comparing the bytes (natively, a block and then a
 * chunk at a time) costs less than reading every struct page in a loop.
 */
interface Reference {
  /** The memmap's bytes at the checkpoint, and the machine's own, as Buffers to compare. */
  readonly then: Buffer;
  readonly now: Buffer;
  readonly thenReader: WordReader;
  readonly nowReader: WordReader;
  /** The list checkers' ownership map at the checkpoint. */
  readonly owner: Buffer;
  readonly notes: MemmapNotes;
  /** The memmap's byte ranges [start, end) that differed at the last check, until taken. */
  changed: number[] | null;
}

const references = new WeakMap<Kernel, Reference>();

/** Pages compared at once, first by the block, then by the chunk within a block that differs. */
const BLOCK_PAGES = 1024;
const CHUNK_PAGES = 32;

/**
 * Notes the machine's memmap as a checkpoint holds it (`words`: the
 * checkpoint's copy of the machine's memory; `owner`: the list checkers'
 * map of the machine in that state). Later checks of the machine read
 * only the struct pages that differ from it. Not for a machine whose
 * struct pages are read through a variant's helpers, nor one with
 * uninitialised struct pages.
 */
export function noteMemmapReference(k: Kernel, words: Int32Array, owner: Uint8Array): void {
  const ranges = initialisedRanges(k.plan);
  if (!readsWords(k) || ranges.length !== 1 || ranges[0]![0] !== 0 || ranges[0]![1] !== k.nr_pages) return;
  const bytes = k.nr_pages * k.PW * 4;
  if (words.byteLength < bytes + 4 * k.PW) return;
  const thenReader = new WordReader(k, words);
  references.set(k, {
    then: Buffer.from(words.buffer, words.byteOffset, bytes),
    now: Buffer.from(k.buf, 0, bytes),
    thenReader,
    nowReader: new WordReader(k),
    owner: Buffer.from(owner),
    notes: memmapPass(thenReader, owner, ranges),
    changed: null,
  });
}

/** memmapPass() over the whole memmap, reading only the pages that changed since the reference. */
function changedPass(k: Kernel, ref: Reference, owner: Uint8Array): MemmapNotes {
  const n = k.nr_pages;
  const PB = k.PW * 4;
  // Changed pfns as ranges [a, b), ascending and merged; and the byte ranges that differ.
  const changed: number[] = [];
  const bytes: number[] = [];
  const add = (a: number, b: number): void => {
    const last = changed.length - 1;
    if (last >= 0 && changed[last]! >= a) changed[last] = b;
    else changed.push(a, b);
  };
  for (let b = 0; b < n; b += BLOCK_PAGES) {
    const be = Math.min(b + BLOCK_PAGES, n);
    const blockSame = ref.now.compare(ref.then, b * PB, be * PB, b * PB, be * PB) === 0;
    const ownersSame = ref.owner.compare(owner, b, be, b, be) === 0;
    if (blockSame && ownersSame) continue;
    for (let c = b; c < be; c += CHUNK_PAGES) {
      const ce = Math.min(c + CHUNK_PAGES, be);
      let same = blockSame || ref.now.compare(ref.then, c * PB, ce * PB, c * PB, ce * PB) === 0;
      if (!same) bytes.push(c * PB, ce * PB);
      for (let p = c; same && !ownersSame && p < ce; p++) same = owner[p] === ref.owner[p];
      // The page before the chunk too: its page-table count reads the chunk's first page's flags.
      if (!same) add(Math.max(c - 1, 0), ce);
    }
  }
  ref.changed = bytes;
  // The last page's page-table count reads the word after the memmap.
  add(n - 1, n);
  const then = ref.notes;
  const notes: Notes = { state: [], heads: [], tablePages: then.tablePages };
  const was: Notes = { state: [], heads: [], tablePages: 0 };
  let si = 0;
  let hi = 0;
  for (let i = 0; i < changed.length; i += 2) {
    const a = changed[i]!;
    const e = changed[i + 1]!;
    for (; si < then.state.length && then.state[si]! < a; si += 2) notes.state.push(then.state[si]!, then.state[si + 1]!);
    while (si < then.state.length && then.state[si]! < e) si += 2;
    while (hi < then.heads.length && then.heads[hi]! < a) notes.heads.push(then.heads[hi++]!);
    while (hi < then.heads.length && then.heads[hi]! < e) hi++;
    notePagesOf(ref.thenReader, ref.owner, a, e, was);
    notePagesOf(ref.nowReader, owner, a, e, notes);
  }
  for (; si < then.state.length; si++) notes.state.push(then.state[si]!);
  for (; hi < then.heads.length; hi++) notes.heads.push(then.heads[hi]!);
  notes.tablePages -= was.tablePages;
  return notes;
}

/**
 * The byte ranges of the memmap, as pairs [start, end), outside which the
 * machine's memmap was its checkpoint's at its last check; null when it
 * was not checked since this was last asked (the machine then has to be
 * compared or copied whole). Asked by the restore that follows a run and
 * its check: nothing writes the machine's memory in between (the check
 * only reads), so the restore copies back only these ranges of the
 * memmap.
 */
export function takeChangedMemmap(k: Kernel): number[] | null {
  const ref = references.get(k);
  if (ref === undefined) return null;
  const c = ref.changed;
  ref.changed = null;
  return c;
}

/** Forgets a machine's reference (its checks read every struct page again); whether it had one. */
export function forgetMemmapReference(k: Kernel): boolean {
  return references.delete(k);
}
