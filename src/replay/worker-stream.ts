/**
 * Streaming a trace through a worker thread (parse-worker.ts): the worker
 * reads and parses, this thread replays each chunk's events as they
 * arrive. One worker serves the whole process (ParseWorker.shared), so its
 * compiled parser stays warm from one replay to the next; it does not keep
 * the process alive between replays. A replay asks for its trace before it
 * boots the machine: the worker starts up and reads while this thread
 * boots, and the chunks wait in the message queue until the boot is over
 * (the sink is called from the event loop only).
 */

import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { EventLog } from './events.js';
import type { EventBatch, ReadRequest } from './parse-worker.js';
import type { ParseStats, ReadResult } from './parse.js';
import { InputError } from '../util/errors.js';
import { newReaderThread, takeEarlyInflate, takeEarlyReader, type EarlyInflate } from './early-reader.js';
import { readTraceTo } from './parse-worker.js';
import { PipeMessages, TRACE_PIPE_ENV } from './trace-pipe.js';

type Sink = (log: EventLog, from: number, to: number) => void;

interface DoneMessage {
  readonly kind: 'done';
  readonly stats: ParseStats;
}

interface ErrorMessage {
  readonly kind: 'error';
  readonly input: boolean;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
}

type Message = EventBatch | DoneMessage | ErrorMessage;

let shared: ParseWorker | null = null;

/** A stream's result: what ReadResult says, and when the last chunk was replayed (process.hrtime.bigint()). */
export interface StreamResult extends ReadResult {
  readonly doneAt: bigint;
}

/** The reader thread: the one the executable started early (early-reader.ts), else a new one. */
function startParseWorker(): Worker {
  return takeEarlyReader() ?? newReaderThread();
}

/** What ParseWorker needs of its reader: a Worker, or a PipeReader. */
interface Channel {
  on(event: 'message', f: (m: Message) => void): unknown;
  on(event: 'error', f: (e: Error) => void): unknown;
  on(event: 'exit', f: () => void): unknown;
  postMessage(req: ReadRequest): void;
  ref(): void;
  unref(): void;
  terminate(): unknown;
}

/**
 * A reader whose first read comes from elsewhere (a subclass says where)
 * and whose later reads (model mode, more variants) go to a reader thread,
 * started at the first of them.
 */
abstract class LaterReadsThroughThread extends EventEmitter implements Channel {
  private worker: Worker | null = null;
  private referenced = true;

  abstract postMessage(req: ReadRequest): void;

  /** Hands `req` to the reader thread, started now if it is not yet. */
  protected toThread(req: ReadRequest): void {
    if (this.worker === null) {
      const w = (this.worker = startParseWorker());
      if (!this.referenced) w.unref();
      w.on('message', (m: Message) => this.emit('message', m));
      w.on('error', (e: Error) => this.emit('error', e));
      w.on('exit', () => this.emit('exit'));
    }
    this.worker.postMessage(req);
  }

  ref(): void {
    this.referenced = true;
    this.worker?.ref();
  }

  unref(): void {
    this.referenced = false;
    this.worker?.unref();
  }

  terminate(): void {
    void this.worker?.terminate();
  }
}

/**
 * The reader of a replay relaunched for huge pages (src/cli/hugepages.ts):
 * its first read, of the trace the first process is already reading, comes
 * from the pipe (trace-pipe.ts); any later one (model mode, more variants)
 * from a reader thread started then.
 */
class PipeReader extends LaterReadsThroughThread {
  private pipe: PipeMessages | null;
  private pipeUsed = false;

  constructor(fd: number) {
    super();
    const pipe = (this.pipe = new PipeMessages(fd));
    pipe.on('message', (m: Message) => this.emit('message', m));
    pipe.on('error', (e: Error) => this.emit('error', e));
  }

  postMessage(req: ReadRequest): void {
    if (this.pipe !== null && !this.pipeUsed) {
      this.pipeUsed = true;
      return;
    }
    this.pipe?.close();
    this.pipe = null;
    this.toThread(req);
  }

  override ref(): void {
    super.ref();
    this.pipe?.ref();
  }

  override unref(): void {
    super.unref();
    this.pipe?.unref();
  }

  override terminate(): void {
    this.pipe?.close();
    this.pipe = null;
    super.terminate();
  }
}

/**
 * The reader of a replay whose gzip trace the executable began to inflate
 * at its start (early-reader.ts): its first read parses that text here, on
 * the replaying thread, once the inflation is over and this thread waits
 * for events (the machine has booted), handing each batch of events to the
 * replay as it is parsed; when the inflation failed, it reads the file
 * here as a reader thread would, so the error is the same. Any later read
 * (model mode, more variants) goes to a reader thread started then.
 */
class InflatedReader extends LaterReadsThroughThread {
  private first: EarlyInflate | null;
  private stopped = false;

  constructor(inflating: EarlyInflate) {
    super();
    this.first = inflating;
  }

  postMessage(req: ReadRequest): void {
    const first = this.first;
    this.first = null;
    if (first !== null && first.path === req.path) {
      void first.text.then((text) => {
        if (this.stopped) return;
        return readTraceTo(req.path, (m) => void (this.stopped || this.emit('message', m)), text instanceof Error ? undefined : text);
      });
      return;
    }
    this.toThread(req);
  }

  override terminate(): void {
    this.stopped = true;
    super.terminate();
  }
}

