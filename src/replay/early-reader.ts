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
import { freshBundle } from '../util/bundle.js';

const HANDOFF = Symbol.for('pagesim.early-reader-thread');
type Holder = { [HANDOFF]?: Worker };

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

/** Starts the reader thread now for a replay that will read through one (readsThroughThread(); not relaunching); whether it did. */
export function startReaderEarly(argv: readonly string[]): boolean {
  if (!readsThroughThread(argv, process.env)) return false;
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

/** The thread startReaderEarly() started, once (undefined when there is none). */
export function takeEarlyReader(): Worker | undefined {
  const w = (globalThis as Holder)[HANDOFF];
  delete (globalThis as Holder)[HANDOFF];
  return w;
}
