/**
 * The replay's reader thread started by the executable's first lines
 * (src/cli/main.ts), before it loads pagesim: a thread takes 0.1 s or more
 * to start, and in a replay that runs in one process (not relaunched for
 * huge pages: the environment already asks for them, as `pagesim bench`'s
 * replays do, or PAGESIM_HUGEPAGES=0, or the host has THP off) the read
 * it does after that decides when the events can be applied. The thread starts up while the process loads and boots;
 * worker-stream.ts takes it for its first read. It is handed over through
 * a global, not this module's state: main.ts and the bundle it loads each
 * have their own copy of this module. An early thread no read takes (bad
 * arguments) keeps no process alive.
 */

import { Worker } from 'node:worker_threads';
import { gunzip } from 'node:zlib';
import { freshBundle } from '../util/bundle.js';
import { parseArgs } from '../cli/args.js';
import { readTraceHead } from '../trace/gzip-file.js';
import { phase } from './phases.js';

const HANDOFF = Symbol.for('pagesim.early-reader-thread');
const INFLATE_HANDOFF = Symbol.for('pagesim.early-inflate');
type Holder = { [HANDOFF]?: Worker; [INFLATE_HANDOFF]?: EarlyInflate };

/** `pagesim replay`'s flags and options (src/cli/cmd-replay.ts parses its arguments with them). */
export const REPLAY_SPEC = { flags: ['json', 'help'], options: ['variant', 'initial', 'mode', 'compare', 'html'] };

/**
 * A gzip trace inflated whole on libuv's thread pool, started by the
 * executable's first lines: `text` is the trace's text, or the error that
 * stopped the inflation (worker-stream.ts then reads the file as it always
 * did, so a corrupt or oversized file fails as it always failed).
 */
export interface EarlyInflate {
  readonly path: string;
  readonly text: Promise<Buffer | Error>;
}

/**
 * The largest gzip file and trace text inflated whole in memory (a capture
 * of 150,000 events is 1.5 MB of gzip, 20 MB of text). Larger traces are
 * read by a reader thread in chunks.
 */
const WHOLE_GZIP_BYTES = 16 * 2 ** 20;
const WHOLE_TEXT_BYTES = 64 * 2 ** 20;

/** The reader thread's module: its bundle where the build made one (src/util/bundle.ts). */
export function readerUrl(): URL {
  const bundle = new URL('./parse-worker.bundle.cjs', import.meta.url);
  return freshBundle(bundle) ? bundle : new URL('./parse-worker.js', import.meta.url);
}

/**
 * The reader thread, with the parent's node options where a worker accepts
 * them. The parent's --input-type (a parent started with -e) would stop the
 * worker loading its file; V8 and per-process options (--max-old-space-size)
 * make the Worker constructor throw, so without them the worker starts with
 * none.
 */
export function newReaderThread(): Worker {
  const url = readerUrl();
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
  try {
    return new Worker(url, { execArgv });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
    return new Worker(url, { execArgv: [] });
  }
}

/**
 * Whether the command line `argv` is a replay that this process will read
 * itself, through a reader thread, in a process that is not relaunching for
 * huge pages (main.ts asks hugepages.ts that first; a relaunch's first
 * process reads without a thread): not the relaunched process (it reads
 * from its pipe), not --help, and not given a --variant-file.
 */
export function readsThroughThread(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (argv[0] !== 'replay' || argv.some((a) => a === '--help' || a === '--variant-file' || a.startsWith('--variant-file='))) return false;
  return env['PAGESIM_TRACE_PIPE'] === undefined;
}

/**
 * Starts the replay's read now, while pagesim loads, for a replay that will
 * read in this process (readsThroughThread(); not relaunching); whether it
 * did. A gzip trace of a few MB is inflated whole on libuv's thread pool
 * and parsed by this thread once the machine has booted
 * (worker-stream.ts): a reader thread costs some 100 ms of CPU to start
 * (Node's own start, again, in the thread), more than the parse it would
 * take off this thread, and its inflation in 64 KiB steps needs the
 * thread's event loop at every step. Any other trace gets the reader
 * thread, started now.
 */
export function startReaderEarly(argv: readonly string[]): boolean {
  if (!readsThroughThread(argv, process.env)) return false;
  const inflating = inflateEarly(argv);
  if (inflating !== null) {
    (globalThis as Holder)[INFLATE_HANDOFF] = inflating;
    return true;
  }
  try {
    const w = newReaderThread();
    w.unref();
    (globalThis as Holder)[HANDOFF] = w;
    return true;
  } catch {
    // Started later as it always was.
    return false;
  }
}

/**
 * The trace of a replay's command line, when it is a gzip file small enough
 * to inflate whole: its inflation started on the thread pool. Null for
 * anything else (bad arguments, a plain or large file, one that cannot be
 * read): the command's own checks report what is wrong, in their order.
 */
function inflateEarly(argv: readonly string[]): EarlyInflate | null {
  let path: string;
  let data: Buffer;
  try {
    const a = parseArgs(argv.slice(1), REPLAY_SPEC, 'replay');
    if (a.positional.length !== 1) return null;
    path = a.positional[0]!;
    const whole = readTraceHead(path, WHOLE_GZIP_BYTES).whole;
    // 18 bytes: a gzip member's header and trailer.
    if (whole === null || whole.length < 18) return null;
    data = whole;
  } catch {
    return null;
  }
  // The text's length mod 2^32 (RFC 1952's ISIZE; the last member's, where members were concatenated):
  // one output buffer of that size takes the whole text in one step of the thread pool.
  const isize = data.readUInt32LE(data.length - 4);
  if (isize > WHOLE_TEXT_BYTES) return null;
  phase('inflation started');
  const text = new Promise<Buffer | Error>((resolve) => {
    gunzip(data, { chunkSize: Math.max(64 * 1024, isize + 1), maxOutputLength: WHOLE_TEXT_BYTES }, (err, out) => {
      phase(err === null ? 'inflated' : 'inflation failed');
      resolve(err ?? out);
    });
  });
  return { path, text };
}

/** The inflation startReaderEarly() started for `path`, once (null when there is none, or it was of another file). */
export function takeEarlyInflate(path: string): EarlyInflate | null {
  const inflating = (globalThis as Holder)[INFLATE_HANDOFF];
  delete (globalThis as Holder)[INFLATE_HANDOFF];
  return inflating !== undefined && inflating.path === path ? inflating : null;
}

/** The thread startReaderEarly() started, once (undefined when there is none). */
export function takeEarlyReader(): Worker | undefined {
  const w = (globalThis as Holder)[HANDOFF];
  delete (globalThis as Holder)[HANDOFF];
  return w;
}
