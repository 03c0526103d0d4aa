/**
 * `pagesim kunit SCENARIO... [--variant linux-6.12] [--out DIR]`: write each
 * scenario as a KUnit suite in C (src/kunit/export.ts), to stdout or as
 * DIR/pagesim_<name>_kunit.c, ready to drop into a 6.12 tree's mm/.
 */

import { makeOutputDir, writeOutputFile } from '../util/output-file.js';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';
import { parseArgs } from '../cli/args.js';
import { loadScenario } from '../engine/load.js';
import { exportKunit, kunitFileName, KUNIT_VARIANT } from './export.js';

export const KUNIT_HELP = `usage: pagesim kunit SCENARIO... [--variant ${KUNIT_VARIANT}] [--out DIR]

Writes each scenario as a KUnit suite in C for linux 6.12: one test case per
scenario (one per case of a cases: file), the steps as calls of the kernel's own
functions, handles as local variables, and after every step a console line
'pagesim: step N op = value' to compare with 'pagesim run --variant ${KUNIT_VARIANT}'.
Without --out the C goes to stdout (one scenario); with --out each scenario is
written to DIR/pagesim_<name>_kunit.c. A step whose operation has no 6.12
counterpart a test can call is refused with one line naming it (exit status 2).
docs/kunit.md shows how to build and run the result.`;

export function kunitCommand(argv: readonly string[]): number {
  const a = parseArgs(argv, { flags: ['help'], options: ['variant', 'out'] }, 'kunit');
  if (a.flags.has('help')) {
    process.stdout.write(`${KUNIT_HELP}\n`);
    return 0;
  }
  if (a.positional.length === 0) throw new InputError(`kunit: give a scenario file (usage: pagesim kunit SCENARIO... [--variant ${KUNIT_VARIANT}] [--out DIR])`);
  const variants = a.options.get('variant') ?? [KUNIT_VARIANT];
  if (variants.length !== 1 || variants[0] !== KUNIT_VARIANT) throw new InputError(`kunit: --variant ${variants.join(', ')}: the only kernel exported to is ${KUNIT_VARIANT}`);
  const outs = a.options.get('out') ?? [];
  if (outs.length > 1) throw new InputError('kunit: give --out once');
  if (outs.length === 0 && a.positional.length > 1) throw new InputError('kunit: several scenarios need --out DIR (one file each)');
  // Every file is translated before anything is written: one bad step writes nothing.
  const texts = a.positional.map((f) => {
    const scn = loadScenario(f);
    return { scenario: f, file: kunitFileName(scn), text: exportKunit(scn) };
  });
  // Names that differ only where a C identifier cannot (a-b, a_b), or one file given twice, would write one file over
  // the other, and two suites of one name do not load together.
  for (const [i, t] of texts.entries()) {
    const before = texts.findIndex((u) => u.file === t.file);
    if (before < i) throw new InputError(`kunit: exports to ${t.file}, as ${texts[before]!.scenario} does: each suite needs a scenario name of its own`, t.scenario);
  }
  if (outs.length === 0) {
    process.stdout.write(texts[0]!.text);
    return 0;
  }
  makeOutputDir(outs[0]!);
  for (const t of texts) writeOutputFile(join(outs[0]!, t.file), 'the KUnit test file', t.text);
  process.stdout.write(`${texts.map((t) => join(outs[0]!, t.file)).join('\n')}\n`);
  return 0;
}
