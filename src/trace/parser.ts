/**
 * The incremental trace parser: feed it text or bytes in chunks of any size,
 * it calls `onEvent` for every kmem page event and counts everything else.
 * It never throws on bad input: malformed lines are counted and sampled.
 */
import { EVENT_SPECS, type EventSpec } from './events.js';
import { FieldParser } from './fields.js';
import { LineSplitter, type LineSink } from './lines.js';
import { CommCache, isEventName, NameScan, parsePrefix } from './prefix.js';
import { EVENT_KINDS, KIND_ALLOC, TraceEvent } from './record.js';
import { Ch, Cursor, text } from './scan.js';
import { StatsCollector, type TraceStats } from './stats.js';

/** Options of every parse entry point. */
export interface ParseOptions {
  /**
   * Called for every event with a record that the parser reuses: it is
   * valid only during the callback (copy fields or call `rec.clone()`).
   */
  onEvent?: (rec: TraceEvent) => void;
  /** Called after each input chunk (roughly every 512 KiB) with the counts so far. */
  onProgress?: (stats: TraceStats) => void;
  /** How many malformed lines to keep as samples (default 10). */
  maxMalformedSamples?: number;
}

function noop(): void {}

export class TraceParser implements LineSink {
  private readonly stats: StatsCollector;
  private readonly splitter = new LineSplitter(this);
  private readonly rec = new TraceEvent();
  private readonly cur = new Cursor();
  private readonly name = new NameScan();
  private readonly fields = new FieldParser();
  private readonly comms = new CommCache();
  private readonly onEvent: (rec: TraceEvent) => void;

  constructor(private readonly options: ParseOptions = {}) {
    this.stats = new StatsCollector(options.maxMalformedSamples ?? 10);
    this.onEvent = options.onEvent ?? noop;
  }

  /** Feeds the next chunk of trace bytes (any size; lines may straddle chunks). The chunk may be reused afterwards. */
  pushBytes(chunk: Uint8Array): void {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.stats.bytes += b.length;
    this.splitter.push(b);
  }

  /** Feeds a piece of trace text (encoded as UTF-8 for the byte parser). */
  pushText(chunk: string): void {
    this.pushBytes(Buffer.from(chunk, 'utf8'));
  }

  /** Reports progress to the onProgress callback, if any. */
  progress(): void {
    this.options.onProgress?.(this.stats.snapshot());
  }

  /** Ends the input and returns the summary. */
  finish(): TraceStats {
    this.splitter.flush();
    return this.stats.snapshot();
  }

  /** LineSink: one line b[start, end). */
  line(b: Buffer, start: number, end: number): void {
    const stats = this.stats;
    const lineNo = ++stats.lines;
    if (start < end && b[start] === Ch.Hash) {
      stats.headerLines++;
      return;
    }
    const rec = this.rec;
    const cur = this.cur;
    cur.reset(b, start, end);
    const namePos = parsePrefix(cur, rec, this.comms);
    if (namePos < 0) {
      stats.otherLines++;
      return;
    }
    this.name.read(cur, namePos);
    const spec = this.knownEvent(b);
    if (spec === null) return;
    rec.lineNo = lineNo;
    const problem = this.fields.parse(cur, rec, spec);
    if (problem !== null) {
      stats.addMalformed(lineNo, problem, text(b, start, end));
      return;
    }
    this.deliver(spec);
  }

  /** The spec of the event named at the name scan, or null after counting the line as skipped/other. */
  private knownEvent(b: Buffer): EventSpec | null {
    const name = this.name;
    if (name.nameStart >= 0 && name.spec >= 0) return EVENT_SPECS[name.spec];
    if (name.nameStart >= 0 && isEventName(b, name.nameStart, name.nameEnd)) {
      this.stats.addSkipped(text(b, name.nameStart, name.nameEnd));
    } else {
      this.stats.otherLines++;
    }
    return null;
  }

  /** Fills in the kind, counts the event and hands it to the callback. */
  private deliver(spec: EventSpec): void {
    const rec = this.rec;
    const stats = this.stats;
    rec.kindCode = spec.kindCode;
    rec.event = EVENT_KINDS[spec.kindCode];
    rec.name = spec.name;
    stats.events++;
    stats.byKind[spec.kindCode]++;
    if (rec.failed && spec.kindCode === KIND_ALLOC) stats.failedAllocs++;
    const gfp = this.fields.gfpEntry;
    if (gfp !== null && gfp.unknown.length > 0) stats.addUnknownGfpNames(gfp.unknown);
    this.onEvent(rec);
  }
}
