/**
 * What `pagesim replay` does to start fast (docs/performance.md, "Boot and
 * replay's fixed cost") must not change what it finds: a memory section
 * without RAM has no memmap, and a bundle of modules is taken only while it
 * is newer than every module in it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildVariant } from '../src/engine/build.js';
import { initialisedRanges, PAGES_PER_SECTION, planMachine, sectionsWithoutRam, type MachinePlan } from '../src/kernel/mm_init.js';
import { SymbolTable } from '../src/kernel/symbols.js';
import { checkMachine } from '../src/check/checker.js';
import { freshBundle } from '../src/util/bundle.js';

const S = PAGES_PER_SECTION;

test('a section without RAM has no memmap; one with some RAM has all of it', () => {
  const plan = { nr_pages: 8 * S, ram: [[1, 0x9f], [0x100, 2 * S + 100], [5 * S, 8 * S]] as const };
  // Sections 3 and 4 hold no RAM; section 2 holds 100 pages of it and keeps its whole memmap.
  assert.deepEqual(sectionsWithoutRam(plan), [[3 * S, 5 * S]]);
  assert.deepEqual(sectionsWithoutRam({ nr_pages: 8 * S, ram: [[0x100, 8 * S]] }), []);
  // RAM ending inside the last section: nothing beyond it.
  assert.deepEqual(sectionsWithoutRam({ nr_pages: 3 * S, ram: [[0, S + 5]] }), [[2 * S, 3 * S]]);
});

test('boot writes no struct page of a section without RAM, and the machine checks clean', () => {
  const built = buildVariant('baseline');
  const base = planMachine({ memoryBytes: 8 * S * 4096, cpus: 2, nodes: 1 }, built.structs.get('page')!.size);
  // A hole of two sections in the middle of the RAM, as a VM's PCI hole below 4 GiB.
  const plan: MachinePlan = { ...base, ram: [[1, 0x9f], [0x100, 3 * S], [5 * S, base.nr_pages]] };
  assert.deepEqual(initialisedRanges(plan), [[0, 3 * S], [5 * S, base.nr_pages]]);
  const k = new built.kernelClass(plan, { structs: built.structs }, new SymbolTable(built.symbolDecls));
  k.boot();
  for (const pfn of [3 * S, 4 * S + 17, 5 * S - 1]) {
    for (let w = 0; w < k.PW; w++) assert.equal(k.m32[pfn * k.PW + w], 0, `pfn ${pfn} word ${w}`);
    assert.equal(k.memmapZone(pfn), k.zones[0]);
  }
  // Around the hole the struct pages are written: free RAM below it, free RAM above it.
  assert.notEqual(k.flagsHi(3 * S - 1), 0);
  assert.notEqual(k.flagsHi(5 * S), 0);
  assert.deepEqual(checkMachine(k).violations, []);
});

test('a bundle is taken only while it is newer than every module in it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-bundle-'));
  const bundle = join(dir, 'b.bundle.js');
  const modules = ['a.js', 'b.js'];
  for (const m of modules) writeFileSync(join(dir, m), 'export {};\n');
  writeFileSync(bundle, 'export {};\n');
  const url = pathToFileURL(bundle);
  // No list of its modules beside it: not taken.
  assert.equal(freshBundle(url), false);
  writeFileSync(`${bundle}.json`, JSON.stringify({ inputs: modules }));
  const at = (file: string, seconds: number): void => utimesSync(file, seconds, seconds);
  at(join(dir, 'a.js'), 1000);
  at(join(dir, 'b.js'), 1000);
  at(bundle, 2000);
  assert.equal(freshBundle(url), true);
  // One module rebuilt after the bundle: the modules load one by one.
  at(join(dir, 'b.js'), 3000);
  assert.equal(freshBundle(url), false);
  // A module the list names that is gone: not taken either.
  at(join(dir, 'b.js'), 1000);
  writeFileSync(`${bundle}.json`, JSON.stringify({ inputs: [...modules, 'c.js'] }));
  assert.equal(freshBundle(url), false);
});
