/**
 * Every shipped scenario, run under each of its variants: its expectations
 * (per-variant reports and per-step results) must hold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { expandCases, loadScenario, scenarioFiles } from '../src/engine/load.js';
import { runScenario } from '../src/engine/run.js';
import { repoRoot } from './helpers/machine.js';

for (const file of scenarioFiles(join(repoRoot, 'scenarios'))) {
  for (const scn of expandCases(loadScenario(file))) for (const variant of scn.variants) {
    test(`${scn.name} [${variant}]`, () => {
      const run = runScenario(scn, variant);
      assert.deepEqual(run.failures, [], run.failures.join('\n'));
      assert.equal(run.expected, 'held');
      assert.ok(scn.expect.has(variant), `shipped scenarios state an expectation for every variant they run (${variant})`);
    });
  }
}
