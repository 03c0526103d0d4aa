/**
 * The bottom layer of a simulated kernel: memory as bytes, kernel virtual
 * addresses, the symbol table, and the report machinery every check uses.
 *
 * Memory is one ArrayBuffer. Its first part is the memmap: one struct page
 * per pfn, at the offsets of the variant's layout. After it comes a small
 * region of kernel data (the zones' free lists and the per-CPU page lists),
 * which the machine places in reserved physical pages at the top of node 0
 * and addresses through the direct map, as the kernel's pglist_data is. A
 * `list_head` in a struct page therefore holds the real address of another
 * page's `lru` or of a free-list head, and both are reached through the same
 * typed array.
 *
 * Addresses are 64-bit; they are handled as (hi, lo) 32-bit word pairs, and
 * as BigInt only when parsed or printed.
 */

// First, so that no kernel code fills an inline cache before V8 is told how many shapes to keep.
import '../util/v8-flags.js';
import { HZ, LIMITS, PAGE_SHIFT, PAGE_SIZE, POISON_HI } from './config.js';
import { BadPageMapRatelimit, RatelimitState } from './ratelimit.js';
import { __stringify } from './stringify.js';
import { KernelBug, type Report, type ReportKind, type Site } from '../report/report.js';
import { SymbolTable, declareSymbols } from './symbols.js';
import type { StructLayout } from '../layout/layout.js';
import { word, wordMap, type WordMap } from '../layout/accessors.js';
import { BUILD_7_3, ROOT_FRAME, callTrace, dieHeader, formatBugText, formatFaultText, formatPanicText, formatWarnText, inInterrupt, type KernelBuild, type Task } from '../report/oops.js';
import { hex16 } from '../util/hex.js';
import { releaseMachineMemory, takeMachineMemory } from './machine-memory.js';

declareSymbols('pagesim/scenario', [ROOT_FRAME]);

/** 0xffffea0000000000 (VMEMMAP_START): high word of every struct page address. */
export const VMEMMAP_HI = 0xffffea00;
/** 0xffff888000000000 (PAGE_OFFSET): high word of the direct map for physical addresses below 4 GiB. */
export const PAGE_OFFSET_HI = 0xffff8880;

/**
 * x86_64's 4-level paging: an address is canonical when bits 63..47 are all
 * equal (48-bit virtual addresses). A load from a canonical address that is
 * not mapped page-faults; from any other it takes a general protection fault.
 */
export function isCanonical(addr: bigint): boolean {
  const top = addr >> 47n;
  return top === 0n || top === 0x1ffffn;
}
/**
 * VMEMMAP_HI as a signed 32-bit value (the same bits). The list and address
 * fast paths compare and store address words in this form, read through
 * i32: a signed word is always a small integer to V8, while an unsigned one
 * of 2^31 or more is a boxed double wherever it crosses a call.
 */
const VMEMMAP_HI_S = VMEMMAP_HI | 0;

export interface MachineShape {
  readonly nr_pages: number;
  readonly cpus: number;
  readonly nodes: number;
  /** Bytes of kernel data (free lists, pcp lists, kmem_caches) to place in reserved memory. */
  readonly kdataBytes: number;
  /** First pfn of the reserved kernel-data region (physically contiguous). */
  readonly kdataPfn: number;
  /** How many pages may hold simulated contents (page tables, slab objects) at once. */
  readonly contentPages: number;
}

export interface VariantLayouts {
  readonly structs: ReadonlyMap<string, StructLayout>;
}

