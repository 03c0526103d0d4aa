/**
 * The honest limits of `pagesim bench`: for each benchmark, a plain loop that
 * does the memory traffic the benchmark's kernel path must do (the same
 * records, the same words of each record read or written, the same lists
 * linked and unlinked, the same footprint and the same hot or cold pattern)
 * with no simulation logic: no checks that can fail, no reports, no
 * variant hooks, no address validation, one migratetype, one zone.
 *
 * Each limit is the speed the work would have in plain JavaScript on this
 * machine, measured in the same run as the benchmark it bounds, so
 * `ratio = limit / actual` says how close pagesim comes to it whatever the
 * machine and its load. Where a limit leaves some of the kernel's traffic out
 * (said at each one), it is the stricter for it, never the more lenient.
 * docs/performance.md explains each limit and what it leaves out.
 *
 * Records are struct pages: `PW` 32-bit words at the word offsets of the
 * baseline layout (RecordWords, taken from a booted machine). Pointers are
 * stored as pagesim stores them, two words: the byte address of the target
 * word (low) and a constant high word.
 */

/** Word offsets of the struct page fields the limits touch (from the baseline machine). */
export interface RecordWords {
  readonly PW: number;
  readonly flags: number;
  readonly compound_head: number;
  readonly lru: number;
  readonly mapping: number;
  readonly index: number;
  readonly private: number;
  readonly mapcount: number;
  readonly refcount: number;
  readonly memcg: number;
}

/** A limit: runs `ops` operations of its benchmark's traffic. */
export type LimitLoop = (ops: number) => void;

const HI = 0xffffea00 | 0;
const POISON_HI = 0xdead0000 | 0;
const POISON1 = 0x100;
const POISON2 = 0x122;
/** The flag bits the expected-state checks compare against (any nonzero value will do: pages here have none). */
const CHECK_FLAGS = 0x3fffff;
const TAIL_MAPPING_LO = 0x400;

/**
 * Memory for a limit: `records` struct pages followed by `extraWords` of
 * list heads and counters. Kept between rounds, like the machine the
 * benchmark runs on.
 */
class Mem {
  readonly m: Int32Array;
  readonly extra: number;
  constructor(
    records: number,
    extraWords: number,
    readonly R: RecordWords,
  ) {
    this.m = new Int32Array(records * R.PW + extraWords);
    this.extra = records * R.PW;
  }
}

// ---- the list and check traffic every limit shares ------------------------
// Plain functions over one Int32Array: V8 inlines them into each loop.

function listInit(m: Int32Array, head: number): void {
  m[head] = head * 4;
  m[head + 1] = HI;
  m[head + 2] = head * 4;
  m[head + 3] = HI;
}

/** list_add(): node after head (8 words written, 1 read). */
function listAdd(m: Int32Array, node: number, head: number): void {
  const first = m[head]! >>> 2;
  m[first + 2] = node * 4;
  m[first + 3] = HI;
  m[node] = first * 4;
  m[node + 1] = HI;
  m[node + 2] = head * 4;
  m[node + 3] = HI;
  m[head] = node * 4;
  m[head + 1] = HI;
}

/** list_add_tail(): node before head. */
function listAddTail(m: Int32Array, node: number, head: number): void {
  const last = m[head + 2]! >>> 2;
  m[last] = node * 4;
  m[last + 1] = HI;
  m[node] = head * 4;
  m[node + 1] = HI;
  m[node + 2] = last * 4;
  m[node + 3] = HI;
  m[head + 2] = node * 4;
  m[head + 3] = HI;
}

/** list_del(): unlink and poison (2 words read, 8 written). */
function listDel(m: Int32Array, node: number): void {
  const next = m[node]! >>> 2;
  const prev = m[node + 2]! >>> 2;
  m[prev] = next * 4;
  m[prev + 1] = HI;
  m[next + 2] = prev * 4;
  m[next + 3] = HI;
  m[node] = POISON1;
  m[node + 1] = POISON_HI;
  m[node + 2] = POISON2;
  m[node + 3] = POISON_HI;
}

