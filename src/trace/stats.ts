/**
 * Counters of a parse and the TraceStats summary built from them.
 */
import { EVENT_KINDS, type EventKind } from './record.js';

/** A malformed line kept as an example. */
export interface MalformedSample {
  readonly lineNo: number;
  readonly reason: string;
  /** The line, cut to 200 characters. */
  readonly text: string;
}

/** Summary of one parse. */
export interface TraceStats {
  /** Events delivered to onEvent (well-formed lines of the kmem page events). */
  events: number;
  byEvent: Record<EventKind, number>;
  /** mm_page_alloc events with a NULL page (also counted in events and byEvent.alloc). */
  failedAllocs: number;
  /** Lines of other events (page_pool, iomap, ...), skipped. */
  skipped: number;
  /** Skipped lines per event name. */
  skippedByEvent: Record<string, number>;
  /** Lines of our events that could not be parsed. */
  malformed: number;
  /** The first few malformed lines (at most `maxMalformedSamples`, default 10). */
  malformedSamples: MalformedSample[];
  /** Lines starting with `#`. */
  headerLines: number;
  /** Lines that are neither events nor headers: blank lines, callchains, `=> func` stack lines, `<stack trace>` markers, prose. */
  otherLines: number;
  /** gfp_flags names not in the table (removed flags such as GFP_NOTRACK), with the number of events carrying each. */
  gfpUnknownNames: Record<string, number>;
  /** Bytes of trace text (after gunzip). */
  bytes: number;
  /** Lines read. */
  lines: number;
}

const SAMPLE_TEXT_MAX = 200;

/** Mutable counters; kept as plain numbers/arrays so the hot path does no keyed property access. */
export class StatsCollector {
  readonly byKind: number[] = EVENT_KINDS.map(() => 0);
  events = 0;
  failedAllocs = 0;
  skipped = 0;
  readonly skippedByEvent = new Map<string, number>();
  malformed = 0;
  readonly malformedSamples: MalformedSample[] = [];
  headerLines = 0;
  otherLines = 0;
  readonly gfpUnknownNames = new Map<string, number>();
  bytes = 0;
  lines = 0;

  constructor(private readonly maxSamples: number) {}

  addSkipped(name: string): void {
    this.skipped++;
    this.skippedByEvent.set(name, (this.skippedByEvent.get(name) ?? 0) + 1);
  }

  addMalformed(lineNo: number, reason: string, text: string): void {
    this.malformed++;
    if (this.malformedSamples.length < this.maxSamples) {
      this.malformedSamples.push({ lineNo, reason, text: text.length > SAMPLE_TEXT_MAX ? text.slice(0, SAMPLE_TEXT_MAX) : text });
    }
  }

  addUnknownGfpNames(names: readonly string[]): void {
    for (const name of names) this.gfpUnknownNames.set(name, (this.gfpUnknownNames.get(name) ?? 0) + 1);
  }

  /** A TraceStats value detached from the collector. */
  snapshot(): TraceStats {
    const byEvent = Object.fromEntries(EVENT_KINDS.map((k, i) => [k, this.byKind[i]])) as Record<EventKind, number>;
    return {
      events: this.events,
      byEvent,
      failedAllocs: this.failedAllocs,
      skipped: this.skipped,
      skippedByEvent: Object.fromEntries(this.skippedByEvent),
      malformed: this.malformed,
      malformedSamples: [...this.malformedSamples],
      headerLines: this.headerLines,
      otherLines: this.otherLines,
      gfpUnknownNames: Object.fromEntries(this.gfpUnknownNames),
      bytes: this.bytes,
      lines: this.lines,
    };
  }
}
