/**
 * Streaming parser for kernel kmem page-event traces (ftrace `trace` files,
 * trace-cmd report and perf script text; plain or gzip).
 *
 *   const stats = await parseTraceFile('trace.txt.gz', {
 *     onEvent(rec) { if (rec.event === 'alloc' && !rec.failed) alloc(rec.pfn, rec.order); },
 *   });
 *
 * The record passed to onEvent is reused: valid only during the callback.
 */
import { CHUNK_BYTES, inflateIfGzip, traceFileChunks } from './input.js';
import { TraceParser, type ParseOptions } from './parser.js';
import type { TraceStats } from './stats.js';

export { TraceParser, type ParseOptions } from './parser.js';
export { TraceEvent, EVENT_KINDS, type EventKind } from './record.js';
export type { TraceStats, MalformedSample } from './stats.js';
export { isGzip } from './input.js';
export {
  GFP, DEFAULT_GFP_CONFIG, buildGfpTable, decodeGfp, formatGfp, gfpBit, parseGfp,
  type GfpConfig, type GfpDecoded, type GfpName, type GfpTable,
} from './gfp.js';

/**
 * Parses a trace file (gzip detected by its magic bytes) as a stream.
 * Rejects with an InputError only when the file cannot be read or the gzip
 * data is corrupt; bad lines are counted in the stats instead.
 */
export async function parseTraceFile(path: string, options: ParseOptions = {}): Promise<TraceStats> {
  const parser = new TraceParser(options);
  for await (const chunk of traceFileChunks(path)) {
    parser.pushBytes(chunk);
    parser.progress();
  }
  return parser.finish();
}

/** Parses trace text held in a string. */
export function parseTraceText(text: string, options: ParseOptions = {}): TraceStats {
  return parseTraceBuffer(Buffer.from(text, 'utf8'), options);
}

/** Parses a trace held in memory as bytes, plain or gzip. */
export function parseTraceBuffer(data: Uint8Array, options: ParseOptions = {}): TraceStats {
  const bytes = inflateIfGzip(data);
  const parser = new TraceParser(options);
  for (let pos = 0; pos < bytes.length; pos += CHUNK_BYTES) {
    const end = Math.min(pos + CHUNK_BYTES, bytes.length);
    parser.pushBytes(bytes.subarray(pos, end));
    parser.progress();
  }
  return parser.finish();
}
