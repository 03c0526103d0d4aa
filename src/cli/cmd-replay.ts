/**
 * `pagesim replay TRACE [--variant V]... [--initial FILES] [--mode exact|model]
 *  [--compare FILES] [--json]`: replays a kmem page-event trace on a machine
 * shaped like the traced one. See docs/replay.md.
 */

import { accessSync, constants } from 'node:fs';
import type { Writable } from 'node:stream';
import { freshBundle, IN_CLI_BUNDLE } from '../util/bundle.js';
import { parseArgs } from './args.js';
import { InputError } from '../util/errors.js';
import { unreadable } from '../util/input-file.js';
import { checkOutputFile } from '../util/output-file.js';
import { ParseWorker } from '../replay/worker-stream.js';
import { REPLAY_SPEC } from '../replay/early-reader.js';
import { phase } from '../replay/phases.js';
import { encodeFrame, TRACE_PIPE_ENV, TRACE_PIPE_FD } from '../replay/trace-pipe.js';
import { relaunchFeeding, relaunchWithHugePages } from './hugepages.js';
import type { Snapshot } from '../replay/snapshots.js';
import type { ReplayMode, ReplayResult, SnapshotFrom } from '../replay/replay.js';

export const REPLAY_HELP = `usage: pagesim replay TRACE [--variant V]... [--initial FILES] [--mode exact|model]
                      [--compare FILES] [--json] [--html FILE]

Replays a kmem page-event trace (ftrace trace file, trace-cmd or perf text; plain
or gzip) on a machine shaped like the traced one and compares the end state with
a snapshot taken after the trace.

  --initial FILES   t0 /proc files, comma-separated: buddyinfo, pagetypeinfo,
                    zoneinfo (recognised by content). Default: t0_buddyinfo,
                    t0_pagetypeinfo, t0_zoneinfo next to TRACE, when present.
                    zoneinfo shapes the machine (zones, managed pages, CPUs);
                    without it the machine is sized from the trace's pfns.
  --compare FILES   t1 /proc files to compare the end state with (buddyinfo,
                    pagetypeinfo). Default: t1_* next to TRACE.
  --mode exact      (default) apply the kernel's own pfn choices event by event
                    and count every event the machine finds impossible.
  --mode model      pagesim's allocator chooses: traced allocations become
                    alloc_pages() with the traced gfp/order/CPU, traced frees
                    free what pagesim gave.
  --variant V       variant stack to replay on (repeatable; default baseline).
  --json            print {"events", "skipped", "malformed", "inconsistencies",
                    "preexisting", "events_per_second", "end", "compare", ...};
                    with several variants, {"runs": [...]}.
  --html FILE       also write one self-contained HTML file (one variant): free
                    blocks per order and free pages per migratetype over the
                    trace's time, events per second by type, and the end state
                    against the t1 snapshot (docs/view.md).

Exit status: 0 after a replay (inconsistencies are findings, not failures),
2 for bad input.`;

const MODES: readonly ReplayMode[] = ['exact', 'model'];

function single(values: readonly string[] | undefined, name: string): string | undefined {
  if (values === undefined) return undefined;
  if (values.length > 1) throw new InputError(`replay: --${name} given ${values.length} times`);
  return values[0];
}

function snapshot(m: ReplayModules, list: string | undefined, trace: string, prefix: 't0_' | 't1_', option: string): { snap: Snapshot; from: SnapshotFrom } {
  if (list !== undefined) return { snap: m.loadSnapshot(list, option), from: 'option' };
  const found = m.loadNextTo(trace, prefix, option);
  return { snap: found, from: found === m.EMPTY_SNAPSHOT ? 'none' : 'found' };
}

/** Whether the file can be read. */
function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

type ReplayModules = typeof import('../replay/cli-modules.js');

/** The bundle of the replay's modules (scripts/build-replay.mjs). */
const BUNDLE = new URL('../replay/cli-modules.bundle.js', import.meta.url);

/**
 * The replay's modules (the simulated kernel, the checker, the /proc
 * parsers: most of pagesim), loaded once the trace is being read: on two
 * cores the reader thread starts up and reads while this thread loads them
 * and boots. They come from one bundled file where the build made it
 * (docs/performance.md, "Boot and replay's fixed cost").
 */
async function replayModules(bundle: boolean): Promise<ReplayModules> {
  if (bundle && !IN_CLI_BUNDLE && freshBundle(BUNDLE)) return (await import(BUNDLE.href)) as ReplayModules;
  return import('../replay/cli-modules.js');
}

const SPEC = REPLAY_SPEC;

/** The trace and mode of a replay's arguments (not --help), or the one-line error that names what is wrong. */
function traceAndMode(a: ReturnType<typeof parseArgs>): { trace: string; mode: ReplayMode } {
  if (a.positional.length !== 1) throw new InputError(`replay: give exactly one trace file (usage: pagesim replay TRACE [--mode exact|model] ...)${a.positional.length > 1 ? `; got ${a.positional.length}` : ''}`);
  const mode = single(a.options.get('mode'), 'mode') ?? 'exact';
  if (!(MODES as readonly string[]).includes(mode)) throw new InputError(`replay: --mode must be exact or model (got "${mode}")`);
  return { trace: a.positional[0]!, mode: mode as ReplayMode };
}

/**
 * The trace run() reads ahead for these arguments, or null where it reads
 * none (bad arguments, --help, an unreadable file): run()'s checks up to
 * its prefetch, without their errors (the relaunched process reports them).
 */
function prefetchTarget(argv: readonly string[]): string | null {
  try {
    const a = parseArgs(argv, SPEC, 'replay');
    if (a.flags.has('help')) return null;
    const { trace } = traceAndMode(a);
    return readable(trace) ? trace : null;
  } catch {
    return null;
  }
}

