/**
 * `pagesim view SCENARIO`: one self-contained HTML file to look at a run
 * under several variants (src/view).
 */

import { basename } from 'node:path';
import { InputError } from '../util/errors.js';
import { checkOutputFile } from '../util/output-file.js';
import { parseArgs } from './args.js';
import { checkVariants } from './cmd-run.js';
import { expandCases, loadScenario } from '../engine/load.js';
import { buildViewData, MAX_WATCHED_PAGES, parsePage } from '../view/build.js';
import { resolvePage } from '../observe/target.js';
import { PAGE_SIZE } from '../kernel/config.js';
import { writeViewHtml } from '../view/html.js';
import { Progress } from '../replay/progress.js';

export const VIEW_HELP = `usage: pagesim view SCENARIO [--variant V]... [--case NAME] [--page PAGE]... [--out FILE.html]

Runs the scenario under each variant (default: the file's variants) and writes one
self-contained HTML file (default: NAME.html, NAME the scenario's file name) that
opens from disk in a browser, with no network: the steps down the side with one
column per variant, reports inline and the first step where the variants differ
highlighted; the memmap as a map of every pfn coloured by state (free by order,
pcp, allocated, compound head and tail, slab, table, netpp, page_pool, reserved)
after any step, with zoom and each pfn's dump_page() on hover; the struct page of
a chosen pfn as a byte grid with each variant's fields overlaid (unions as
stacked bands) and the bytes written in the chosen step marked with the kernel
function that wrote them; and counters over the steps. The first divergence is
the one pagesim diff finds (a step's result, reports, the struct pages it changed
or their refcount, mapcount, flags, page_type). Writers are found for the pages
the reports and steps name and those given with --page PAGE (at most 32): a
handle (p, p+1), pfn:0x2016, or a pfn, as --timeline takes it; other pages show
which bytes changed. Keys: up/down (j/k), Home, End.
See docs/view.md.`;

export function cmdView(argv: readonly string[], help: (cmd: string) => number): number {
  const a = parseArgs(argv, { flags: ['help'], options: ['variant', 'case', 'page', 'out'] }, 'view');
  if (a.flags.has('help')) return help('view');
  if (a.positional.length !== 1) throw new InputError('view: give exactly one scenario file (usage: pagesim view SCENARIO [--variant V]... [--out FILE.html])');
  const variants = a.options.get('variant') ?? null;
  if (variants !== null) checkVariants(variants);
  const cases = a.options.get('case') ?? [];
  if (cases.length > 1) throw new InputError('view: give at most one --case');
  const outs = a.options.get('out') ?? [];
  if (outs.length > 1) throw new InputError('view: give at most one --out');
  const pageArgs = a.options.get('page') ?? [];
  // The view compares each watched page on every step: more would be left out without a word.
  if (pageArgs.length > MAX_WATCHED_PAGES) throw new InputError(`view: give at most ${MAX_WATCHED_PAGES} --page (got ${pageArgs.length})`);
  const pages = pageArgs.map((p) => parsePage(p));
  const file = a.positional[0]!;
  const scns = expandCases(loadScenario(file), cases[0]);
  if (scns.length > 1) throw new InputError(`view: the scenario has cases; choose one with --case (${scns.map((s) => s.name.split('/').pop()).join(', ')})`, file);
  const scn = scns[0]!;
  // A pfn is checked before anything runs; a handle once a step binds it.
  const nrPages = Math.floor(scn.machine.memoryBytes / PAGE_SIZE);
  for (const t of pages) if (t.page.kind === 'pfn') resolvePage(t, null, nrPages, 'view: --page');
  const out = outs[0] ?? `${basename(file).replace(/\.ya?ml$/, '')}.html`;
  if (!/\.html?$/.test(out)) throw new InputError(`view: --out ${out}: the file name should end in .html`);
  // Found writable before the runs, as replay --html is, so that they are not made for nothing.
  checkOutputFile(out, 'the HTML file');
  const progress = new Progress();
  let data;
  try {
    data = buildViewData(scn, { variants: variants ?? scn.variants, pages, progress: (what) => progress.update(`pagesim view: ${what}`, true) });
  } finally {
    progress.done();
  }
  const size = writeViewHtml(out, `pagesim view: ${scn.name}`, data);
  const div = data.divergence === null ? (data.runs.length > 1 ? 'the variants do not differ' : 'one variant') : data.divergence.step === null ? 'first divergence after the last step' : `first divergence at step ${data.divergence.step}`;
  process.stdout.write(`wrote ${out} (${Math.ceil(size / 1024)} KiB): ${scn.name} under ${data.runs.map((r) => r.variant).join(', ')}; ${div}\n`);
  return 0;
}