export abstract class MachineBase {
  readonly nr_pages: number;
  readonly cpus: number;
  readonly nodeCount: number;
  readonly buf: ArrayBuffer;
  /** The whole memory as unsigned and signed 32-bit words. */
  readonly m32: Uint32Array;
  readonly i32: Int32Array;
  /** struct page size in words: pfn p's struct page starts at word p * PW. */
  readonly PW: number;
  /** log2(PW) when PW is a power of two (a 64-byte struct page: 4), else -1: pfnOfWord by shift. */
  readonly PWshift: number;
  readonly structPageSize: number;
  /** Word index of the first kernel-data word, and its virtual address words. */
  readonly kdataWord: number;
  readonly kdataHi: number;
  readonly kdataLo: number;
  /** kdataHi and kdataLo as signed 32-bit values (see VMEMMAP_HI_S). */
  readonly kdataHiS: number;
  readonly kdataLoS: number;
  readonly kdataBytes: number;
  private kdataUsed = 0;
  readonly kdataPfn: number;
  /**
   * Page contents: the memory of pages the kernel keeps data in (page
   * tables, slab objects) lives in slots after the kernel data, one 4 KiB
   * slot per page, assigned on first use. slotOf[pfn] is the slot + 1, or 0
   * for a page without contents: zero-initialised memory needs no filling,
   * so the table costs resident memory only where slots are assigned.
   */
  readonly poolWord: number;
  readonly contentPages: number;
  readonly slotOf: Int32Array;
  private readonly slotPfn: Int32Array;
  private slotsUsed = 0;

  readonly layouts: ReadonlyMap<string, StructLayout>;
  /** Word offsets of struct page fields (from the variant's layout). */
  readonly PF: WordMap;
  /** Word offsets of struct folio fields. */
  readonly FF: WordMap;
  readonly symbols: SymbolTable;

  readonly reports: Report[] = [];
  /** Everything the simulated kernel printed, line by line (dmesg). */
  readonly console: string[] = [];
  /** Console lines printed after LIMITS.consoleLines, counted and not kept. */
  consoleDropped = 0;
  /** Sites whose *_ONCE check already fired. */
  private readonly onceFired = new Set<string>();
  /** Taint letters set so far (B for bad page, W for warning), in print order. */
  readonly taints = new Set<string>();
  current: Task = { comm: 'pagesim', pid: 1, cpu: 0 };
  /**
   * /proc/sys/kernel/panic_on_oops as the scenario sets it; null when it
   * does not, and then the run stops at the first oops (oopsEnd()).
   */
  panicOnOops: 0 | 1 | null = null;
  /** die_counter (arch/x86/kernel/dumpstack.c): the oopses so far, printed as [#n]. */
  private dieCounter = 0;

  /** The number of the oops being printed. */
  protected nextOops(): number {
    return ++this.dieCounter;
  }
  /** jiffies since boot (pagesim starts at 0, not INITIAL_JIFFIES: only differences are ever printed); only msleep advances it. */
  jiffies = 0;
  /** bad_page()'s DEFINE_RATELIMIT_STATE(bad_page_ratelimit, 60 * HZ, 60) (mm/page_alloc.c). */
  readonly bad_page_ratelimit = new RatelimitState(60 * HZ, 60);
  /** warn_alloc()'s DEFINE_RATELIMIT_STATE(nopage_rs, 10*HZ, 1) (mm/page_alloc.c). */
  readonly nopage_rs = new RatelimitState(10 * HZ, 1);
  /** print_bad_page_map()'s counters (mm/memory.c). */
  readonly bad_page_map_ratelimit = new BadPageMapRatelimit();
  /** Reports are suppressed (still counted) after this many, so a runaway loop stays bounded. */
  readonly maxReports = 1000;
  droppedReports = 0;

  constructor(shape: MachineShape, layouts: VariantLayouts, symbols: SymbolTable) {
    this.nr_pages = shape.nr_pages;
    this.cpus = shape.cpus;
    this.nodeCount = shape.nodes;
    this.layouts = layouts.structs;
    const page = this.layout('page');
    if (page.size % 4 !== 0) throw new Error('struct page size must be a multiple of 4');
    this.structPageSize = page.size;
    this.PW = page.size >> 2;
    this.PWshift = (this.PW & (this.PW - 1)) === 0 ? 31 - Math.clz32(this.PW) : -1;
    this.PF = wordMap(page);
    this.FF = wordMap(this.layout('folio'));
    this.symbols = symbols;
    this.kdataBytes = shape.kdataBytes;
    this.kdataPfn = shape.kdataPfn;
    this.contentPages = shape.contentPages;
    const memmapBytes = shape.nr_pages * page.size;
    // Untouched slots cost no resident memory: the buffer's pages are only committed when written.
    this.buf = takeMachineMemory(memmapBytes + shape.kdataBytes + shape.contentPages * PAGE_SIZE);
    this.m32 = new Uint32Array(this.buf);
    this.i32 = new Int32Array(this.buf);
    this.kdataWord = memmapBytes >> 2;
    this.poolWord = this.kdataWord + (shape.kdataBytes >> 2);
    this.slotOf = new Int32Array(shape.nr_pages);
    this.slotPfn = new Int32Array(shape.contentPages).fill(-1);
    const phys = shape.kdataPfn * 2 ** PAGE_SHIFT;
    this.kdataHi = PAGE_OFFSET_HI + Math.floor(phys / 2 ** 32);
    this.kdataLo = phys % 2 ** 32;
    this.kdataHiS = this.kdataHi | 0;
    this.kdataLoS = this.kdataLo | 0;
  }

