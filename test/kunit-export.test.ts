/**
 * pagesim kunit: scenarios become KUnit suites in C for linux 6.12, every
 * step a kernel call followed by its `pagesim: step N op = value` line; an
 * operation 6.12 lacks is refused with one line naming it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pagesim as cli } from './helpers/cli.js';
import { join } from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { repoRoot } from './helpers/machine.js';
import { exportKunit, kunitSuiteName } from '../src/kunit/export.js';
import { loadScenario } from '../src/engine/load.js';


function pagesim(...args: string[]): { status: number; stdout: string; stderr: string } {
  return cli(args);
}

function scenario(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-kunit-'));
  const f = join(dir, 'probe.yaml');
  writeFileSync(f, text);
  return f;
}

test('double-free: each step is the kernel call, then its step line, handles are locals', () => {
  const c = exportKunit(loadScenario(join(repoRoot, 'scenarios', 'double-free.yaml')));
  const body = c.slice(c.indexOf('static void pagesim_double_free_test'));
  assert.match(body, /\tstruct page \*p;\n/);
  assert.match(body, /p = alloc_pages\(GFP_KERNEL, 0\);\n\tpagesim_page\("alloc_pages", p\);\n\t__free_pages\(p, 0\);\n\tpagesim_void\("__free_pages"\);\n\t__free_pages\(p, 0\);\n\tpagesim_void\("__free_pages"\);/);
  assert.match(c, /\.name = "pagesim_double_free",/);
  assert.match(c, /pr_info\("pagesim: step %u %s = pfn %#lx\\n"/);
});

test('loops: handles bound as NAME$i are arrays, NAME58 an element; folios through page_folio()', () => {
  const c = exportKunit(loadScenario(join(repoRoot, 'scenarios', 'net-page-pool-lifecycle.yaml')));
  assert.match(c, /static struct page \*q\[60\];/);
  assert.match(c, /for \(i = 0; i < 60; i\+\+\) \{\n\t\tq\[i\] = page_pool_alloc_pages\(pool, GFP_ATOMIC\|__GFP_NOWARN\);/);
  assert.match(c, /get_page\(q\[58\]\);/);
  assert.match(c, /offsetof\(struct page_pool_stats, recycle_stats\.released_refcnt\)/);
  const f = exportKunit(loadScenario(join(repoRoot, 'scenarios', 'folio-lifecycle.yaml')));
  assert.match(f, /long v = folio_order\(page_folio\(f\)\);\n\t\tpagesim_int\("folio_order", v\);\n\t\tKUNIT_EXPECT_EQ\(test, \(long\)v, 2L\);/);
  assert.match(f, /KUNIT_EXPECT_PTR_EQ\(test, v, f\);/);
  assert.match(f, /pagesim_skip\("check"\);/);
});

test('cases: one KUnit case each, the setup steps first in every case', () => {
  const f = scenario(`name: two-cases
steps:
  - alloc_pages: {order: 1}
    as: p
cases:
  - name: first
    steps:
      - __free_pages: {page: p, order: 1}
  - name: second
    steps:
      - page_ref_inc: p + 1
`);
  const scn = loadScenario(f);
  const c = exportKunit(scn);
  assert.equal(kunitSuiteName(scn), 'pagesim_two_cases');
  assert.match(c, /static void pagesim_two_cases_first_test\(struct kunit \*test\)\n\{\n\tstruct page \*p;\n\n\tpagesim_step = 0;\n\tp = alloc_pages\(GFP_KERNEL, 1\);/);
  assert.match(c, /page_ref_inc\(p \+ 1\);/);
  assert.match(c, /KUNIT_CASE\(pagesim_two_cases_first_test\),\n\tKUNIT_CASE\(pagesim_two_cases_second_test\),/);
});

test('an operation 6.12 does not have: one line naming it and its line, exit 2, nothing written', () => {
  const out = mkdtempSync(join(tmpdir(), 'pagesim-kunit-out-'));
  const r = pagesim('kunit', join(repoRoot, 'scenarios', 'frozen-page-incremented.yaml'), '--out', out);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  assert.match(r.stderr, /frozen-page-incremented\.yaml:12: operation alloc_frozen_pages has no counterpart a KUnit test can call in linux 6\.12/);
  // folio_set_locked is __folio_set_locked in 6.12
  const f = scenario(`name: lock
steps:
  - alloc_pages: {order: 0}
    as: p
  - folio_set_locked: p
`);
  const r2 = pagesim('kunit', f);
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /probe\.yaml:5: operation folio_set_locked has no counterpart/);
  const r3 = pagesim('kunit', join(repoRoot, 'scenarios', 'double-free.yaml'), '--variant', 'baseline');
  assert.equal(r3.status, 2);
  assert.match(r3.stderr, /the only kernel exported to is linux-6\.12/);
});

test('--out writes pagesim_<name>_kunit.c for each scenario', () => {
  const out = mkdtempSync(join(tmpdir(), 'pagesim-kunit-out-'));
  const r = pagesim('kunit', join(repoRoot, 'scenarios', 'double-free.yaml'), join(repoRoot, 'scenarios', 'gup-pins.yaml'), '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [join(out, 'pagesim_double_free_kunit.c'), join(out, 'pagesim_gup_pins_kunit.c')]);
  const gup = readFileSync(join(out, 'pagesim_gup_pins_kunit.c'), 'utf8');
  assert.match(gup, /pagesim_pin\(m, small, 1, FOLL_WRITE \| FOLL_LONGTERM\)/);
  assert.match(gup, /global_node_page_state\(NR_FOLL_PIN_ACQUIRED\) - 0/);
  assert.match(gup, /static long __maybe_unused pagesim_pin\(/);
});

test('driver-vma-fault: mmap_device is an anonymous-inode file of the test with its own mmap, vm_insert_page runs under the mmap write lock', () => {
  const c = exportKunit(loadScenario(join(repoRoot, 'scenarios', 'driver-vma-fault.yaml')));
  assert.match(c, /#include <linux\/anon_inodes\.h>/);
  assert.match(c, /file = anon_inode_getfile\("\[pagesim-device\]", &pagesim_device_fops,/);
  assert.match(c, /vm_mmap\(file, addr, len, PROT_READ \| PROT_WRITE, MAP_SHARED, 0\)/);
  const body = c.slice(c.indexOf('static void pagesim_driver_vma_fault_test'));
  assert.match(body, /a = pagesim_mmap_device\(m, 0, 2097152\);\n\tpagesim_int\("mmap_device", a\);/);
  assert.match(body, /long v = pagesim_vm_insert_page\(m, a, p\);/);
  assert.match(c, /mmap_write_lock\(mm\);\n\tvma = vma_lookup\(mm, addr\);\n\tif \(vma\)\n\t\tret = vm_insert_page\(vma, addr, page\);/);
  const pages = exportKunit(loadScenario(join(repoRoot, 'scenarios', 'iouring-buffer.yaml')));
  assert.match(pages, /long v = pagesim_vm_insert_pages\(m, a, buf, 4\);/);
});

test('zone counters are read whole: the global value plus every CPU delta, not the lagging global_zone_page_state()', () => {
  const c = exportKunit(loadScenario(join(repoRoot, 'scenarios', 'net-page-pool-lifecycle.yaml')));
  assert.match(c, /free0 = pagesim_zone_page_state_exact\(NR_FREE_PAGES\) - 0;/);
  assert.match(c, /long v = pagesim_zone_page_state_exact\(NR_FREE_PAGES\) - free0;/);
  assert.match(c, /static __maybe_unused long pagesim_zone_page_state_exact\(enum zone_stat_item item\)\n\{\n\tstruct zone \*zone;\n\tlong sum = 0;\n\n\tfor_each_populated_zone\(zone\)\n\t\tsum \+= zone_page_state_snapshot\(zone, item\);/);
  assert.doesNotMatch(c, /= global_zone_page_state\(/);
});

test('split_huge_pmd: the VMA is marked VM_NOHUGEPAGE under the mmap write lock before the split, so khugepaged cannot collapse the range back', () => {
  const c = exportKunit(loadScenario(join(repoRoot, 'scenarios', 'vm-insert-after-split.yaml')));
  assert.match(c, /static void __maybe_unused pagesim_split_huge_pmd\(struct mm_struct \*mm,\n\t+  unsigned long address\)\n\{\n\tstruct vm_area_struct \*vma;\n\n\tpagesim_use_mm\(mm\);\n\tmmap_write_lock\(mm\);\n\tvma = vma_lookup\(mm, address\);\n\tif \(vma\) \{\n\t\tvm_flags_set\(vma, VM_NOHUGEPAGE\);\n\t\tsplit_huge_pmd_address\(vma, address & HPAGE_PMD_MASK, false, NULL\);\n\t\}\n\tmmap_write_unlock\(mm\);\n\}/);
  const body = c.slice(c.indexOf('static void pagesim_vm_insert_after_split_test'));
  assert.match(body, /pagesim_split_huge_pmd\(m, big\);\n\tpagesim_void\("split_huge_pmd"\);/);
});

test('node counters: read as the kernel reads them, with the vmstat worker held off for the test (suite init and exit)', () => {
  const c = exportKunit(loadScenario(join(repoRoot, 'scenarios', 'iouring-buffer.yaml')));
  assert.match(c, /long v = global_node_page_state\(NR_FILE_MAPPED\) - 0;/);
  assert.match(c, /static int pagesim_vmstat_hold\(struct kunit \*test\)\n\{\n\tpagesim_vmstat_interval = READ_ONCE\(sysctl_stat_interval\);\n\tWRITE_ONCE\(sysctl_stat_interval, 3600 \* HZ\);\n\tmsleep\(3000\);\n\treturn 0;\n\}/);
  assert.match(c, /static void pagesim_vmstat_release\(struct kunit \*test\)\n\{\n\tWRITE_ONCE\(sysctl_stat_interval, pagesim_vmstat_interval\);\n\}/);
  assert.match(c, /\t\.test_cases = pagesim_iouring_buffer_cases,\n\t\.init = pagesim_vmstat_hold,\n\t\.exit = pagesim_vmstat_release,\n\};/);
  // one that reads zone counters only has the same init (its sleep lets what the end of boot left run
  // before the first step); its sleeps are not refused, as zone counters are read whole
  const z = exportKunit(loadScenario(join(repoRoot, 'scenarios', 'net-page-pool-lifecycle.yaml')));
  assert.match(z, /\t\.init = pagesim_vmstat_hold,\n\t\.exit = pagesim_vmstat_release,/);
  assert.match(z, /\tmsleep\(61000\);/);
  // a suite that reads no counter leaves the worker alone
  const d = exportKunit(loadScenario(join(repoRoot, 'scenarios', 'double-free.yaml')));
  assert.doesNotMatch(d, /pagesim_vmstat_hold|sysctl_stat_interval/);
  // pagesim folds the deltas at a sleep of a second or more, which the held-off kernel would not
  const f = scenario(`name: sleepy
steps:
  - global_node_page_state: {item: nr_mapped}
  - msleep: 999
  - msleep: 1000
`);
  const r = pagesim('kunit', f);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  assert.match(r.stderr, /probe\.yaml:5: msleep of a second or more in a scenario that reads global_node_page_state cannot be exported/);
});