/** page_expected_state()'s reads: mapcount, mapping, refcount, memcg_data, pp_magic (lru), flags. */
function expectedState(m: Int32Array, w: number, R: RecordWords): number {
  return (m[w + R.mapcount]! + 1) | m[w + R.mapping]! | m[w + R.mapping + 1]! | m[w + R.refcount]! | m[w + R.memcg]! | m[w + R.memcg + 1]! | (m[w + R.lru]! & 0x7c & m[w + R.lru + 1]!) | (m[w + R.flags]! & CHECK_FLAGS);
}

/** Everything a free order-0 page needs before it goes on a list: refcount to 0, the checks, flags and private cleaned. */
function freeOrder0(m: Int32Array, w: number, R: RecordWords): number {
  m[w + R.refcount] = m[w + R.refcount]! - 1;
  const bad = (m[w + R.compound_head]! & 1) | (m[w + R.mapping]! & 1) | expectedState(m, w, R);
  m[w + R.flags] = (m[w + R.flags]! | (3 << 30)) & ~CHECK_FLAGS;
  m[w + R.flags + 1] = m[w + R.flags + 1]! | 0x7ffff;
  m[w + R.private] = 0;
  m[w + R.private + 1] = 0;
  return bad;
}

/** What an order-0 page gets when it is handed out: the checks, private, refcount 1, pfmemalloc cleared. */
function allocOrder0(m: Int32Array, w: number, R: RecordWords): number {
  const bad = expectedState(m, w, R);
  m[w + R.private] = 0;
  m[w + R.private + 1] = 0;
  m[w + R.refcount] = 1;
  m[w + R.lru] = 0;
  m[w + R.lru + 1] = 0;
  return bad;
}

/** A record as boot leaves a free page: flags, lru self-linked, mapcount -1, refcount 0. */
function initRecord(m: Int32Array, w: number, R: RecordWords): void {
  m[w + R.flags] = 0xc0000000 | 0;
  m[w + R.flags + 1] = 0x7ffff;
  listInit(m, w + R.lru);
  m[w + R.mapcount] = -1;
  m[w + R.refcount] = 0;
}

let sink = 0;
/** Keeps a loop's result alive so the compiler cannot drop the loop. */
function consume(x: number): void {
  sink = (sink + x) | 0;
}

/** The value the limits computed (never used; it keeps their reads from being optimised away). */
export function limitSink(): number {
  return sink;
}

// ---- alloc-free-order0-pcp --------------------------------------------------

/**
 * alloc-free-order0-pcp: a ring of `ring` held pages; each op frees the
 * oldest onto the head of a per-CPU list and allocates from its head (the
 * page just freed, as the kernel's LIFO list gives back). Per op: two
 * records' checks and field writes, one list_add and one list_del on the
 * list head and its first entry, the list's count and two event counters.
 * Left out: the zonelist walk and watermark test (a few reads of hot zone
 * fields), pageblock migratetype lookup.
 */
export function pcpPairLimit(R: RecordWords, records: number, ring: number): LimitLoop {
  const mem = new Mem(records, 16, R);
  const m = mem.m;
  const PW = R.PW;
  const head = mem.extra;
  const count = head + 4;
  const events = head + 5;
  listInit(m, head);
  // The ring's pages are allocated (refcount 1); a batch of 31 more waits on the list, as after a refill.
  const held = new Int32Array(ring);
  for (let i = 0; i < ring; i++) {
    held[i] = (i + 1) * 64 * PW;
    initRecord(m, held[i]!, R);
    m[held[i]! + R.refcount] = 1;
  }
  for (let i = 0; i < 31; i++) {
    const w = (ring + 1 + i) * 64 * PW;
    initRecord(m, w, R);
    listAdd(m, w + R.lru, head);
  }
  m[count] = 31;
  let slot = 0;
  return (ops) => {
    let bad = 0;
    for (let j = 0; j < ops; j++) {
      const w = held[slot]!;
      bad |= freeOrder0(m, w, R);
      listAdd(m, w + R.lru, head);
      m[count] = m[count]! + 1;
      m[events] = m[events]! + 1;
      const node = m[head]! >>> 2;
      listDel(m, node);
      m[count] = m[count]! - 1;
      const page = node - R.lru;
      bad |= allocOrder0(m, page, R);
      m[events + 1] = m[events + 1]! + 1;
      held[slot] = page;
      slot = slot + 1 === ring ? 0 : slot + 1;
    }
    consume(bad);
  };
}

