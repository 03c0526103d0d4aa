/**
 * Reading a kmem trace into an EventLog, fast.
 *
 * src/trace's TraceParser reads every historical format and costs about
 * 0.5 µs an event; the replay target (3 M events/s, parsing included)
 * leaves a third of that for parsing. Almost every line of a capture is in
 * one format (ftrace `trace` of a 5.14+ kernel: `comm-pid [cpu] flags ts:
 * mm_page_x: page=.. pfn=0x.. order=..`), so this reader recognises exactly
 * that layout with fixed field order in one forward scan, and hands any
 * other line (old formats, perf/trace-cmd text, extfrag, vendor fields,
 * anything odd) to TraceParser, whose counts and examples it merges. The
 * result is the same events either way; only the cost differs.
 */

import { TraceParser } from '../trace/parser.js';
import { GfpCache, type GfpEntry } from '../trace/gfp-cache.js';
import { traceFileChunks, inflateIfGzip, lineTooLong, CHUNK_BYTES, TRACE_LINE_BYTES_MAX } from '../trace/input.js';
import type { TraceEvent } from '../trace/record.js';
import type { TraceStats } from '../trace/stats.js';
import { Ch, readTimestamp } from '../trace/scan.js';
import {
  EV_ALLOC, EV_EXTFRAG, EV_FREE, EV_FREE_BATCHED, EV_PCPU_DRAIN, EV_ZONE_LOCKED, EVENT_KIND_NAMES, EventLog,
  FLAG_FAILED, FLAG_OWNERSHIP, FLAG_REFILL, packExtfrag, packInfo,
} from './events.js';

/** What the reader counted besides events: TraceStats (line numbers true to the file), plus the slow-path count. */
export interface ParseStats extends Omit<TraceStats, 'byEvent'> {
  byEvent: Record<string, number>;
  /** Lines the fast path handed to TraceParser. */
  slowLines: number;
  /**
   * Line of the first event whose timestamp is earlier than the event's
   * before it, 0 when none is: a merged capture, or per-CPU buffers read
   * one after another. The replay applies events in the file's order.
   */
  timeBackwardsLine: number;
}



const bytesOfName = (s: string): Uint8Array => Uint8Array.from(s, (ch) => ch.charCodeAt(0));

const NAMES: readonly Uint8Array[] = [
  bytesOfName('mm_page_alloc'),
  bytesOfName('mm_page_free'),
  bytesOfName('mm_page_free_batched'),
  bytesOfName('mm_page_alloc_zone_locked'),
  bytesOfName('mm_page_pcpu_drain'),
];
const MM_PAGE_ = bytesOfName('mm_page_');
const K_PAGE = bytesOfName('page=');
const K_PFN = bytesOfName(' pfn=');
const K_ORDER = bytesOfName(' order=');
const K_MT = bytesOfName(' migratetype=');
const K_GFP = bytesOfName(' gfp_flags=');
const K_REFILL = bytesOfName(' percpu_refill=');

/** Column of the `[cpu]` bracket in ftrace's default layout (`%16s-%-7d [%03d]`). */
const CPU_COLUMN = 25;
/** From `]` to the timestamp's colon in the 5.13+ layout (` ..... %5lu.%06lu:`). */
const TIMESTAMP_COLON = 20;
/** A hashed `%p` (4.15+) is 16 hex digits. */
const HASHED_POINTER = 16;

/**
 * The index of a byte at or after `from`, or -1: the typed array's own
 * indexOf, a builtin of V8 (Buffer's indexOf checks its arguments in
 * JavaScript first, which runs unoptimised for the first thousands of the
 * trace's lines; finding the 150,000 newlines of a 20 MB trace took 66 ms
 * through it in a fresh process, 26 through this).
 */
const indexOfByte: (this: Uint8Array, value: number, from: number) => number = Uint8Array.prototype.indexOf;

