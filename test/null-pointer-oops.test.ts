/**
 * Kernel misuse reported as the kernel reports it: a struct page pointer
 * below PAGE_SIZE (a NULL handle) faults as a NULL pointer dereference
 * (arch/x86/mm/fault.c show_fault_oops()), and a pointer that faults as
 * the step hands it over names the step runner, where RIP is, not
 * "unknown".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pagesim as run } from './helpers/cli.js';

const pagesim = (...args: string[]) => run(args);
const dir = mkdtempSync(join(tmpdir(), 'pagesim-refusals-'));

function file(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

test('a NULL page handle faults as a NULL pointer dereference, and a fault before any kernel function is reported at the step runner', () => {
  const f = file('null-page.yaml', 'machine: {memory: 64MiB}\nsteps:\n  - alloc_pages: {gfp: GFP_KERNEL | __GFP_NOWARN, order: 11}\n    as: p\n  - __free_pages: p\n');
  const r = pagesim('run', f, '--json');
  assert.equal(r.status, 0, r.stderr);
  const reports = (JSON.parse(r.stdout) as { runs: { outcome: string; reports: { kind: string; function: string; message: string }[] }[] }).runs[0]!;
  assert.equal(reports.outcome, 'bug');
  assert.deepEqual(reports.reports.map((x) => [x.kind, x.function, x.message]), [['BUG', 'pagesim_run_step', 'BUG: kernel NULL pointer dereference, address: 0000000000000034']]);
  const wild = file('wild-page.yaml', 'machine: {memory: 64MiB}\nsteps:\n  - alloc_pages: {gfp: GFP_KERNEL}\n    as: p\n  - __free_pages: p + 100000000\n');
  const w = pagesim('run', wild);
  assert.match(w.stdout, /\n {5}\| BUG: unable to handle page fault for address: ffffea017d804034\n/);
  assert.match(w.stdout, /\noutcome: bug \(BUG pagesim_run_step\)\n$/);
});
