/**
 * The pagesim command line. Every command reads its input, runs the engine
 * and prints; bad input is one line `FILE:LINE: what is wrong` on stderr and
 * exit status 2; a run whose expectations do not hold exits 1. main.ts is the
 * executable around cli(); tests call cli() in-process with its output
 * captured (test/helpers/cli.ts), which is what a spawn would show without
 * the cost of starting Node.
 */

import { InputError } from '../util/errors.js';
import { failure } from './failure.js';
import { parseArgs } from './args.js';
import { VARIANTS, baseline, resolveStack } from '../variants/index.js';
import { loadVariantFiles } from '../variants/load-file.js';
import { checkVariants, cmdRun, cmdSuite, looksLikePath, RUN_HELP, SUITE_HELP } from './cmd-run.js';
import { buildVariant } from '../engine/build.js';
import { formatLayout, formatLayoutDiff, layoutJson } from '../format/layout.js';
import { diffLayouts } from '../layout/diff.js';
import type { StructLayout } from '../layout/layout.js';
import { allOps } from '../engine/registry.js';
import { formatOpsMarkdown, formatOpsText } from '../format/ops.js';
import { benchCommand } from '../bench/command.js';
import { kpageflagsCommand } from './cmd-kpageflags.js';
import { pageTypesCommand } from './cmd-page-types.js';
import { footprintCommand } from './cmd-footprint.js';
import { replayCommand } from './cmd-replay.js';
import { procCommand } from './cmd-proc.js';
import { cmdDiff, DIFF_HELP } from './cmd-diff.js';
import { kunitCommand } from '../kunit/command.js';
import { cmdView, VIEW_HELP } from './cmd-view.js';
import { EXPLORE_HELP, exploreCommand } from './cmd-explore.js';
import { viewLayout } from '../view/build.js';
import { writeViewHtml } from '../view/html.js';
import { FUZZ_HELP, fuzzCommand } from './cmd-fuzz.js';

const HELP = `pagesim: the Linux physical-memory descriptor layer, simulated byte for byte

usage:
  pagesim [PATH...] [--variant V]... [--wide]
                                   run scenarios (default: scenarios/) and print the outcome matrix
  pagesim run FILE... [--variant V]... [--case NAME] [--watch TARGET]... [--timeline PAGE]... [--leaks] [--json]
                                   run scenarios (default: each file's variants); watch bytes, follow pages, find leaks
  pagesim diff SCENARIO A B [--json]     (or --variant A --variant B)
                                   the first step where variants A and B part, side by side
  pagesim view SCENARIO [--variant V]... [--page PAGE]... [--out FILE.html]
                                   one HTML file to look at: steps, memmap, struct page bytes, counters
  pagesim explore SCENARIO [--variant V]... [--preemptions K] [--random N --seed S] [--json]
                                   run every interleaving of a concurrent scenario's atomic actions
  pagesim explore --cost [--cpus N]...
                                   atomic operations per reference taken, by refcount design
  pagesim layout STRUCT [--variant V] [--json] | --diff A B | --variant V... --html FILE
                                   the byte map of a struct (page, folio, ptdesc, slab, net_iov...)
  pagesim variants [--json] [--resolve STACK]
                                   the design variants and their seeds; the stack a name resolves to
  pagesim ops [--markdown]         the scenario operations
  pagesim bench [--memory SIZE] [--json]
                                   measure allocator speed and memory use
  pagesim fuzz [--variant V]... [--seed N] (--runs N | --time S) [--jobs N] [--out DIR] [--json]
                                   generate legal programs, find where a design differs, shrink to scenarios
  pagesim replay TRACE [--variant V]... [--initial FILES] [--mode exact|model] [--compare FILES] [--json]
                                   replay a real kmem trace on a machine shaped like the traced one
  pagesim proc NAME [--memory SIZE] | --roundtrip FILE
                                   /proc files of a booted machine; re-print a real one
  pagesim kpageflags SCENARIO [--variant V] --out DIR
                                   write /proc/kpageflags and kpagecount images of the machine a scenario leaves
  pagesim page-types IMAGE [-r]    the summary tools/mm/page-types prints for a kpageflags image
  pagesim footprint --kpageflags IMAGE | --scenario FILE [--json]
                                   descriptor memory of a page population under each memdesc design
  pagesim footprint SCENARIO [--variant V]...
                                   descriptor memory each variant really uses at the end of a run
  pagesim kunit SCENARIO... [--variant linux-6.12] [--out DIR]
                                   write scenarios as KUnit suites in C for a real 6.12 kernel

Variants stack like a patch series: --variant a+b. --variant-file FILE loads your own design
(a JavaScript or TypeScript module, docs/variants.md) wherever --variant is taken.
Run 'pagesim COMMAND --help' for details.
Exit status: 0 when every expectation held, 1 when one did not, 2 for bad input,
3 for a pagesim bug, 4 when the output cannot be written (docs/limits.md).`;

