/**
 * `pagesim diff SCENARIO A B`: one scenario under two variant stacks, and
 * the first step where they part (src/observe/diff.ts). The stacks may also
 * be given as every other command takes them, `--variant A --variant B`.
 */

import { InputError } from '../util/errors.js';
import { parseArgs } from './args.js';
import { checkVariants } from './cmd-run.js';
import { expandCases, loadScenario } from '../engine/load.js';
import { diffVariants } from '../observe/diff.js';
import { formatDiff } from '../format/diff.js';
import { Progress } from '../replay/progress.js';

export const DIFF_HELP = `usage: pagesim diff SCENARIO A B [--case NAME] [--json]
       pagesim diff SCENARIO --variant A --variant B [--case NAME] [--json]

Runs the scenario under variant stacks A and B and shows the first step where
they part: a different result, different reports, a different set of struct
pages changed, or a page left in a different state (refcount, mapcount, flags,
page_type as dump_page() reads them). That step is shown side by side: its
result and reports under each variant, and every page either side changed in
it (or a report names) with its state and raw words after the step (a * marks
a word the step changed). Raw words are shown, not compared: variants may lay
struct page out differently. When every step agrees, the runs may still part
in the whole-machine checker's findings at the end. --json prints the same as
data: {"scenario", "a", "b", "outcome", "stepsRun", "alike", "divergence":
{"step", "call", "what", "a", "b", "pages": [{"pfn", "differs", "a", "b"}]},
"firstRawDifference"} (docs/observe.md). Exit status 0 whether or not the
runs part; 2 for bad input.`;

export function cmdDiff(argv: readonly string[], help: (cmd: string) => number): number {
  const a = parseArgs(argv, { flags: ['json', 'help'], options: ['case', 'variant'] }, 'diff');
  if (a.flags.has('help')) return help('diff');
  const [file, va, vb] = diffOperands(a.positional, a.options.get('variant') ?? []);
  // The same stack as A and B is allowed: every step agrees.
  checkVariants([va]);
  checkVariants([vb]);
  const cases = a.options.get('case') ?? [];
  if (cases.length > 1) throw new InputError('diff: give at most one --case');
  const scns = expandCases(loadScenario(file), cases[0]);
  if (scns.length > 1) throw new InputError(`the file holds ${scns.length} cases (${scns.map((s) => s.name.slice(s.name.indexOf('/') + 1)).join(', ')}); pick one with --case NAME`, file);
  // A long scenario is diffed in seconds to minutes: a line on a terminal says where it is.
  const progress = new Progress();
  let d;
  try {
    d = diffVariants(scns[0]!, va, vb, (pass, v, step) => progress.update(pass === 1 ? `pagesim diff: comparing, ${v} at step ${step}` : `pagesim diff: taking the pages, ${v}`));
  } finally {
    progress.done();
  }
  process.stdout.write(a.flags.has('json') ? `${JSON.stringify(d, null, 2)}\n` : `${formatDiff(d)}\n`);
  return 0;
}

/** The scenario and the two stacks: `SCENARIO A B`, or `SCENARIO --variant A --variant B`, not a mix. */
function diffOperands(positional: readonly string[], variants: readonly string[]): [string, string, string] {
  if (variants.length === 0) {
    if (positional.length !== 3) throw new InputError(`diff: give a scenario file and two variant stacks (usage: pagesim diff SCENARIO A B); got ${positional.length} argument${positional.length === 1 ? '' : 's'}`);
    return positional as [string, string, string];
  }
  if (positional.length !== 1) throw new InputError(`diff: with --variant, give the scenario file alone before or after them (usage: pagesim diff SCENARIO --variant A --variant B); got ${positional.length} other argument${positional.length === 1 ? '' : 's'}`);
  if (variants.length !== 2) throw new InputError(`diff: give --variant twice, once for each side (got ${variants.length})`);
  return [positional[0]!, variants[0]!, variants[1]!];
}