// ---- alloc-free-order0-buddy ------------------------------------------------

const MAX_ORDER = 10;

/**
 * A buddy allocator with nothing but its traffic: free lists per order
 * (list heads and nr_free after the records), PageBuddy and the order in
 * each free block's head record. One migratetype, one zone; a freed block is
 * added at the head of its list (the kernel adds it at the tail when the
 * next-higher buddy is free; the buddy's record is read here for that test
 * as the kernel reads it).
 */
class LeanBuddy {
  readonly heads: number;
  readonly nrFree: number;
  constructor(
    readonly m: Int32Array,
    readonly R: RecordWords,
    extra: number,
    readonly records: number,
  ) {
    this.heads = extra;
    this.nrFree = extra + 4 * (MAX_ORDER + 1);
    for (let o = 0; o <= MAX_ORDER; o++) listInit(m, this.heads + 4 * o);
  }

  isBuddyOfOrder(pfn: number, order: number): boolean {
    const w = pfn * this.R.PW;
    return this.m[w + this.R.mapcount] === (0xf0000000 | 0) && this.m[w + this.R.private] === order;
  }

  add(pfn: number, order: number, tail: boolean): void {
    const m = this.m;
    const R = this.R;
    const w = pfn * R.PW;
    m[w + R.private] = order;
    m[w + R.mapcount] = 0xf0000000 | 0;
    if (tail) listAddTail(m, w + R.lru, this.heads + 4 * order);
    else listAdd(m, w + R.lru, this.heads + 4 * order);
    m[this.nrFree + order] = m[this.nrFree + order]! + 1;
  }

  del(pfn: number, order: number): void {
    const m = this.m;
    const R = this.R;
    const w = pfn * R.PW;
    listDel(m, w + R.lru);
    m[w + R.mapcount] = -1;
    m[w + R.private] = 0;
    m[w + R.private + 1] = 0;
    m[this.nrFree + order] = m[this.nrFree + order]! - 1;
  }

  /** __free_one_page(): merge with free buddies, then add the block. */
  free(pfn: number, order: number): void {
    while (order < MAX_ORDER) {
      const buddy = pfn ^ (1 << order);
      if (buddy >= this.records || !this.isBuddyOfOrder(buddy, order)) break;
      this.del(buddy, order);
      pfn &= buddy;
      order++;
    }
    let tail = false;
    if (order < MAX_ORDER - 1) {
      const higher = (pfn ^ (1 << order)) & pfn;
      const hb = higher ^ (1 << (order + 1));
      tail = hb < this.records && this.isBuddyOfOrder(hb, order + 1);
    }
    this.add(pfn, order, tail);
  }

  /** __rmqueue_smallest() and expand(). */
  alloc(order: number): number {
    const m = this.m;
    for (let o = order; o <= MAX_ORDER; o++) {
      const head = this.heads + 4 * o;
      const node = m[head]! >>> 2;
      if (node === head) continue;
      const pfn = ((node - this.R.lru) / this.R.PW) | 0;
      this.del(pfn, o);
      let high = o;
      while (high > order) {
        high--;
        this.add(pfn + (1 << high), high, false);
      }
      return pfn;
    }
    return -1;
  }
}

/** A buffer of `records` free struct pages in MAX_ORDER blocks, as after boot. */
function bootedBuddy(R: RecordWords, records: number, extraWords: number, minWords = 0): { mem: Mem; buddy: LeanBuddy } {
  const words = 4 * (MAX_ORDER + 1) + MAX_ORDER + 1 + extraWords;
  const mem = new Mem(records, Math.max(words, minWords - records * R.PW), R);
  for (let p = 0; p < records; p++) initRecord(mem.m, p * R.PW, R);
  const buddy = new LeanBuddy(mem.m, R, mem.extra, records);
  for (let p = 0; p + (1 << MAX_ORDER) <= records; p += 1 << MAX_ORDER) buddy.add(p, MAX_ORDER, true);
  return { mem, buddy };
}

