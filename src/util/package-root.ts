/**
 * Where the package's own files are: the repository's root in a checkout,
 * the installed package's directory otherwise (both hold dist/, scenarios/
 * and data/).
 */

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root (this file is dist/src/util/package-root.js). */
export function packageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

/** The shipped scenario named NAME (scenarios/NAME.yaml). */
export function shippedScenarioPath(name: string): string {
  return join(packageRoot(), 'scenarios', `${name}.yaml`);
}