/** Whether b[p, p + text.length) holds text (the caller checked the length fits). */
function sameBytes(b: Buffer, p: number, text: Uint8Array): boolean {
  const n = text.length;
  for (let i = 0; i < n; i++) if (b[p + i] !== text[i]) return false;
  return true;
}

function matchAt(b: Buffer, p: number, len: number, key: Uint8Array): boolean {
  const n = key.length;
  if (p + n > len) return false;
  for (let i = 0; i < n; i++) if (b[p + i] !== key[i]) return false;
  return true;
}

/**
 * A field key (` name=`) after a fully checked event name, whose fields
 * come in a fixed order: its first two bytes and its `=` identify it among
 * the kmem fields, so the bytes between are not compared.
 */
function keyAt(b: Buffer, p: number, len: number, key: Uint8Array): boolean {
  const n = key.length;
  return p + n <= len && b[p + n - 1] === Ch.Eq && b[p] === key[0] && b[p + 1] === key[1];
}

/** A gfp text seen before. */
interface GfpSlot {
  readonly bytes: Uint8Array;
  readonly index: number;
}

/** How many distinct gfp texts are tried by comparison before hashing (a capture has about 15). */
const GFP_SLOTS_MAX = 32;
/** A pfn that fits no machine: events beyond Int32 become "outside any zone". */
const PFN_OUT_OF_RANGE = 0x7fffffff;

export class FastTraceReader {
  readonly log: EventLog;
  private readonly gfpSlots: GfpSlot[] = [];
  private lastGfp: GfpSlot | null = null;
  private readonly gfpCache = new GfpCache();
  private readonly gfpIndexOf = new Map<GfpEntry, number>();
  private readonly gfpUnknown = new Map<string, number>();
  private readonly slow: TraceParser;
  /** File line number of each line handed to the slow parser, by its own count. */
  private readonly slowLineNos: number[] = [];
  private lineNo = 0;
  private headerLines = 0;
  private bytes = 0;
  private failedAllocs = 0;
  private carry: Buffer | null = null;
  /** Value of the last number read (a field, so reading one allocates nothing). */
  private v = 0;
  /** Events the slow parser delivered that name no page or an impossible order (counted as malformed). */
  slowUnusable = 0;
  /** The last event's time (-1 before the first), and the line where one was earlier than the one before (0: none). */
  private lastSeconds = -1;
  private lastMicros = 0;
  private timeBackwardsLine = 0;
  private readonly time = { timestampUs: -1 };

  /**
   * `limitsOf`: the trace's path when this reader is to refuse a line
   * longer than the limit (docs/limits.md) as traceFileChunks() does,
   * having been given the chunks unchecked: it finds every line's end
   * anyway, where that check searched each chunk for them a second time.
   */
  constructor(
    log: EventLog = new EventLog(),
    private readonly limitsOf: string | null = null,
  ) {
    this.log = log;
    this.slow = new TraceParser({ onEvent: (rec) => this.fromSlow(rec) });
  }

  /** Feeds the next chunk of trace bytes; lines may straddle chunks. The chunk may be reused by the caller afterwards. */
  pushBytes(chunk: Buffer): void {
    this.bytes += chunk.length;
    let pos = 0;
    if (this.carry !== null) {
      const nl = indexOfByte.call(chunk, Ch.Lf, 0);
      if (nl < 0) {
        this.carry = Buffer.concat([this.carry, chunk]);
        this.checkOpenLine(this.carry.length);
        return;
      }
      const joined = Buffer.concat([this.carry, chunk.subarray(0, nl + 1)]);
      this.carry = null;
      this.scan(joined, 0, joined.length);
      pos = nl + 1;
    }
    pos = this.scan(chunk, pos, chunk.length);
    if (pos < chunk.length) {
      this.carry = Buffer.from(chunk.subarray(pos));
      this.checkOpenLine(this.carry.length);
    }
  }

  /** With limitsOf: the next line, of which `bytes` have been read and no newline yet, may not be longer than the limit. */
  private checkOpenLine(bytes: number): void {
    if (this.limitsOf !== null && bytes > TRACE_LINE_BYTES_MAX) throw lineTooLong(this.limitsOf, this.lineNo + 1);
  }