/**
 * alloc-free-order0-buddy: the ring of held pages with every page going
 * through the buddy lists: per op, the free checks, merging with each free
 * buddy up the orders (reading each buddy's record and unlinking it), then
 * the allocation from the smallest non-empty order and the split back down,
 * each half linked on its list. Left out: pageblock migratetype reads, the
 * zone's free-page counters.
 */
export function buddyPairLimit(R: RecordWords, records: number, ring: number): LimitLoop {
  const { mem, buddy } = bootedBuddy(R, records, 0);
  const m = mem.m;
  const held = new Int32Array(ring).fill(-1);
  let slot = 0;
  return (ops) => {
    let bad = 0;
    for (let j = 0; j < ops; j++) {
      const old = held[slot]!;
      if (old >= 0) {
        bad |= freeOrder0(m, old * R.PW, R);
        buddy.free(old, 0);
      }
      const pfn = buddy.alloc(0);
      bad |= allocOrder0(m, pfn * R.PW, R);
      held[slot] = pfn;
      slot = slot + 1 === ring ? 0 : slot + 1;
    }
    consume(bad);
  };
}

// ---- alloc-free-order9 ------------------------------------------------------

/**
 * The three passes over a 512-page compound page: at free, each tail's
 * TAIL_MAPPING and head pointer checked and cleared and its expected state
 * checked; at allocation, every page's expected state checked; then
 * prep_compound_page() writing each tail's mapping, head pointer and private.
 */
function freeCompound(m: Int32Array, head: number, nr: number, R: RecordWords): number {
  const PW = R.PW;
  let bad = 0;
  const headLo = (head * PW * 4 + 1) | 0;
  for (let w = (head + 1) * PW, last = (head + nr) * PW; w < last; w += PW) {
    bad |= (m[w + R.mapping]! ^ TAIL_MAPPING_LO) | (m[w + R.compound_head]! ^ headLo);
    m[w + R.mapping] = 0;
    m[w + R.mapping + 1] = 0;
    m[w + R.compound_head] = 0;
    m[w + R.compound_head + 1] = 0;
    bad |= expectedState(m, w, R) | m[w + R.private]! | m[w + R.private + 1]!;
    m[w + R.flags] = m[w + R.flags]! & ~CHECK_FLAGS;
  }
  return bad;
}

function newCompound(m: Int32Array, head: number, nr: number, R: RecordWords): number {
  const PW = R.PW;
  let bad = 0;
  for (let w = head * PW, last = (head + nr) * PW; w < last; w += PW) bad |= expectedState(m, w, R);
  const headLo = (head * PW * 4 + 1) | 0;
  for (let w = (head + 1) * PW, last = (head + nr) * PW; w < last; w += PW) {
    m[w + R.mapping] = TAIL_MAPPING_LO;
    m[w + R.mapping + 1] = POISON_HI;
    m[w + R.compound_head] = headLo;
    m[w + R.compound_head + 1] = HI;
    m[w + R.private] = 0;
    m[w + R.private + 1] = 0;
  }
  // The head: PG_head, order and the folio's counters in the first tails.
  m[head * PW + R.flags] = m[head * PW + R.flags]! | 0x40;
  m[(head + 1) * PW + R.flags] = 9;
  for (let i = 1; i <= 2; i++) for (let x = 4; x < 12; x++) m[(head + i) * PW + x] = -1;
  return bad;
}

/**
 * alloc-free-order9: a ring of `ring` order-9 compound pages through the
 * per-CPU list of order 9: per op, the three passes over 512 records
 * (freeCompound, newCompound) and the list traffic of the pcp pair.
 */
