/**
 * `pagesim footprint`: the descriptor memory a machine's pages need under
 * struct-page-64, struct-page-32 and memdesc-8, from a kpageflags image or
 * from the machine a scenario leaves behind.
 */

import { InputError } from '../util/errors.js';
import { parseArgs, parseSize, type ParsedArgs } from './args.js';
import { readImage } from '../kpageflags/image.js';
import { encodeImages } from '../kpageflags/write.js';
import { runScenarioKeepMachine } from '../kpageflags/scenario-machine.js';
import { loadScenario } from '../engine/load.js';
import { variantProblem } from '../variants/index.js';
import { classify, type Population } from '../footprint/classify.js';
import { footprint, footprintJson, formatFootprint } from '../footprint/report.js';
import { formatMeasured, measureFootprint, type MeasuredFootprint } from '../footprint/measured.js';

export const FOOTPRINT_HELP = `usage: pagesim footprint --kpageflags IMAGE [--kpagecount IMAGE] [--page-size SIZE] [--json]
       pagesim footprint --scenario FILE [--variant V] [--json]
       pagesim footprint SCENARIO [--variant V]... [--json]

With a scenario as its argument: runs it under each variant (default: the file's
variants) and prints the descriptor memory each really uses at the end: the memmap
(pages x sizeof(struct page) of the variant) plus the descriptors it allocates apart
from struct page (objects of its descriptor slab caches and the slab pages they
occupy), per descriptor type. --json prints {"scenario", "variants": [{"variant",
"pages", "struct_page_size", "memmap_bytes", "descriptors", "total_bytes"}]}.

Sorts every pfn of a machine into page kinds by its kpageflags bits (free, anon, file,
slab, pgtable, hugetlb, reserved, zero, offline, other) and prints the descriptor memory
those pages need as today's 64-byte struct page (struct-page-64), as the 32-byte interim
struct page of the memdesc plan (struct-page-32) and as one 8-byte memdesc word per page
(memdesc-8), the last two plus separately allocated folio/slab/ptdesc descriptors. Images
may be gzipped. --kpagecount adds a column of mapped pages per kind. --scenario runs the
scenario (under V, default its first variant) and uses the machine it leaves.
--json prints {"pages", "designs": [{"name", "total_bytes", "by_kind"}], "kinds", "assumptions"}.`;

function fromImages(flagsFile: string, countFile: string | undefined): Population {
  const flags = readImage(flagsFile, 'kpageflags');
  const counts = countFile === undefined ? undefined : readImage(countFile, 'kpagecount');
  return classify(flags, counts);
}

function fromScenario(file: string, variantOpt: string | undefined): { pop: Population; source: string } {
  const scn = loadScenario(file);
  const variant = variantOpt ?? scn.variants[0] ?? 'baseline';
  const problem = variantProblem(variant);
  if (problem !== null) throw new InputError(`--variant: ${problem}`);
  const kept = runScenarioKeepMachine(scn, variant);
  const imgs = encodeImages(kept.machine);
  return { pop: classify(imgs.kpageflags, imgs.kpagecount), source: `scenario ${scn.name} under ${variant}` };
}

/** `pagesim footprint SCENARIO [--variant V]...`: measured, per variant. */
function measuredCommand(a: ParsedArgs): number {
  if (a.positional.length !== 1) throw new InputError('footprint: give one scenario file');
  for (const o of ['kpageflags', 'kpagecount', 'scenario', 'page-size']) if (a.options.has(o)) throw new InputError(`footprint: --${o} does not go with a scenario argument`);
  const scn = loadScenario(a.positional[0]!);
  const variants = a.options.get('variant') ?? scn.variants;
  const rows: MeasuredFootprint[] = [];
  for (const v of variants) {
    const problem = variantProblem(v);
    if (problem !== null) throw new InputError(`--variant: ${problem}`);
    rows.push(measureFootprint(runScenarioKeepMachine(scn, v).machine, v));
  }
  process.stdout.write(a.flags.has('json') ? `${JSON.stringify({ scenario: scn.name, variants: rows }, null, 2)}\n` : formatMeasured(`scenario ${scn.name}`, rows));
  return 0;
}

function single(a: ParsedArgs, name: string): string | undefined {
  const v = a.options.get(name) ?? [];
  if (v.length > 1) throw new InputError(`footprint: give --${name} at most once`);
  return v[0];
}

export function footprintCommand(argv: readonly string[]): number {
  const a = parseArgs(argv, { flags: ['json', 'help'], options: ['kpageflags', 'kpagecount', 'scenario', 'variant', 'page-size'] }, 'footprint');
  if (a.flags.has('help')) {
    process.stdout.write(`${FOOTPRINT_HELP}\n`);
    return 0;
  }
  if (a.positional.length > 0) return measuredCommand(a);
  const flagsFile = single(a, 'kpageflags');
  const countFile = single(a, 'kpagecount');
  const scenario = single(a, 'scenario');
  const variant = single(a, 'variant');
  const sizeText = single(a, 'page-size');
  const pageSize = sizeText === undefined ? 4096 : parseSize(sizeText, '--page-size');
  if (pageSize < 1024 || (pageSize & (pageSize - 1)) !== 0) throw new InputError(`--page-size: ${pageSize} is not a power of two of at least 1KiB`);
  if ((flagsFile === undefined) === (scenario === undefined)) throw new InputError('footprint: give either --kpageflags IMAGE or --scenario FILE');
  let pop: Population;
  let source: string;
  if (scenario !== undefined) {
    if (countFile !== undefined) throw new InputError('footprint: --kpagecount goes with --kpageflags, not --scenario');
    if (sizeText !== undefined) throw new InputError('footprint: --page-size goes with --kpageflags; a scenario machine has 4KiB pages');
    ({ pop, source } = fromScenario(scenario, variant));
  } else {
    if (variant !== undefined) throw new InputError('footprint: --variant goes with --scenario');
    pop = fromImages(flagsFile!, countFile);
    source = `kpageflags ${flagsFile}${countFile === undefined ? '' : ` and kpagecount ${countFile}`}`;
  }
  const report = footprint(pop, source, pageSize);
  process.stdout.write(a.flags.has('json') ? `${JSON.stringify(footprintJson(report), null, 2)}\n` : formatFootprint(report));
  return 0;
}
