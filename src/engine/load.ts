/**
 * Reading scenario files: any problem reading or parsing one is an
 * InputError naming the file (and line).
 */

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario } from '../scenario/parse.js';
import type { Scenario } from '../scenario/types.js';
import { InputError } from '../util/errors.js';
import { opLookup } from './registry.js';
import { variantProblem } from '../variants/index.js';

export const variantLookup = { problem: variantProblem };

export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError(`cannot read scenario file (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code})`, file);
  }
  return parseScenario(text, file, opLookup, variantLookup);
}

/** Scenario files in a directory, sorted by name. */
export function scenarioFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f))
    .filter((p) => statSync(p).isFile());
}