export function order9PairLimit(R: RecordWords, records: number, ring: number): LimitLoop {
  const nr = 512;
  const mem = new Mem(records, 16, R);
  const m = mem.m;
  const PW = R.PW;
  const head = mem.extra;
  listInit(m, head);
  const held = new Int32Array(ring);
  for (let i = 0; i < ring; i++) {
    held[i] = i * nr;
    for (let p = i * nr; p < (i + 1) * nr; p++) initRecord(m, p * PW, R);
    newCompound(m, i * nr, nr, R);
    m[i * nr * PW + R.refcount] = 1;
  }
  // One more block waits on the list.
  for (let p = ring * nr; p < (ring + 1) * nr; p++) initRecord(m, p * PW, R);
  listAdd(m, ring * nr * PW + R.lru, head);
  let slot = 0;
  return (ops) => {
    let bad = 0;
    for (let j = 0; j < ops; j++) {
      const pfn = held[slot]!;
      const w = pfn * PW;
      bad |= freeOrder0(m, w, R) | freeCompound(m, pfn, nr, R);
      listAdd(m, w + R.lru, head);
      const node = m[head]! >>> 2;
      listDel(m, node);
      const page = ((node - R.lru) / PW) | 0;
      bad |= newCompound(m, page, nr, R) | allocOrder0(m, page * PW, R);
      held[slot] = page;
      slot = slot + 1 === ring ? 0 : slot + 1;
    }
    consume(bad);
  };
}

// ---- memmap-init ------------------------------------------------------------

/**
 * The least size of memmap-init's buffer: above glibc's largest dynamic mmap
 * threshold (32 MiB on 64-bit), so that every round's buffer is a new
 * mapping the system faults in page by page, as each boot's is (a 1 GiB
 * machine's buffer, content slots included, is about 80 MiB). A 16 MiB
 * buffer came back from the heap already resident after two rounds, and
 * the limit stopped counting first touches. Only the records are written.
 */
const FRESH_BUFFER_BYTES = 33 * 2 ** 20;

/**
 * memmap-init: one pass over a fresh buffer as large as the memmap (so
 * every page of it is touched for the first time, as at boot), writing each
 * struct page as boot leaves it free: flags, lru self-linked, mapcount -1,
 * refcount 0; then every MAX_ORDER block's head made a buddy and linked on
 * its free list. One op is one struct page; each round allocates its buffer.
 */
export function memmapInitLimit(R: RecordWords, records: number): LimitLoop {
  return () => {
    const { mem } = bootedBuddy(R, records, 0, FRESH_BUFFER_BYTES / 4);
    consume(mem.m[R.flags]!);
  };
}

// ---- fault-unmap-anon-4k ----------------------------------------------------

/**
 * fault-unmap-anon-4k: per page, a write fault and its unmap. Fault: the
 * four page-table entries read on the walk (the tables stay), an order-0
 * page taken from the head of a per-CPU list (allocOrder0), the folio made
 * anonymous (mapcount, mapping, index, flags), linked on the LRU list, the
 * pte written, two counters. Unmap: the pte read and cleared, the mapcount
 * dropped, the page stored in the gather batch; then each batched page
 * unlinked from the LRU and freed (freeOrder0) onto the per-CPU list.
 *
 * The per-CPU list holds at most `pcpHigh` pages, as the benchmark's zone
 * lets it grow to (pcp->high_max): a fault on an empty list refills it with
 * `pcpBatch` << 3 pages from a buddy allocator (LeanBuddy: the split and the
 * list traffic of each), and a free that fills it returns `pcpBatch` pages
 * from its tail to the buddy (merging). A 64 MiB mapping is more than the
 * list holds, so about 5% of the pages go through the buddy each way. One
 * op is one page. Left out: the kernel's high mark moves (nr_pcp_high),
 * and its list sends about a quarter of the pages through the buddy each
 * way; the VMA lookup; page-table page allocation (one per 512 pages).
 */