  /**
   * Gives this machine's memory back for the next machine of its size
   * (machine-memory.ts) when nothing will look at this one again: its views
   * are detached, so it reads as empty from then on.
   */
  releaseMemory(): void {
    releaseMachineMemory(this.buf, (this.poolWord + this.slotsUsed * (PAGE_SIZE / 4)) * 4);
  }

  layout(name: string): StructLayout {
    const l = this.layouts.get(name);
    if (l === undefined) throw new Error(`no layout for struct ${name}`);
    return l;
  }

  /** Word offset of a struct page field in this variant. */
  pageWord(path: string): number {
    return word(this.PF, path, 'page');
  }

  /** Carves `bytes` of kernel data (16-byte aligned); returns its first word index. */
  protected kdataAlloc(bytes: number): number {
    const at = this.kdataUsed;
    this.kdataUsed += Math.ceil(bytes / 16) * 16;
    if (this.kdataUsed > this.kdataBytes) throw new Error('kernel data region too small');
    return this.kdataWord + (at >> 2);
  }

  // ---- addresses ------------------------------------------------------

  /** High word of the kernel virtual address of memory word `w`. */
  addrHi(w: number): number {
    if (w < this.kdataWord) return VMEMMAP_HI;
    // Kernel data never crosses a 4 GiB boundary (planMachine), so its high word is fixed.
    if (w < this.poolWord) return this.kdataHi;
    return PAGE_OFFSET_HI + Math.floor(this.physOfWord(w) / 2 ** 32);
  }

  /** The kernel virtual address of memory word `w`, as a u64 (for printing; hot paths use addrHi/addrLo). */
  kaddr(w: number): bigint {
    return (BigInt(this.addrHi(w)) << 32n) | BigInt(this.addrLo(w));
  }

  /** Low word of the kernel virtual address of memory word `w`. */
  addrLo(w: number): number {
    if (w < this.kdataWord) return w * 4;
    if (w < this.poolWord) return this.kdataLo + (w - this.kdataWord) * 4;
    return this.physOfWord(w) % 2 ** 32;
  }

  /**
   * The address of word w in signed form: returns the low word (addrLo) and
   * leaves the high word (addrHi) in addrHiOut, so one call gives both.
   * Kernel data never crosses a 4 GiB boundary, so its low word cannot carry.
   */
  protected addrS(w: number): number {
    if (w < this.kdataWord) {
      this.addrHiOut = VMEMMAP_HI_S;
      return (w * 4) | 0;
    }
    if (w < this.poolWord) {
      this.addrHiOut = this.kdataHiS;
      return (this.kdataLoS + (w - this.kdataWord) * 4) | 0;
    }
    this.addrHiOut = this.addrHi(w) | 0;
    return this.addrLo(w) | 0;
  }

  /** The high word of the address addrS() last computed. */
  protected addrHiOut = 0;

  /** The physical address held by a content or kernel-data word. */
  private physOfWord(w: number): number {
    if (w < this.poolWord) return this.kdataPfn * PAGE_SIZE + (w - this.kdataWord) * 4;
    const slot = Math.floor((w - this.poolWord) / (PAGE_SIZE / 4));
    return this.slotPfn[slot]! * PAGE_SIZE + ((w - this.poolWord) % (PAGE_SIZE / 4)) * 4;
  }