  /** Ends the input: the last line may lack its newline. */
  finish(): ParseStats {
    if (this.carry !== null) {
      const last = Buffer.concat([this.carry, Buffer.from([Ch.Lf])]);
      this.carry = null;
      this.scan(last, 0, last.length);
    }
    return this.stats(this.slow.finish());
  }

  /** Bytes of trace text read so far. */
  bytesRead(): number {
    return this.bytes;
  }

  private stats(s: TraceStats): ParseStats {
    const byKind = this.log.countByKind();
    const byEvent: Record<string, number> = {};
    EVENT_KIND_NAMES.forEach((k, i) => (byEvent[k] = byKind[i]!));
    for (const [name, n] of Object.entries(s.gfpUnknownNames)) this.gfpUnknown.set(name, (this.gfpUnknown.get(name) ?? 0) + n);
    return {
      events: this.log.total(),
      byEvent,
      failedAllocs: this.failedAllocs,
      skipped: s.skipped,
      skippedByEvent: s.skippedByEvent,
      malformed: s.malformed + this.slowUnusable,
      malformedSamples: s.malformedSamples.map((m) => ({ ...m, lineNo: this.slowLineNos[m.lineNo - 1] ?? m.lineNo })),
      headerLines: this.headerLines + s.headerLines,
      otherLines: s.otherLines,
      gfpUnknownNames: Object.fromEntries(this.gfpUnknown),
      bytes: this.bytes,
      lines: this.lineNo,
      slowLines: this.slowLineNos.length,
      timeBackwardsLine: this.timeBackwardsLine,
    };
  }

  /** Parses the complete lines of b[pos, len); returns where the incomplete last line starts (len if none). */
  private scan(b: Buffer, pos: number, len: number): number {
    while (pos < len) {
      // A native search finds the line's end faster than a byte loop; knowing it lets the fast path probe columns.
      const nl = indexOfByte.call(b, Ch.Lf, pos);
      if (nl < 0 || nl >= len) return pos;
      if (nl - pos > TRACE_LINE_BYTES_MAX && this.limitsOf !== null) throw lineTooLong(this.limitsOf, this.lineNo + 1);
      const end = nl > pos && b[nl - 1] === Ch.Cr ? nl - 1 : nl;
      const lineNo = ++this.lineNo;
      if (b[pos] === Ch.Hash) this.headerLines++;
      else if (!this.fastLine(b, pos, end, lineNo)) {
        this.slowLineNos.push(lineNo);
        this.slow.line(b, pos, end);
      }
      pos = nl + 1;
    }
    return pos;
  }

  /** Reads a number at p (decimal, or 0x hex) into this.v; returns the position after it, or -1. */
  private num(b: Buffer, p: number, e: number): number {
    let v = 0;
    let c = 0;
    const first = p;
    if (p + 1 < e && b[p] === Ch.Zero && b[p + 1] === Ch.LowerX) {
      p += 2;
      const d0 = p;
      for (; p < e; p++) {
        c = b[p]!;
        if (c >= Ch.Zero && c <= Ch.Nine) v = v * 16 + (c - Ch.Zero);
        else if ((c | 0x20) >= 97 && (c | 0x20) <= 102) v = v * 16 + ((c | 0x20) - 87);
        else break;
      }
      if (p === d0) return -1;
    } else {
      for (; p < e && (c = b[p]!) >= Ch.Zero && c <= Ch.Nine; p++) v = v * 10 + (c - Ch.Zero);
      if (p === first) return -1;
    }
    this.v = v;
    return p;
  }

