/**
 * `pagesim kpageflags SCENARIO [--variant V] --out DIR`: run a scenario and
 * write the machine's /proc/kpageflags and /proc/kpagecount as the kernel
 * would (fs/proc/page.c), for tools/mm/page-types or `pagesim page-types`.
 */

import { InputError } from '../util/errors.js';
import { parseArgs } from './args.js';
import { loadScenario } from '../engine/load.js';
import { variantProblem } from '../variants/index.js';
import { runScenarioKeepMachine } from '../kpageflags/scenario-machine.js';
import { writeImages, maxDumpPfn } from '../kpageflags/write.js';

export const KPAGEFLAGS_HELP = `usage: pagesim kpageflags SCENARIO [--variant V] --out DIR

Runs the scenario under variant V (default: the first variant the file lists) and writes
DIR/kpageflags and DIR/kpagecount: one little-endian u64 per pfn up to the end of the last
128MiB section, as /proc/kpageflags (stable_page_flags()) and /proc/kpagecount (the
precise per-page mapcount) of that machine would read. If the run stops at a kernel BUG,
the images show the machine at that point. Read them with 'pagesim page-types DIR/kpageflags'
or the kernel's 'page-types -F DIR/kpageflags'.`;

export function kpageflagsCommand(argv: readonly string[]): number {
  const a = parseArgs(argv, { flags: ['help'], options: ['variant', 'out'] }, 'kpageflags');
  if (a.flags.has('help')) {
    process.stdout.write(`${KPAGEFLAGS_HELP}\n`);
    return 0;
  }
  if (a.positional.length !== 1) throw new InputError('kpageflags: give exactly one scenario file (usage: pagesim kpageflags SCENARIO [--variant V] --out DIR)');
  const outs = a.options.get('out') ?? [];
  if (outs.length !== 1) throw new InputError('kpageflags: give the output directory once with --out DIR');
  const variants = a.options.get('variant') ?? [];
  if (variants.length > 1) throw new InputError('kpageflags: give at most one --variant');
  const scn = loadScenario(a.positional[0]!);
  const variant = variants[0] ?? scn.variants[0] ?? 'baseline';
  const problem = variantProblem(variant);
  if (problem !== null) throw new InputError(`--variant: ${problem}`);
  const kept = runScenarioKeepMachine(scn, variant);
  const paths = writeImages(kept.machine, outs[0]!);
  const lines = [`${paths.kpageflags}, ${paths.kpagecount}: ${maxDumpPfn(kept.machine)} pfns, scenario ${scn.name} under ${variant} after ${kept.steps} steps`];
  if (kept.bug !== null) lines.push(`note: the run stopped at a kernel BUG (${kept.bug.message}); the images show the machine at that point`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
