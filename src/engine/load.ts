/**
 * Reading scenario files: any problem reading or parsing one is an
 * InputError naming the file (and line).
 */

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario } from '../scenario/parse.js';
import type { Scenario, VariantExpectation } from '../scenario/types.js';
import { InputError } from '../util/errors.js';
import { readInputText } from '../util/input-file.js';
import { LIMITS } from '../kernel/config.js';
import { opLookup } from './registry.js';
import { variantProblem } from '../variants/index.js';

export const variantLookup = { problem: variantProblem };

export function loadScenario(file: string): Scenario {
  const text = readInputText(file, 'scenario file', LIMITS.scenarioBytesMax);
  return parseScenario(text, file, opLookup, variantLookup);
}

/**
 * The scenarios a file holds: itself, or one per case of its `cases:`,
 * each named `FILE-NAME/CASE`, with the setup steps first and the case's
 * expectations over the file's. `only` keeps the case of that name (an
 * InputError when there is none).
 */
export function expandCases(scn: Scenario, only?: string): Scenario[] {
  if (scn.cases === undefined) {
    if (only !== undefined) throw new InputError(`--case ${only}: the scenario has no cases:`, scn.file);
    return [scn];
  }
  const cases = only === undefined ? scn.cases : scn.cases.filter((c) => c.name === only);
  if (cases.length === 0) throw new InputError(`--case ${only}: no such case (the cases: ${scn.cases.map((c) => c.name).join(', ')})`, scn.file);
  return cases.map((c) => {
    const expect = new Map<string, VariantExpectation>(scn.expect);
    const expectLines = new Map<string, number>(scn.expectLines);
    for (const [v, e] of c.expect) expect.set(v, e);
    for (const [v, l] of c.expectLines) expectLines.set(v, l);
    const { cases: _cases, ...rest } = scn;
    void _cases;
    return { ...rest, name: `${scn.name}/${c.name}`, description: c.description || scn.description, steps: [...scn.steps, ...c.steps], expect, expectLines };
  });
}

/** Scenario files in a directory, sorted by name. */
export function scenarioFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f))
    .filter((p) => statSync(p).isFile());
}
