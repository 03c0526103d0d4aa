/**
 * The trace reader on a worker thread: reads the file (gzip inflated on
 * libuv's thread pool), parses it with FastTraceReader and posts the events
 * of each chunk to the main thread as packed columns (transferred, not
 * copied), so that reading, inflating and parsing run beside the replay on
 * a machine with two cores. Started by ParseWorker (worker-stream.ts); it
 * reads a trace when asked and serves the next request after it.
 */

import { parentPort } from 'node:worker_threads';
import { FastTraceReader } from './parse.js';
import { traceFileChunks } from '../trace/input.js';
import { InputError } from '../util/errors.js';
import { phase } from './phases.js';

/** A chunk's events, as posted to the main thread. */
export interface EventBatch {
  readonly kind: 'events';
  readonly length: number;
  readonly pfn: Int32Array;
  readonly line: Int32Array;
  readonly info: Int32Array;
  readonly aux: Int32Array;
  /** gfp masks and texts first seen in this chunk (appended to the log's table in order). */
  readonly gfps: number[];
  readonly gfpTexts: string[];
  readonly bytes: number;
}

/** What the main thread posts: a trace to read. */
export interface ReadRequest {
  readonly path: string;
}

/** Text read between two batches posted to the main thread. */
const POST_BYTES = 512 * 1024;

/** A message to the replaying thread, and the buffers it may take over instead of copying. */
export type Send = (m: EventBatch | { readonly kind: 'done'; readonly stats: unknown } | ReadFailure, transfer: ArrayBuffer[]) => void;

/** How a read failed, as posted: an InputError keeps its file and line. */
export interface ReadFailure {
  readonly kind: 'error';
  readonly input: boolean;
  readonly message: string;
  readonly file: string | undefined;
  readonly line: number | undefined;
}

/**
 * Reads and parses the trace at `path`, sending the events in batches, then
 * 'done' with the counts, or one 'error' (the read stops there). The worker
 * posts what it sends; `pagesim replay` relaunched for huge pages sends it
 * from its first process to the second through a pipe (worker-stream.ts).
 * `text`: the trace's text, inflated already (early-reader.ts): read from
 * memory, on the replaying thread itself.
 */
export async function readTraceTo(path: string, send: Send, text?: Buffer): Promise<void> {
  try {
    await run(path, send, text);
  } catch (err) {
    const e = err as Error;
    send({ kind: 'error', input: e instanceof InputError, message: e.message, file: e instanceof InputError ? e.file : undefined, line: e instanceof InputError ? e.line : undefined }, []);
  }
}

async function run(path: string, send: Send, text: Buffer | undefined): Promise<void> {
  // The reader refuses a line over the limit itself (it finds every line's end): the chunks come unchecked for lines.
  const reader = new FastTraceReader(undefined, path);
  const log = reader.log;
  let gfpSent = 0;
  const post = (): void => {
    const n = log.length;
    const batch: EventBatch = {
      kind: 'events',
      length: n,
      pfn: log.pfn.slice(0, n),
      line: log.line.slice(0, n),
      info: log.info.slice(0, n),
      aux: log.aux.slice(0, n),
      gfps: log.gfps.slice(gfpSent),
      gfpTexts: log.gfpTexts.slice(gfpSent),
      bytes: reader.bytesRead(),
    };
    gfpSent = log.gfps.length;
    log.clear();
    send(batch, [batch.pfn.buffer as ArrayBuffer, batch.line.buffer as ArrayBuffer, batch.info.buffer as ArrayBuffer, batch.aux.buffer as ArrayBuffer]);
  };
  let posted = 0;
  phase('read started');
  for await (const chunk of traceFileChunks(path, text, false)) {
    if (posted === 0 && reader.bytesRead() === 0) phase('first chunk');
    reader.pushBytes(chunk);
    // Inflated chunks are small (trace/input.ts): the events go over in batches of at least POST_BYTES of text.
    if (reader.bytesRead() - posted >= POST_BYTES) {
      post();
      posted = reader.bytesRead();
    }
  }
  const stats = reader.finish();
  post();
  phase('read done');
  send({ kind: 'done', stats }, []);
}

// One worker serves every replay of the process, one trace at a time (its compiled parser stays warm).
// Loaded on a process's main thread (the first process of a relaunched replay), it only exports readTraceTo.
const port = parentPort;
if (port !== null) {
  phase('worker up');
  port.on('message', (req: ReadRequest) => void readTraceTo(req.path, (m, transfer) => port.postMessage(m, transfer)));
}