  /**
   * The memory word an address points at, or -1 when the kernel would
   * fault on it. Direct-map addresses of pages without contents get a slot
   * (they read as zeroes, as fresh memory does in a simulation).
   */
  wordOfAddr(hi: number, lo: number): number {
    if (hi === VMEMMAP_HI) {
      const w = lo >>> 2;
      return w < this.kdataWord && (lo & 3) === 0 ? w : -1;
    }
    if (hi === this.kdataHi && lo >= this.kdataLo && lo - this.kdataLo < this.kdataBytes && (lo & 3) === 0) {
      return this.kdataWord + ((lo - this.kdataLo) >>> 2);
    }
    if ((lo & 3) !== 0 || hi < PAGE_OFFSET_HI || hi > PAGE_OFFSET_HI + 0x3f) return -1;
    const phys = (hi - PAGE_OFFSET_HI) * 2 ** 32 + lo;
    const pfn = Math.floor(phys / PAGE_SIZE);
    if (pfn >= this.nr_pages) return -1;
    return this.pageContentsWord(pfn) + ((phys % PAGE_SIZE) >>> 2);
  }

  /** Word index of the first word of a page's contents, assigning a slot if it has none. */
  pageContentsWord(pfn: number): number {
    const k = pfn - this.kdataPfn;
    if (k >= 0 && k < this.kdataBytes / PAGE_SIZE) return this.kdataWord + k * (PAGE_SIZE / 4);
    let slot = this.slotOf[pfn]! - 1;
    if (slot < 0) {
      if (this.slotsUsed >= this.contentPages) throw new Error(`pagesim: out of simulated page contents (${this.contentPages} pages); raise machine.memory or use fewer page tables/slabs`);
      slot = this.slotsUsed++;
      this.slotOf[pfn] = slot + 1;
      this.slotPfn[slot] = pfn;
    }
    return this.poolWord + slot * (PAGE_SIZE / 4);
  }

  /** Whether a page has simulated contents. */
  hasContents(pfn: number): boolean {
    return this.slotOf[pfn]! > 0;
  }

  /** Zeroes a page's contents (clear_page); a page without contents already reads as zero. */
  clearPageContents(pfn: number): void {
    if (this.slotOf[pfn]! <= 0) return;
    const w = this.pageContentsWord(pfn);
    this.m32.fill(0, w, w + PAGE_SIZE / 4);
  }

  /** Pages with simulated contents (for footprint and checks). */
  contentPagesUsed(): number {
    return this.slotsUsed;
  }

  /** Reads the 8-byte pointer at word `w` and returns the word it points to; a wild pointer oopses. */
  derefWord(w: number): number {
    const lo = this.i32[w]!;
    const hi = this.i32[w + 1]!;
    // The addresses list links hold (a struct page's lru, a list head in kernel data) are
    // decoded inline, in signed form; anything else takes the general path.
    if (hi === VMEMMAP_HI_S) {
      const t = lo >>> 2;
      if ((lo & 3) === 0 && t < this.kdataWord) return t;
    } else if (hi === this.kdataHiS) {
      // The difference modulo 2^32, which is below kdataBytes exactly when the address is in kernel data.
      const d = (lo - this.kdataLoS) | 0;
      if (d >= 0 && d < this.kdataBytes && (d & 3) === 0) return this.kdataWord + (d >>> 2);
    }
    return this.derefOther(w);
  }

  /** derefWord() for every other address (the direct map, or one that faults: an oops). */
  private derefOther(w: number): number {
    const lo = this.m32[w]!;
    const hi = this.m32[w + 1]!;
    const t = this.wordOfAddr(hi, lo);
    if (t < 0) this.oopsBadPointer(hi, lo);
    return t;
  }

  /** Whether the pointer at word w is the address of word target. */
  pointsTo(w: number, target: number): boolean {
    const lo = this.addrS(target);
    return this.i32[w] === lo && this.i32[w + 1] === this.addrHiOut;
  }

  /** Stores at word `w` the address of memory word `target`. */
  storeAddrOf(w: number, target: number): void {
    const lo = this.addrS(target);
    this.i32[w] = lo;
    this.i32[w + 1] = this.addrHiOut;
  }

