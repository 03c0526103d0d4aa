/**
 * A loop of `check` steps is bounded by the struct pages the checks walk,
 * not only by the step limit: 10,000,000 checks of a 1 GiB machine took
 * hours. Going past the limit is bad input at the step's line, as the step
 * limit is. The limit (2^30 struct pages) is lowered here for the test's
 * run, so that it walks a few memmaps instead of ten seconds' worth.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pagesim } from './helpers/cli.js';
import { LIMITS } from '../src/kernel/config.js';

test('check steps past the struct pages they may walk: FILE:LINE and exit 2', () => {
  assert.equal(LIMITS.checkedPagesMax, 2 ** 30);
  const file = join(mkdtempSync(join(tmpdir(), 'pagesim-limits-')), 'checks.yaml');
  // 64 MiB: 16,384 struct pages a check.
  writeFileSync(file, 'machine: {memory: 64MiB}\nsteps:\n  - check\n  - repeat:\n      times: 1000000\n      steps:\n        - check\n');
  const limits = LIMITS as { checkedPagesMax: number };
  limits.checkedPagesMax = 16_384 * 3;
  let r: ReturnType<typeof pagesim>;
  try {
    r = pagesim(['run', file]);
  } finally {
    limits.checkedPagesMax = 2 ** 30;
  }
  assert.deepEqual({ status: r.status, stdout: r.stdout, stderr: r.stderr }, {
    status: 2,
    stdout: '',
    stderr: `${file}:7: the scenario's check steps walk more than 49152 struct pages, the limit (3 checks of this machine; docs/limits.md)\n`,
  });
  // Three checks are within it.
  writeFileSync(file, 'machine: {memory: 64MiB}\nsteps:\n  - check\n  - repeat:\n      times: 2\n      steps:\n        - check\n');
  limits.checkedPagesMax = 16_384 * 3;
  try {
    r = pagesim(['run', file]);
  } finally {
    limits.checkedPagesMax = 2 ** 30;
  }
  assert.equal(r.status, 0, r.stderr);
});