  /**
   * The fast path for the line b[s, e): when it is the common ftrace
   * layout, stores its event and returns true; else false (the caller hands
   * the line to the slow parser). It probes the columns where ftrace puts
   * the cpu bracket, the timestamp's colon and the end of a hashed page
   * pointer before scanning for them, so most bytes of a line are never
   * read; every read stays inside the line.
   */
  private fastLine(b: Buffer, s: number, e: number, lineNo: number): boolean {
    let p = s + CPU_COLUMN;
    if (p >= e || b[p] !== Ch.LBracket) {
      p = s;
      while (p < e && b[p] !== Ch.LBracket) p++;
      if (p >= e) return false;
    }
    let q = p + 1;
    let c = q < e ? b[q]! : 0;
    if (c < Ch.Zero || c > Ch.Nine) return false;
    let cpu = 0;
    do {
      cpu = cpu * 10 + (c - Ch.Zero);
      c = ++q < e ? b[q]! : 0;
    } while (c >= Ch.Zero && c <= Ch.Nine);
    if (c !== Ch.RBracket) return false;
    let t = q + TIMESTAMP_COLON;
    if (t + 1 >= e || b[t] !== Ch.Colon || b[t + 1] !== Ch.Space) {
      t = q + 1;
      while (t < e && b[t] !== Ch.Colon) t++;
      if (t + 1 >= e || b[t + 1] !== Ch.Space) return false;
    }
    const n0 = t + 2;
    if (n0 + 26 >= e || !matchAt(b, n0, e, MM_PAGE_)) return false;
    const c8 = b[n0 + 8];
    let kind = -1;
    if (c8 === 97 /* a */) kind = b[n0 + 13] === Ch.Colon ? EV_ALLOC : b[n0 + 25] === Ch.Colon ? EV_ZONE_LOCKED : -1;
    else if (c8 === 102 /* f */) kind = b[n0 + 12] === Ch.Colon ? EV_FREE : b[n0 + 20] === Ch.Colon ? EV_FREE_BATCHED : -1;
    else if (c8 === 112 /* p */) kind = b[n0 + 18] === Ch.Colon ? EV_PCPU_DRAIN : -1;
    if (kind < 0) return false;
    const name = NAMES[kind]!;
    const nameEnd = n0 + name.length;
    for (let i = 9; i < name.length; i++) if (b[n0 + i] !== name[i]) return false;
    if (b[nameEnd + 1] !== Ch.Space) return false;
    p = nameEnd + 2;
    if (!keyAt(b, p, e, K_PAGE)) return false;
    p += K_PAGE.length;
    if (p + HASHED_POINTER < e && b[p + HASHED_POINTER] === Ch.Space) p += HASHED_POINTER;
    else while (p < e && b[p] !== Ch.Space) p++;
    if (!keyAt(b, p, e, K_PFN)) return false;
    p = this.num(b, p + K_PFN.length, e);
    if (p < 0) return false;
    let pfn = this.v;
    if (!keyAt(b, p, e, K_ORDER)) return false;
    p = this.num(b, p + K_ORDER.length, e);
    if (p < 0 || this.v > 15) return false;
    const order = this.v;
    let mt = -1;
    let flags = 0;
    let aux = 0;
    if (kind === EV_ALLOC || kind === EV_ZONE_LOCKED || kind === EV_PCPU_DRAIN) {
      if (!keyAt(b, p, e, K_MT)) return false;
      p += K_MT.length;
      const neg = p < e && b[p] === Ch.Minus;
      p = this.num(b, neg ? p + 1 : p, e);
      if (p < 0 || this.v > 14) return false;
      mt = neg ? -1 : this.v;
    }
    if (kind === EV_ALLOC) {
      if (!keyAt(b, p, e, K_GFP)) return false;
      p += K_GFP.length;
      aux = this.gfpAt(b, p, e);
      if (aux < 0) return false;
      p = e;
      // 4.1+ prints pfn 0 for the "no page" pfn of a failed allocation.
      if (pfn === 0) {
        flags |= FLAG_FAILED;
        pfn = -1;
      }
    } else if (kind === EV_ZONE_LOCKED) {
      if (!keyAt(b, p, e, K_REFILL)) return false;
      p = this.num(b, p + K_REFILL.length, e);
      if (p < 0) return false;
      if (this.v !== 0) flags |= FLAG_REFILL;
    }
    if (p !== e) return false;
    if (flags & FLAG_FAILED) this.failedAllocs++;
    if (pfn > PFN_OUT_OF_RANGE) pfn = PFN_OUT_OF_RANGE;
    this.timeAt(b, q, t, lineNo);
    this.log.push(pfn, lineNo, packInfo(kind, order, mt, cpu, flags), aux);
    return true;
  }