export function faultUnmap4kLimit(R: RecordWords, records: number, pages: number, pcpHigh: number, pcpBatch: number): LimitLoop {
  const PW = R.PW;
  const tableWords = (pages / 512 + 3) * 1024;
  const { mem, buddy } = bootedBuddy(R, records, 16 + tableWords + pages * 2);
  const m = mem.m;
  const pcpHead = buddy.nrFree + MAX_ORDER + 1;
  const lruHead = pcpHead + 4;
  const counters = pcpHead + 8;
  const tables = pcpHead + 16;
  const batch = tables + tableWords;
  listInit(m, pcpHead);
  listInit(m, lruHead);
  let pcpCount = 0;
  const refill = pcpBatch << 3;
  return (ops) => {
    let bad = 0;
    const n = Math.min(ops, pages);
    for (let i = 0; i < n; i++) {
      // The walk: pgd, pud, pmd entries, then the pte.
      bad |= m[tables + 2 * (i >> 18)]! | m[tables + 1024 + 2 * ((i >> 9) & 511)]!;
      const pte = tables + 2048 + 2 * i;
      bad |= m[pte]! | m[pte + 1]!;
      if (pcpCount === 0) {
        for (let b = 0; b < refill; b++) {
          const pfn = buddy.alloc(0);
          if (pfn < 0) break;
          listAddTail(m, pfn * PW + R.lru, pcpHead);
          pcpCount++;
        }
      }
      const node = m[pcpHead]! >>> 2;
      listDel(m, node);
      pcpCount--;
      const w = node - R.lru;
      bad |= allocOrder0(m, w, R);
      m[w + R.mapcount] = 0;
      m[w + R.mapping] = 0x1001;
      m[w + R.mapping + 1] = 0xffff8880 | 0;
      m[w + R.index] = i;
      m[w + R.index + 1] = 0x7f00;
      m[w + R.flags] = m[w + R.flags]! | 0x80010;
      listAdd(m, w + R.lru, lruHead);
      m[pte] = ((w / PW) << 12) | 0x67;
      m[pte + 1] = 0x80000000 | 0;
      m[counters] = m[counters]! + 1;
      m[counters + 1] = m[counters + 1]! + 1;
    }
    for (let i = 0; i < n; i++) {
      const pte = tables + 2048 + 2 * i;
      const pfn = m[pte]! >>> 12;
      m[pte] = 0;
      m[pte + 1] = 0;
      const w = pfn * PW;
      m[w + R.mapcount] = m[w + R.mapcount]! - 1;
      m[counters] = m[counters]! - 1;
      m[batch + i] = pfn;
    }
    for (let i = 0; i < n; i++) {
      const w = m[batch + i]! * PW;
      listDel(m, w + R.lru);
      m[w + R.mapping] = 0;
      m[w + R.mapping + 1] = 0;
      m[w + R.flags] = m[w + R.flags]! & ~0x80010;
      bad |= freeOrder0(m, w, R);
      listAdd(m, w + R.lru, pcpHead);
      if (++pcpCount >= pcpHigh) {
        for (let b = 0; b < pcpBatch; b++) {
          const node = m[pcpHead + 2]! >>> 2;
          listDel(m, node);
          buddy.free(((node - R.lru) / PW) | 0, 0);
        }
        pcpCount -= pcpBatch;
      }
    }
    consume(bad);
  };
}

// ---- fault-unmap-anon-thp ---------------------------------------------------

/**
 * fault-unmap-anon-thp: per 2 MiB folio, an order-9 compound page allocated
 * (newCompound) and mapped by a PMD with a page-table page deposited under
 * it, made anonymous and linked on the LRU; at unmap the PMD cleared, the
 * deposited table freed, the folio unlinked and freed (freeCompound). One op
 * is one folio. Left out: the VMA lookup, the buddy traffic of the order-9
 * allocations.
 */