const COMMAND_HELP: Record<string, string | (() => string)> = {
  pagesim: SUITE_HELP,
  run: RUN_HELP,
  diff: DIFF_HELP,
  view: VIEW_HELP,
  explore: EXPLORE_HELP,
  fuzz: FUZZ_HELP,
  layout: () => `usage: pagesim layout STRUCT [--variant V] [--json]
       pagesim layout STRUCT --diff A B [--json]
       pagesim layout STRUCT --variant A --variant B... --html FILE

Prints, for every byte range of STRUCT, every field that overlays it under the
variant (default baseline). The structs: ${[...buildVariant('baseline').structs.keys()].join(', ')}
(a variant may add more). --json prints
{"struct", "size", "fields": [{"name", "offset", "size"}]}.
--diff A B compares STRUCT under variant stacks A and B: fields moved, resized
or retyped, added and removed (offset+size), and fields of both whose overlays
changed (the fields they share bytes with, the anonymous union they are in);
--json prints {"struct", "a", "b", "size", "align", "moved", "resized",
"added", "removed", "overlays"}.
--html FILE writes one self-contained HTML file (no network) with STRUCT's bytes as
a grid under each --variant side by side, every field a band under its bytes,
fields that share bytes stacked, and fields at an offset another variant does
not have them at outlined (docs/view.md).`,
  variants: `usage: pagesim variants [--json] [--resolve STACK]

Lists the design variants with a one-line description and the seed they follow
(with --variant-file FILE, the file's variants too). --resolve STACK prints the
patch series a stack name stands for, in the order it is applied: each
variant's base first, each variant once.`,
  ops: 'usage: pagesim ops [--markdown]\n\nLists every scenario operation with its parameters and result.',
  bench: `usage: pagesim bench [--memory SIZE] [--json]

Measures the simulated kernel on a machine of SIZE (default 16GiB): order-0 pairs
through the per-CPU and the buddy lists, order-9 pairs, memmap initialisation,
anonymous faults (4 KiB and THP) and page_pool recycling, each against an honest
limit measured in the same run (a plain loop doing the same memory traffic); the
scenario runner, fuzzing with the oracles on, exhaustive exploration of a two-CPU
refcount race, the machine checker, the baseline after every variant has run,
replay end to end and its event loop, and a 64 GiB boot. Figures are medians of
alternating rounds timed in process CPU time; a * marks a missed target (the exit
status is still 0). docs/performance.md explains each figure.`,
};