  /**
   * The timestamp that ends at the colon b[colon] (after the cpu bracket's
   * `]` at b[from]), checked against the event's before: ftrace's
   * `SECONDS.MICROSECONDS` read in place in integer steps, any other form
   * by readTimestamp().
   */
  private timeAt(b: Buffer, from: number, colon: number, lineNo: number): void {
    const dot = colon - 7;
    if (dot > from && b[dot] === Ch.Dot) {
      let q = dot - 1;
      while (q > from && b[q]! >= Ch.Zero && b[q]! <= Ch.Nine) q--;
      let i = dot + 1;
      let us = 0;
      for (let c = 0; i < colon && (c = (b[i]! - Ch.Zero) >>> 0) <= 9; i++) us = us * 10 + c;
      // At most 9 digits of seconds (31 years) stay a small integer.
      if (i === colon && b[q] === Ch.Space && q < dot - 1 && dot - 1 - q <= 9) {
        let s = 0;
        for (let k = q + 1; k < dot; k++) s = s * 10 + (b[k]! - Ch.Zero);
        this.noteTime(s, us, lineNo);
        return;
      }
    }
    let p = colon;
    for (let c = b[p - 1]!; p > from && ((c >= Ch.Zero && c <= Ch.Nine) || c === Ch.Dot); c = b[--p - 1]!);
    if (readTimestamp(b, p, colon + 1, this.time) === colon + 1) this.noteTimeUs(this.time.timestampUs, lineNo);
  }

  /** An event's time as whole seconds and the microseconds past them. */
  private noteTime(seconds: number, micros: number, lineNo: number): void {
    if ((seconds < this.lastSeconds || (seconds === this.lastSeconds && micros < this.lastMicros)) && this.timeBackwardsLine === 0) this.timeBackwardsLine = lineNo;
    this.lastSeconds = seconds;
    this.lastMicros = micros;
  }

  /** An event's time in microseconds (readTimestamp()'s). */
  private noteTimeUs(us: number, lineNo: number): void {
    const seconds = Math.floor(us / 1e6);
    this.noteTime(seconds, us - seconds * 1e6, lineNo);
  }

  /**
   * The gfp text b[p, e) (it runs to the end of the line): its index in the
   * log's gfp table, or -1 when it is not the common layout. Known texts are
   * recognised by length and comparison (the most recent first), new ones
   * are decoded once.
   */
  private gfpAt(b: Buffer, p: number, e: number): number {
    const n = e - p;
    const last = this.lastGfp;
    if (last !== null && last.bytes.length === n && sameBytes(b, p, last.bytes)) return last.index;
    for (const slot of this.gfpSlots) {
      if (slot !== last && slot.bytes.length === n && sameBytes(b, p, slot.bytes)) {
        this.lastGfp = slot;
        return slot.index;
      }
    }
    let h = 0;
    for (let i = p; i < e; i++) {
      const c = b[i]!;
      if (c === Ch.Space) return -1; // a field after gfp_flags: not the common layout
      h = (Math.imul(h, 31) + c) | 0;
    }
    const entry = this.gfpCache.lookup(b, p, e, h);
    for (const name of entry.unknown) this.gfpUnknown.set(name, (this.gfpUnknown.get(name) ?? 0) + 1);
    let index = this.gfpIndexOf.get(entry);
    if (index === undefined) {
      index = this.log.gfpIndex(entry.mask, entry.text);
      this.gfpIndexOf.set(entry, index);
    }
    // Unknown names are counted per event, so only texts without them are remembered for comparison.
    if (entry.unknown.length === 0 && this.gfpSlots.length < GFP_SLOTS_MAX) {
      const slot = { bytes: entry.bytes, index };
      this.gfpSlots.push(slot);
      this.lastGfp = slot;
    }
    return index;
  }