  /** Reads a 64-bit word pair as a BigInt (printing and parsing only). */
  read64(w: number): bigint {
    return (BigInt(this.m32[w + 1]!) << 32n) | BigInt(this.m32[w]!);
  }

  write64(w: number, v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.m32[w] = Number(u & 0xffffffffn);
    this.m32[w + 1] = Number(u >> 32n);
  }

  /** The virtual address of pfn's struct page (`pfn_to_page`), as a BigInt for printing. */
  pageAddr(pfn: number): bigint {
    return (BigInt(VMEMMAP_HI) << 32n) + BigInt(pfn * this.structPageSize);
  }

  /** `page_address()`: the direct-map address of pfn's memory. */
  pageVirt(pfn: number): bigint {
    return 0xffff888000000000n + (BigInt(pfn) << BigInt(PAGE_SHIFT));
  }

  /** The pfn whose struct page holds memory word w (w inside the memmap). */
  pfnOfWord(w: number): number {
    return this.PWshift >= 0 && w >= 0 ? w >>> this.PWshift : Math.floor(w / this.PW);
  }

  /** Whether a 64-bit value looks like a poison pointer (0xdead...). */
  static isPoison(hi: number): boolean {
    return hi === POISON_HI;
  }

  // ---- reports --------------------------------------------------------

  /** dump_page(): implemented by the debug layer. */
  abstract dump_page_lines(page: number, reason: string): string[];

  /** Prints lines to the console (dmesg). */
  printk(lines: readonly string[]): void {
    // A limit on what a run keeps (docs/limits.md): the first lines, and a count of the rest.
    for (const l of lines) {
      if (this.console.length < LIMITS.consoleLines) this.console.push(l);
      else this.consoleDropped++;
    }
  }

  protected record(r: Report): void {
    // The BUG that ends a run is always kept, however many reports came before it.
    if (this.reports.length >= this.maxReports && r.kind !== 'BUG') {
      this.droppedReports++;
      return;
    }
    this.reports.push(r);
  }