/** The reader thread's modules (parse-worker.ts), from their bundle where the build made it. */
const READER_BUNDLE = new URL('../replay/parse-worker.bundle.cjs', import.meta.url);

/** Reads and parses the trace here, sending what a reader thread would post down the pipe to the relaunched process. */
async function feedTrace(trace: string, out: Writable): Promise<void> {
  // The child may end before the read does (a failed check, or done): what it did not take is dropped.
  out.on('error', () => undefined);
  type Reader = typeof import('../replay/parse-worker.js');
  // The bundle is a CommonJS script: its exports are its default export.
  const reader = !IN_CLI_BUNDLE && freshBundle(READER_BUNDLE) ? ((await import(READER_BUNDLE.href)) as { default: Reader }).default : await import('../replay/parse-worker.js');
  await reader.readTraceTo(trace, (m) => {
    if (!out.destroyed) out.write(encodeFrame(m));
  });
  out.end();
}

/**
 * `pagesim replay` run again for huge pages (src/cli/hugepages.ts): this
 * process, which would only wait for the other, reads and parses the trace
 * meanwhile and hands the events over through a pipe (trace-pipe.ts), so
 * the read starts at once and no reader thread has to start up. Resolves
 * to the status to exit with, or undefined when this process should replay
 * itself (the other could not be started). `argv` is the whole command line.
 */
export function relaunchReplay(script: string, argv: readonly string[]): Promise<number | undefined> | number | undefined {
  const trace = prefetchTarget(argv.slice(1));
  if (trace === null) return relaunchWithHugePages(script, argv);
  phase('read asked');
  return relaunchFeeding(script, argv, { [TRACE_PIPE_ENV]: `${TRACE_PIPE_FD}:${trace}` }, (out) => void feedTrace(trace, out));
}

async function run(argv: readonly string[], bundle: boolean): Promise<number> {
  const a = parseArgs(argv, SPEC, 'replay');
  if (a.flags.has('help')) {
    process.stdout.write(`${REPLAY_HELP}\n`);
    return 0;
  }
  const { trace, mode } = traceAndMode(a);
  // The first replay's read starts now, before the checks below (which keep their order): a
  // command that fails one of them gives the read up.
  if (readable(trace)) ParseWorker.prefetchTrace(trace);
  phase('read asked');
  try {
    return await replayRun(a, trace, mode, bundle);
  } finally {
    ParseWorker.abandon(trace);
  }
}

async function replayRun(a: ReturnType<typeof parseArgs>, trace: string, mode: ReplayMode, bundle: boolean): Promise<number> {
  const m = await replayModules(bundle);
  phase('modules loaded');
  const { variantProblem, replayTrace, formatReplayHuman, replayJson, Progress } = m;
  const variants = a.options.get('variant') ?? ['baseline'];
  for (const v of variants) {
    const p = variantProblem(v);
    if (p !== null) throw new InputError(`replay: --variant: ${p}`);
  }
  try {
    accessSync(trace, constants.R_OK);
  } catch (err) {
    throw unreadable('trace', err, trace);
  }
  const initial = snapshot(m, single(a.options.get('initial'), 'initial'), trace, 't0_', '--initial');
  const compare = snapshot(m, single(a.options.get('compare'), 'compare'), trace, 't1_', '--compare');
  const json = a.flags.has('json');
  const html = single(a.options.get('html'), 'html');
  if (html !== undefined && variants.length !== 1) throw new InputError('replay: --html FILE draws one replay: give one --variant');
  if (html !== undefined && !/\.html?$/.test(html)) throw new InputError(`replay: --html ${html}: the file name should end in .html`);
  if (html !== undefined) checkOutputFile(html, 'the HTML file');
  const view = html === undefined ? undefined : await import('../view/replay.js');
  const sampler = view === undefined ? undefined : new view.ReplayRecorder(await view.countTraceEvents(trace));
  const results: ReplayResult[] = [];
  for (const variant of variants) {
    results.push(
      await replayTrace({
        ...(sampler !== undefined ? { sample: sampler } : {}),
        trace,
        variant,
        mode,
        initial: initial.snap,
        initialFrom: initial.from,
        compare: compare.snap,
        compareFrom: compare.from,
        progress: new Progress(),
      }),
    );
  }
  phase('replayed');
  if (json) {
    const body = results.length === 1 ? replayJson(results[0]!) : { runs: results.map(replayJson) };
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    process.stdout.write(`${results.map(formatReplayHuman).join('\n\n')}\n`);
  }
  phase('output written');
  if (html !== undefined) {
    const data = await view!.replayViewData(results[0]!, sampler!, formatReplayHuman(results[0]!).split('\n'));
    const { writeViewHtml } = await import('../view/html.js');
    const size = writeViewHtml(html, `pagesim replay: ${trace}`, data);
    (json ? process.stderr : process.stdout).write(`wrote ${html} (${Math.ceil(size / 1024)} KiB): ${data.time.length} samples over ${data.events} events\n`);
  }
  return 0;
}

/**
 * Runs the command. Bad input is printed as one line (`FILE:LINE: message`)
 * with status 2 here, so that the returned promise never rejects with it.
 * `bundle`: the replay's modules may come from their bundle, which holds
 * its own copy of each: only for a process that has loaded none of them
 * (main.ts's direct dispatch), never beside cli() (its variant registry,
 * with any --variant-file's, would be another than the bundle's).
 */
export async function replayCommand(argv: readonly string[], bundle = false): Promise<number> {
  try {
    return await run(argv, bundle);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    process.stderr.write(`${e.oneLine()}\n`);
    return 2;
  }
}