function cmdLayout(argv: readonly string[]): number {
  const a = parseArgs(argv, { flags: ['json', 'help'], options: ['variant', 'diff', 'html'] }, 'layout');
  if (a.flags.has('help')) return help('layout');
  const diff = a.options.get('diff');
  // --diff A B: A is the option's value, B the positional after the struct.
  const positional = diff === undefined ? a.positional : a.positional.slice(0, 1);
  if (positional.length !== 1) throw new InputError('layout: give exactly one struct name (page, folio, ptdesc)');
  const name = positional[0]!.replace(/^struct\s+/, '');
  const known = (v: string): StructLayout => {
    const built = buildVariant(v);
    const l = built.structs.get(name);
    if (l === undefined) throw new InputError(`layout: no struct "${name}" in variant ${v} (known: ${[...built.structs.keys()].join(', ')})`);
    for (const f of built.assertionFailures) process.stderr.write(`${f.message}\n`);
    return l;
  };
  if (diff !== undefined && a.options.has('html')) throw new InputError('layout: --html does not go with --diff (pagesim layout STRUCT --variant A --variant B --html FILE draws them side by side)');
  if (diff !== undefined) {
    if (diff.length !== 1 || a.positional.length !== 2 || a.options.has('variant')) throw new InputError('layout: --diff compares two variant stacks: pagesim layout STRUCT --diff A B');
    const [va, vb] = [diff[0]!, a.positional[1]!];
    checkVariants([va]);
    checkVariants([vb]);
    const d = diffLayouts(known(va), known(vb), va, vb);
    process.stdout.write(a.flags.has('json') ? `${JSON.stringify(d, null, 2)}\n` : `${formatLayoutDiff(d)}\n`);
    return 0;
  }
  const variants = a.options.get('variant') ?? ['baseline'];
  const html = a.options.get('html');
  if (html !== undefined) {
    if (html.length !== 1 || a.flags.has('json') || diff !== undefined) throw new InputError('layout: --html FILE writes one file: pagesim layout STRUCT --variant A --variant B --html FILE');
    checkVariants(variants);
    const layouts = variants.map((v) => viewLayout(known(v), v));
    const size = writeViewHtml(html[0]!, `struct ${name}: ${variants.join(' vs ')}`, { kind: 'layout', struct: name, layouts });
    process.stdout.write(`wrote ${html[0]} (${Math.ceil(size / 1024)} KiB): struct ${name} under ${variants.join(', ')}\n`);
    return 0;
  }
  if (variants.length !== 1) throw new InputError('layout: give at most one --variant (several with --html FILE)');
  checkVariants(variants);
  const l = known(variants[0]!);
  process.stdout.write(a.flags.has('json') ? `${JSON.stringify(layoutJson(l), null, 2)}\n` : `${formatLayout(l, variants[0]!)}\n`);
  return 0;
}