/** A read asked for ahead of its replay (ParseWorker.prefetch): the messages so far, or how the worker failed. */
interface Prefetch {
  readonly path: string;
  readonly t0: bigint;
  readonly queue: Message[];
  failed: Error | null;
}

export class ParseWorker {
  private readonly worker: Channel;
  private handler: ((m: Message) => void) | null = null;
  private failure: ((e: Error) => void) | null = null;
  private busy = false;
  private prefetched: Prefetch | null = null;

  private constructor(channel?: Channel) {
    this.worker = channel ?? startParseWorker();
    this.worker.unref();
    this.worker.on('message', (m: Message) => this.handler?.(m));
    this.worker.on('error', (e: Error) => {
      if (shared === this) shared = null;
      this.failure?.(e);
    });
    this.worker.on('exit', () => {
      if (shared === this) shared = null;
      this.failure?.(new Error('the trace reader thread exited'));
    });
  }

  /** The process's reader thread, started on first use (a request made before it is up waits for it). */
  static shared(): ParseWorker {
    if (shared === null) shared = new ParseWorker();
    return shared;
  }

  /**
   * `pagesim replay`'s first read, asked for as soon as the command knows
   * its trace: from the text inflated since the executable's start
   * (early-reader.ts), from the pipe when the process was relaunched for
   * huge pages and its first process is reading this trace (trace-pipe.ts),
   * else by the reader thread (prefetch()).
   */
  static prefetchTrace(path: string): void {
    const inflating = shared === null ? takeEarlyInflate(path) : null;
    if (inflating !== null) shared = new ParseWorker(new InflatedReader(inflating));
    const pipe = process.env[TRACE_PIPE_ENV];
    if (pipe !== undefined && shared === null) {
      delete process.env[TRACE_PIPE_ENV];
      const colon = pipe.indexOf(':');
      if (colon > 0 && pipe.slice(colon + 1) === path) {
        try {
          shared = new ParseWorker(new PipeReader(Number(pipe.slice(0, colon))));
        } catch {
          // No such pipe (the variable was set by hand): the thread reads.
        }
      }
    }
    ParseWorker.shared().prefetch(path);
  }

  /**
   * Starts reading `path` before its replay asks for it (`pagesim replay`
   * does while it loads the replay's modules and boots): the events wait
   * here until stream() is called with the same path. The worker stays
   * unreferenced meanwhile, so a command that fails before its replay
   * still ends.
   */
  prefetch(path: string): void {
    if (this.busy) return;
    this.busy = true;
    const pre: Prefetch = { path, t0: process.hrtime.bigint(), queue: [], failed: null };
    this.prefetched = pre;
    this.handler = (m) => pre.queue.push(m);
    this.failure = (e) => (pre.failed ??= e);
    this.worker.postMessage({ path });
  }

  /**
   * Gives up a read prefetched for `path` that no replay will take (the
   * command failed, or its replay reads the trace itself): the worker is
   * stopped, as it cannot be told to stop reading, and the next use starts
   * another.
   */
  static abandon(path: string): void {
    const w = shared;
    if (w === null || w.prefetched?.path !== path) return;
    shared = null;
    w.prefetched = null;
    w.handler = null;
    w.failure = null;
    void w.worker.terminate();
  }

  /** Reads the trace on the worker, handing each chunk's events to `sink` here. */
  stream(path: string, sink: Sink, onProgress?: (bytes: number) => void): Promise<StreamResult> {
    const pre = this.prefetched?.path === path ? this.prefetched : null;
    this.prefetched = null;
    if (this.busy && pre === null) return Promise.reject(new Error('the trace reader is busy with another trace'));
    this.busy = true;
    this.worker.ref();
    const t0 = pre?.t0 ?? process.hrtime.bigint();
    const log = new EventLog(1);
    return new Promise<StreamResult>((resolve, reject) => {
      let settled = false;
      const settle = (): void => {
        settled = true;
        this.busy = false;
        this.handler = null;
        this.failure = null;
        this.worker.unref();
      };
      const fail = (e: Error): void => {
        settle();
        reject(e);
      };
      this.failure = fail;
      const handler = (m: Message): void => {
        try {
          if (m.kind === 'events') {
            for (let i = 0; i < m.gfps.length; i++) log.gfpIndex(m.gfps[i]!, m.gfpTexts[i]!);
            log.pfn = m.pfn;
            log.line = m.line;
            log.info = m.info;
            log.aux = m.aux;
            log.length = m.length;
            sink(log, 0, m.length);
            onProgress?.(m.bytes);
          } else if (m.kind === 'done') {
            settle();
            const doneAt = process.hrtime.bigint();
            resolve({ log, stats: m.stats, seconds: Number(doneAt - t0) / 1e9, doneAt });
          } else if (m.kind === 'error') {
            fail(m.input ? new InputError(m.message, m.file, m.line) : new Error(m.message));
          }
        } catch (e) {
          // The sink failed (a pagesim bug): stop this reader, a new one is started next time.
          void this.worker.terminate();
          fail(e as Error);
        }
      };
      if (pre === null) {
        this.handler = handler;
        this.worker.postMessage({ path });
        return;
      }
      // What the worker sent before, then what it sends next, in order; from a microtask, as
      // the sink is never called before the caller's next await (its replayer is not built yet).
      const queue = pre.queue;
      this.handler = (m) => queue.push(m);
      queueMicrotask(() => {
        for (let i = 0; i < queue.length && !settled; i++) handler(queue[i]!);
        if (settled) return;
        if (pre.failed !== null) fail(pre.failed);
        else this.handler = handler;
      });
    });
  }
}