  /** The simulated call stack, innermost first: kernel function names only. */
  protected kernelStack(): string[] {
    const saved = Error.stackTraceLimit;
    Error.stackTraceLimit = 200;
    const stack = new Error().stack ?? '';
    Error.stackTraceLimit = saved;
    const out: string[] = [];
    for (const line of stack.split('\n')) {
      const m = /^\s+at (?:[\w$.<>[\] ]+\.)?([\w$]+) \(/.exec(line);
      if (m === null) continue;
      const name = m[1]!;
      if (this.symbols.get(name) === undefined) continue;
      if (out[out.length - 1] === name) continue; // a variant override calling its base
      out.push(name);
    }
    return out;
  }

  private ripAndTrace(site: Site | undefined): { rip: string; trace: string[] } {
    const stack = this.kernelStack();
    // The check's own function is the innermost frame even when it was reached inline.
    if (site !== undefined && stack[0] !== site.fn && this.symbols.get(site.fn) !== undefined) stack.unshift(site.fn);
    const trace = callTrace(stack, this.symbols);
    return trace;
  }

  /**
   * The source location a check reports, in the tree the kernel follows: a
   * variant for another release (linux-6.12) maps the baseline's lines to its own.
   */
  protected reportSite(site: Site): Site {
    return site;
  }

  /** The release and configuration an oops prints (the CPU line, __die_header()): a variant for another release gives its own. */
  protected kernelBuild(): KernelBuild {
    return BUILD_7_3;
  }

  /** The WARNING banner kernel/panic.c __warn() prints (v6.19+: `WARNING: file:line at func+off/size, CPU#n: comm/pid`). */
  protected warnBanner(site: Site, rip: string): string {
    return `WARNING: ${site.file}:${site.line} at ${rip}, CPU#${this.current.cpu}: ${this.current.comm}/${this.current.pid}`;
  }

  /** BUG(): print the oops, record the report and unwind the run. */
  BUG(bugSite: Site, page: number | null, dumped: string[], reason: string): never {
    const site = this.reportSite(bugSite);
    const { rip, trace } = this.ripAndTrace(site);
    const text = formatBugText(dumped, site, this.current, this.taints, rip, trace, this.nextOops(), this.kernelBuild());
    const message = `kernel BUG at ${site.file}:${site.line}!`;
    this.printk(text);
    const r: Report = { kind: 'BUG', function: site.fn, rip, reason, message, pfn: page, text: text.join('\n'), ...(inInterrupt(trace) ? { irq: true } : {}) };
    this.record(r);
    throw new KernelBug(r);
  }

  /**
   * oops_end() (arch/x86/kernel/dumpstack.c) after a BUG or a fault: the
   * kernel is tainted D; an oops in interrupt context, or any oops with
   * panic_on_oops set, panics; otherwise the task dies (make_task_dead())
   * and the machine goes on, the next steps running in a task of their
   * own. Returns whether the machine goes on. With panic_on_oops unset
   * the run stops, as if the machine had panicked, without the panic's lines.
   */
  oopsEnd(r: Report): boolean {
    this.taints.add('D');
    if (this.panicOnOops === null) return false;
    if (r.irq === true || this.panicOnOops === 1) {
      const lines = formatPanicText(r.irq === true ? 'Fatal exception in interrupt' : 'Fatal exception');
      this.printk(lines);
      // The panic belongs to the oops that caused it: it ends the report's text.
      (r as { text: string }).text = `${r.text}\n${lines.join('\n')}`;
      return false;
    }
    this.current.pid++;
    return true;
  }

  /**
   * WARN(): print the warning (after the page dump, if any), record it,
   * and taint W (after printing: the warning's own CPU line does not show W).
   * `before` is what precedes the banner: the condition of a WARN_ON(cond),
   * or the message of a WARN(cond, fmt).
   */
  WARN(warnSite: Site, page: number | null, dumped: string[], reason: string, before: readonly string[] = []): void {
    const site = this.reportSite(warnSite);
    const { rip, trace } = this.ripAndTrace(site);
    const text = formatWarnText(dumped, this.warnBanner(site, rip), before, this.current, this.taints, rip, trace, this.kernelBuild());
    this.taints.add('W');
    this.printk(text);
    this.record({ kind: 'WARN', function: site.fn, rip, reason, message: `WARNING: ${site.file}:${site.line} at ${rip.split('+')[0]}`, pfn: page, text: text.join('\n') });
  }

  /**
   * Records a report whose text the caller has already printed (bad_page,
   * checks), or, `suppressed`, one a rate limit kept off the console.
   */
  report(kind: ReportKind, fn: string, reason: string, message: string, page: number | null, text: string[], suppressed = false): void {
    const rip = kind === 'check' ? fn : this.ripAndTrace(undefined).rip;
    this.record({ kind, function: fn, rip, reason, message, pfn: page, text: text.join('\n'), ...(suppressed ? { suppressed: true } : {}) });
  }

  /**
   * The frames dump_stack() prints (lib/dump_stack.c, x86's
   * show_trace_log_lvl(), as of linux-mm 7.3-rc5): dump_stack_lvl, then the
   * function that called it and that function's callers. There is no RIP
   * line to take the innermost frame, so it stays in the trace. `fn` is the
   * reporting function when pagesim reaches it inline (print_bad_pte() is a
   * macro around print_bad_page_map()).
   */
  protected dumpStackFrames(fn?: string): string[] {
    const stack = this.kernelStack();
    if (fn !== undefined && stack[0] !== fn) stack.unshift(fn);
    const { rip, trace } = callTrace(stack, this.symbols);
    return ['dump_stack_lvl+0x5d/0x80', rip, ...trace];
  }

  /** VM_BUG_ON_PAGE(cond, page) */
  VM_BUG_ON_PAGE(cond: boolean, page: number, site: Site): void {
    // Kept tiny so the check costs one branch where it is inlined; the report is built out of line.
    if (cond) this.bugOnPage(page, site);
  }

  private bugOnPage(page: number, site: Site): never {
    const reason = `VM_BUG_ON_PAGE(${__stringify(site.cond)})`;
    this.BUG(site, page, this.dump_page_lines(page, reason), reason);
  }

  /** VM_BUG_ON_FOLIO(cond, folio): dumps the folio's head page. */
  VM_BUG_ON_FOLIO(cond: boolean, folio: number, site: Site): void {
    if (cond) this.bugOnFolio(folio, site);
  }

  private bugOnFolio(folio: number, site: Site): never {
    const reason = `VM_BUG_ON_FOLIO(${__stringify(site.cond)})`;
    this.BUG(site, folio, this.dump_page_lines(folio, reason), reason);
  }

  /** VM_BUG_ON(cond): no dump. */
  VM_BUG_ON(cond: boolean, site: Site): void {
    if (cond) this.bugOn(site);
  }

  private bugOn(site: Site): never {
    this.BUG(site, null, [], `VM_BUG_ON(${site.cond})`);
  }

  /** VM_WARN_ON_ONCE_PAGE(cond, page): warns once per site per run. */
  VM_WARN_ON_ONCE_PAGE(cond: boolean, page: number, site: Site): boolean {
    if (!cond) return false;
    if (this.once(site)) {
      const reason = `VM_WARN_ON_ONCE_PAGE(${__stringify(site.cond)})`;
      this.WARN(site, page, this.dump_page_lines(page, reason), reason);
    }
    return true;
  }

  VM_WARN_ON_ONCE_FOLIO(cond: boolean, folio: number, site: Site): boolean {
    if (!cond) return false;
    if (this.once(site)) {
      const reason = `VM_WARN_ON_ONCE_FOLIO(${__stringify(site.cond)})`;
      this.WARN(site, folio, this.dump_page_lines(folio, reason), reason);
    }
    return true;
  }

  /** VM_WARN_ON_PAGE(cond, page): dumps the page and warns, every time. */
  VM_WARN_ON_PAGE(cond: boolean, page: number, site: Site): boolean {
    if (!cond) return false;
    const reason = `VM_WARN_ON_PAGE(${__stringify(site.cond)})`;
    this.WARN(site, page, this.dump_page_lines(page, reason), reason);
    return true;
  }

  /** VM_WARN_ON_FOLIO(cond, folio) */
  VM_WARN_ON_FOLIO(cond: boolean, folio: number, site: Site): boolean {
    if (!cond) return false;
    const reason = `VM_WARN_ON_FOLIO(${__stringify(site.cond)})`;
    this.WARN(site, folio, this.dump_page_lines(folio, reason), reason);
    return true;
  }

  /** WARN_ON_ONCE(cond): the condition is printed above the banner. */
  WARN_ON_ONCE(cond: boolean, site: Site, page: number | null = null): boolean {
    if (!cond) return false;
    if (this.once(site)) this.WARN(site, page, [], `WARN_ON_ONCE(${site.cond})`, [site.cond]);
    return true;
  }

  /** WARN_ON(cond) */
  WARN_ON(cond: boolean, site: Site, page: number | null = null): boolean {
    if (cond) this.WARN(site, page, [], `WARN_ON(${site.cond})`, [site.cond]);
    return cond;
  }

  /** WARN_ONCE(cond, fmt, ...): the formatted message is printed above the banner. */
  WARN_ONCE(cond: boolean, site: Site, message: () => string, page: number | null = null): boolean {
    if (!cond) return false;
    if (this.once(site)) this.WARN(site, page, [], message(), [message()]);
    return true;
  }

  private once(site: Site): boolean {
    const key = `${site.file}:${site.line}`;
    if (this.onceFired.has(key)) return false;
    this.onceFired.add(key);
    return true;
  }

  /**
   * The kernel touches the struct page of `pfn` at byte `offset` of it. A
   * pfn outside the memmap (computed from a huge order, or a page pointer
   * plus a wild offset) has no struct page mapped in vmemmap: the access
   * faults, as it would in the kernel.
   */
  touchPage(pfn: number, offset: number): void {
    if (pfn < 0 || pfn >= this.nr_pages) this.oopsStructPage(pfn, offset);
  }

  /** The fault of touchPage(): vmemmap + pfn * sizeof(struct page) + offset, modulo 2^64. */
  oopsStructPage(pfn: number, offset: number): never {
    const addr = BigInt.asUintN(64, (BigInt(VMEMMAP_HI) << 32n) + BigInt(pfn) * BigInt(this.structPageSize) + BigInt(offset));
    this.oopsBadPointer(Number(addr >> 32n), Number(addr & 0xffffffffn));
  }

  /** A fault on the direct-map address of a pfn past the end of memory (page_address() of a page past the memmap). */
  oopsDirectMap(pfn: number): never {
    const addr = BigInt.asUintN(64, 0xffff888000000000n + (BigInt(pfn) << BigInt(PAGE_SHIFT)));
    this.oopsBadPointer(Number(addr >> 32n), Number(addr & 0xffffffffn));
  }

  /**
   * dump_pagetable() (arch/x86/mm/fault.c, x86_64): the walk of the kernel
   * page tables down to the fault's entry, and the leaf's state for
   * show_fault_oops()'s NX line. A machine without page tables has a PGD
   * of nothing; Pgtable (pgtable.ts) walks swapper_pg_dir.
   */
  protected dump_pagetable(_addr: bigint): { line: string; present: boolean; nx: boolean } {
    return { line: 'PGD 0 P4D 0 ', present: false, nx: false };
  }

  /**
   * page_fault_oops() for a kernel-mode fault on a canonical address
   * (arch/x86/mm/fault.c, linux-mm 7.3-rc5): show_fault_oops() (the NX line
   * for an instruction fetch from a mapped page, the BUG line, the two #PF
   * lines, dump_pagetable()), then __die("Oops", regs, error_code)'s header
   * (arch/x86/kernel/dumpstack.c): what comes before the CPU line. pagesim
   * does not tell reads from writes: a data access is a read.
   */
  protected pageFaultHeader(addr: bigint, fetch: boolean): string[] {
    const hex = hex16(addr);
    const walk = this.dump_pagetable(addr);
    // X86_PF_PROT 0x1 (the page is present), X86_PF_INSTR 0x10 (arch/x86/include/asm/trap_pf.h).
    const error_code = (walk.present ? 0x1 : 0) | (fetch ? 0x10 : 0);
    const lines: string[] = [];
    if (fetch && walk.present && walk.nx) lines.push('kernel tried to execute NX-protected page - exploit attempt? (uid: 0)');
    lines.push(addr < BigInt(PAGE_SIZE) ? `BUG: kernel NULL pointer dereference, address: ${hex}` : `BUG: unable to handle page fault for address: ${hex}`);
    lines.push(`#PF: supervisor ${fetch ? 'instruction fetch' : 'read access'} in kernel mode`);
    const code = error_code.toString(16).padStart(4, '0');
    lines.push(`#PF: error_code(0x${code}) - ${walk.present ? 'permissions violation' : 'not-present page'}`);
    lines.push(walk.line);
    lines.push(dieHeader('Oops', code, this.nextOops(), this.kernelBuild()));
    return lines;
  }

  /** An oops for a pointer dereference the kernel would fault on. */
  oopsBadPointer(hi: number, lo: number): never {
    const addr = (BigInt(hi) << 32n) | BigInt(lo);
    const stack = this.kernelStack();
    // A pointer the step hands over faults before any kernel function runs (a page handle plus a wild offset, NULL): RIP is the step runner.
    const fn = stack[0] ?? ROOT_FRAME;
    const { rip, trace } = callTrace(stack, this.symbols);
    const hex = hex16(addr);
    const canonical = isCanonical(addr);
    // A canonical address page-faults (show_fault_oops() words one below PAGE_SIZE as a NULL pointer dereference); any other is a #GP (die_addr()).
    const header = canonical ? this.pageFaultHeader(addr, false) : [dieHeader(`general protection fault, probably for non-canonical address 0x${hex}`, '0000', this.nextOops(), this.kernelBuild())];
    const first = canonical ? header.find((l) => l.startsWith('BUG: '))! : header[0]!;
    const text = formatFaultText(header, this.current, this.taints, rip, trace, this.kernelBuild(), canonical ? `CR2: ${hex}` : undefined);
    this.printk(text);
    const r: Report = { kind: 'BUG', function: fn, rip, reason: canonical ? 'page fault' : 'general protection fault', message: first, pfn: null, text: text.join('\n'), ...(inInterrupt(trace) ? { irq: true } : {}) };
    this.record(r);
    throw new KernelBug(r);
  }
}