function cmdVariants(argv: readonly string[]): number {
  const a = parseArgs(argv, { flags: ['json', 'help'], options: ['resolve'] }, 'variants');
  if (a.flags.has('help')) return help('variants');
  if (a.positional.length > 0) throw new InputError('variants: takes no arguments');
  const resolve = a.options.get('resolve');
  if (resolve !== undefined) {
    if (resolve.length !== 1) throw new InputError('variants: give --resolve once');
    checkVariants(resolve);
    const stack = resolveStack(resolve[0]!);
    if (a.flags.has('json')) {
      process.stdout.write(`${JSON.stringify({ stack: resolve[0], resolved: ['baseline', ...stack.map((v) => v.name)] }, null, 2)}\n`);
      return 0;
    }
    const w = Math.max('baseline'.length, ...stack.map((v) => v.name.length + 2));
    const lines = [`${'baseline'.padEnd(w)}  ${baseline.description}`, ...stack.map((v) => `${`+ ${v.name}`.padEnd(w)}  ${v.description}`)];
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  }
  if (a.flags.has('json')) {
    process.stdout.write(`${JSON.stringify({ variants: VARIANTS.map((v) => ({ name: v.name, description: v.description, seed: v.seed, base: v.base ?? null })) }, null, 2)}\n`);
    return 0;
  }
  const w = Math.max(...VARIANTS.map((v) => v.name.length));
  const lines: string[] = [];
  for (const v of VARIANTS) {
    lines.push(`${v.name.padEnd(w)}  ${v.description}`);
    lines.push(`${''.padEnd(w)}  seed: ${v.seed}${v.base ? `  (applies on top of ${v.base})` : ''}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function cmdOps(argv: readonly string[]): number {
  const a = parseArgs(argv, { flags: ['markdown', 'help'], options: [] }, 'ops');
  if (a.flags.has('help')) return help('ops');
  if (a.positional.length > 0) throw new InputError('ops: takes no arguments');
  process.stdout.write(`${a.flags.has('markdown') ? formatOpsMarkdown(allOps()) : formatOpsText(allOps())}\n`);
  return 0;
}

function help(cmd: string | null): number {
  const text = cmd === null ? HELP : COMMAND_HELP[cmd]!;
  process.stdout.write(`${typeof text === 'function' ? text() : text}\n`);
  return 0;
}

/** Commands that take --variant: --variant-file's variants run there when no --variant is given. */
const TAKES_VARIANT = new Set(['run', 'layout', 'footprint', 'kpageflags', 'replay', 'proc', 'fuzz', 'explore', 'view']);

/**
 * --variant-file FILE, anywhere on the line: the file's variants are loaded
 * and registered before the command runs, so every command that takes
 * --variant (and scenario files' variants:) knows their names. A command
 * given no --variant runs them, as if each were named with --variant.
 */
function withVariantFiles(argv: readonly string[]): number | Promise<number> {
  const files: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--variant-file') {
      const f = argv[++i];
      if (f === undefined || f.startsWith('--')) throw new InputError('--variant-file needs a file (a JavaScript or TypeScript module)');
      files.push(f);
    } else if (arg.startsWith('--variant-file=')) files.push(arg.slice('--variant-file='.length));
    else rest.push(arg);
  }
  if (files.length === 0) return main(argv);
  return loadVariantFiles(files).then((names) => {
    const cmd = rest[0];
    const suite = cmd === undefined || cmd.startsWith('-') || looksLikePath(cmd);
    const hasVariant = rest.some((a) => a === '--variant' || a.startsWith('--variant='));
    if (!hasVariant && (suite || TAKES_VARIANT.has(cmd!))) for (const n of names) rest.push('--variant', n);
    return main(rest);
  });
}

function main(argv: readonly string[]): number | Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') return help(null);
  switch (cmd) {
    case undefined:
      return cmdSuite([], help);
    case 'run':
      return cmdRun(rest, help);
    case 'diff':
      return cmdDiff(rest, help);
    case 'view':
      return cmdView(rest, help);
    case 'explore':
      return exploreCommand(rest, help);
    case 'layout':
      return cmdLayout(rest);
    case 'variants':
      return cmdVariants(rest);
    case 'ops':
      return cmdOps(rest);
    case 'bench':
      if (rest.includes('--help')) return help('bench');
      return benchCommand(rest);
    case 'kpageflags':
      return kpageflagsCommand(rest);
    case 'page-types':
      return pageTypesCommand(rest);
    case 'footprint':
      return footprintCommand(rest);
    case 'replay':
      return replayCommand(rest);
    case 'fuzz':
      return fuzzCommand(rest, help);
    case 'proc':
      return procCommand(rest);
    case 'kunit':
      return kunitCommand(rest);
    default:
      if (cmd.startsWith('-') || looksLikePath(cmd)) return cmdSuite(argv, help);
      throw new InputError(`unknown command "${cmd}" (see pagesim --help; a scenario file or directory is given by its path)`);
  }
}

/**
 * Runs one command line (argv without node and the script) and gives its
 * exit status: synchronously for the commands that finish synchronously
 * (most), as a promise for those that load files or start workers. Errors
 * become their one line on stderr and status 2 (bad input) or 3 (a bug).
 */
export function cli(argv: readonly string[]): number | Promise<number> {
  try {
    const r = withVariantFiles(argv);
    return typeof r === 'number' ? r : r.catch(failure);
  } catch (e) {
    return failure(e);
  }
}