  /** An event the slow parser read; stored with its true line number. */
  private fromSlow(rec: TraceEvent): void {
    const lineNo = this.lineNo;
    if (rec.timestampUs >= 0) this.noteTimeUs(rec.timestampUs, lineNo);
    let pfn = rec.pfn > PFN_OUT_OF_RANGE ? PFN_OUT_OF_RANGE : rec.pfn;
    let flags = 0;
    let aux = 0;
    let order = rec.order;
    let mt = rec.migratetype;
    switch (rec.kindCode) {
      case EV_ALLOC:
        if (rec.failed) {
          flags |= FLAG_FAILED;
          pfn = -1;
          this.failedAllocs++;
        }
        aux = this.log.gfpIndex(rec.gfp < 0 ? 0 : rec.gfp, rec.gfpText);
        break;
      case EV_ZONE_LOCKED:
        if (rec.percpuRefill === true) flags |= FLAG_REFILL;
        break;
      case EV_EXTFRAG:
        order = rec.allocOrder;
        mt = rec.allocMigratetype;
        aux = packExtfrag(rec.fallbackOrder, rec.fallbackMigratetype);
        if (rec.changeOwnership === true) flags |= FLAG_OWNERSHIP;
        break;
      default:
        break;
    }
    if (order < 0 || order > 15 || mt > 14 || pfn < -1 || (pfn < 0 && (flags & FLAG_FAILED) === 0)) {
      this.slowUnusable++;
      return;
    }
    this.log.push(pfn, lineNo, packInfo(rec.kindCode, order, mt < -1 ? -1 : mt, rec.cpu, flags), aux);
  }
}

export interface ReadResult {
  readonly log: EventLog;
  readonly stats: ParseStats;
  readonly seconds: number;
}

/**
 * Streams a trace file (plain or gzip) through the reader. After each chunk
 * `sink` gets the events parsed from it, which are then dropped (pass
 * `keep` to keep them all in the log instead). gzip is inflated on libuv's
 * thread pool, so on two cores inflation overlaps parsing and the sink's
 * work. Unreadable files and corrupt gzip are InputErrors.
 */
export async function streamTraceFile(
  path: string,
  sink: ((log: EventLog, from: number, to: number) => void) | null,
  onProgress?: (bytes: number) => void,
): Promise<ReadResult> {
  const t0 = process.hrtime.bigint();
  const reader = new FastTraceReader(undefined, path);
  const log = reader.log;
  const flush = (): void => {
    if (sink === null) return;
    sink(log, 0, log.length);
    log.clear();
  };
  for await (const chunk of traceFileChunks(path, undefined, false)) {
    reader.pushBytes(chunk);
    flush();
    onProgress?.(reader.bytesRead());
  }
  const stats = reader.finish();
  flush();
  return { log, stats, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** Reads a whole trace file into the log. */
export function readTraceFile(path: string, onProgress?: (bytes: number) => void): Promise<ReadResult> {
  return streamTraceFile(path, null, onProgress);
}

/** Reads a trace held in memory (plain or gzip); with a sink, hands it the events chunk by chunk as streamTraceFile does. */
export function readTraceBuffer(data: Uint8Array, sink: ((log: EventLog, from: number, to: number) => void) | null = null): ReadResult {
  const t0 = process.hrtime.bigint();
  const bytes = inflateIfGzip(data);
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = new FastTraceReader();
  const log = reader.log;
  const flush = (): void => {
    if (sink === null) return;
    sink(log, 0, log.length);
    log.clear();
  };
  for (let pos = 0; pos < buf.length; pos += CHUNK_BYTES) {
    reader.pushBytes(buf.subarray(pos, Math.min(buf.length, pos + CHUNK_BYTES)));
    flush();
  }
  const stats = reader.finish();
  flush();
  return { log, stats, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}