export function faultUnmapThpLimit(R: RecordWords, records: number, folios: number): LimitLoop {
  const PW = R.PW;
  const nr = 512;
  const mem = new Mem(records, 16 + 1024 + folios * 2, R);
  const m = mem.m;
  const freeHead = mem.extra;
  const lruHead = freeHead + 4;
  const tableFree = freeHead + 8;
  const pmds = freeHead + 16;
  listInit(m, freeHead);
  listInit(m, lruHead);
  listInit(m, tableFree);
  for (let f = 0; f < folios + 1; f++) {
    const head = (f + 1) * nr;
    for (let p = head; p < head + nr; p++) initRecord(m, p * PW, R);
    listAddTail(m, head * PW + R.lru, freeHead);
  }
  for (let t = 0; t < folios + 1; t++) {
    initRecord(m, (t + 1) * PW, R);
    listAddTail(m, (t + 1) * PW + R.lru, tableFree);
  }
  return (ops) => {
    let bad = 0;
    const n = Math.min(ops, folios);
    for (let i = 0; i < n; i++) {
      const pmd = pmds + 2 * i;
      bad |= m[pmd]!;
      const node = m[freeHead]! >>> 2;
      listDel(m, node);
      const head = ((node - R.lru) / PW) | 0;
      const w = head * PW;
      bad |= newCompound(m, head, nr, R) | allocOrder0(m, w, R);
      const tnode = m[tableFree]! >>> 2;
      listDel(m, tnode);
      bad |= allocOrder0(m, tnode - R.lru, R);
      m[w + R.mapping] = 0x1001;
      m[w + R.mapping + 1] = 0xffff8880 | 0;
      m[w + R.index] = i * nr;
      m[w + PW + 4] = 0;
      listAdd(m, w + R.lru, lruHead);
      m[pmd] = (head << 12) | 0xe7;
      m[pmd + 1] = tnode;
    }
    for (let i = 0; i < n; i++) {
      const pmd = pmds + 2 * i;
      const head = m[pmd]! >>> 12;
      const tnode = m[pmd + 1]!;
      m[pmd] = 0;
      m[pmd + 1] = 0;
      bad |= freeOrder0(m, tnode - R.lru, R);
      listAdd(m, tnode, tableFree);
      const w = head * PW;
      m[w + PW + 4] = -1;
      listDel(m, w + R.lru);
      m[w + R.mapping] = 0;
      m[w + R.mapping + 1] = 0;
      bad |= freeOrder0(m, w, R) | freeCompound(m, head, nr, R);
      listAdd(m, w + R.lru, freeHead);
    }
    consume(bad);
  };
}

// ---- page-pool-recycle ------------------------------------------------------

/**
 * page-pool-recycle: page_pool_alloc_pages() from the alloc cache and
 * page_pool_put_full_page() straight back into it: per op, the cache's
 * array pop and push and count, the page's pp_ref_count set and read, its
 * refcount and pfmemalloc word read.
 */
export function poolRecycleLimit(R: RecordWords, records: number): LimitLoop {
  const PW = R.PW;
  const mem = new Mem(records, 256, R);
  const m = mem.m;
  const cache = mem.extra;
  const countWord = cache + 128;
  for (let i = 0; i < 64; i++) {
    const w = (i + 1) * 4 * PW;
    initRecord(m, w, R);
    m[w + R.refcount] = 1;
    m[cache + i] = i + 1;
  }
  m[countWord] = 64;
  const ppRef = R.mapcount - 2;
  return (ops) => {
    let bad = 0;
    for (let j = 0; j < ops; j++) {
      const c = m[countWord]! - 1;
      const idx = m[cache + c]!;
      const w = idx * 4 * PW;
      m[w + ppRef] = 1;
      bad |= m[w + ppRef]! ^ 1;
      bad |= (m[w + R.refcount]! ^ 1) | (m[w + R.lru]! & 2);
      m[cache + c] = idx;
      m[countWord] = c + 1;
    }
    consume(bad);
  };
}

// ---- checker ----------------------------------------------------------------

/**
 * checker: one pass over the memmap reading what the page-state and compound
 * checks read of every struct page (page_type, flags, refcount, the
 * compound_head word), against an owner byte per page. One op is one page.
 * Left out: the walks of the free and per-CPU lists (each free block's
 * head read once more), page tables, rmap and slab.
 */
export function checkerLimit(R: RecordWords, m: Int32Array, records: number): LimitLoop {
  const owner = new Uint8Array(records);
  const PW = R.PW;
  return () => {
    let bad = 0;
    for (let p = 0, w = 0; p < records; p++, w += PW) {
      const o = owner[p]!;
      const type = m[w + R.mapcount]!;
      const v = m[w + R.flags]! ^ m[w + R.refcount]! ^ (m[w + R.compound_head]! & 1);
      bad |= o === 0 ? (type === (0xf0000000 | 0) ? 1 : 0) : v & type;
    }
    consume(bad);
  };
}
