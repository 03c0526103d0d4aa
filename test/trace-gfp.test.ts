import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildGfpTable, decodeGfp, formatGfp, GFP, gfpBit, parseGfp } from '../src/trace/gfp.js';
import { realDataDir } from '../src/util/real-data.js';

// dist/test/trace-gfp.test.js -> repository root is two levels up.
const formatFile = path.resolve(realDataDir(), 'ftrace', 'format-files',
  'firecracker-vm-6.18.44-x86_64-2cpu-24GB', 'kmem', 'mm_page_alloc.format');

/**
 * The `{mask, "NAME"}` pairs of show_gfp_flags() in a tracefs format file,
 * with each mask expression evaluated (the 6.18 file spells masks as
 * `((1UL)) << (10)` shifts and casts, which are valid JavaScript once the
 * casts and UL suffixes are removed).
 */
function kernelGfpNames(format: string): Array<{ name: string; mask: number }> {
  const pairs: Array<{ name: string; mask: number }> = [];
  for (const m of format.matchAll(/\{\( unsigned long\)(.*?), "(\w+)"\}/g)) {
    const expr = m[1].replace(/\(\s*(?:unsigned long|gfp_t)\)/g, '').replace(/(\d+)UL/g, '$1');
    assert.match(expr, /^[\d\s()|&~<>]+$/, `unexpected expression for ${m[2]}`);
    pairs.push({ name: m[2], mask: (new Function(`return (${expr});`)() as number) >>> 0 });
  }
  return pairs;
}

test('the table equals the one compiled into the captured 6.18 kernel (names, order and masks)', (t) => {
  if (!existsSync(formatFile)) {
    t.skip(`format file not found: ${formatFile}`);
    return;
  }
  const kernel = kernelGfpNames(readFileSync(formatFile, 'utf8'));
  assert.equal(kernel.length, 38);
  assert.deepEqual(GFP.printOrder.map((e) => ({ name: e.name, mask: e.mask })), kernel);
});

test('raw hex from the 6.13 userspace bug decodes to GFP_HIGHUSER_MOVABLE|__GFP_COMP', () => {
  assert.equal(parseGfp('0x140cca'), 0x140cca);
  assert.equal(formatGfp(0x140cca), 'GFP_HIGHUSER_MOVABLE|__GFP_COMP');
  assert.equal(parseGfp('GFP_HIGHUSER_MOVABLE|__GFP_COMP'), 0x140cca);
});

test('composite names come first and left-over bits print as hex, like show_gfp_flags', () => {
  assert.equal(formatGfp(gfpBit('GFP_KERNEL') | gfpBit('__GFP_ZERO')), 'GFP_KERNEL|__GFP_ZERO');
  assert.equal(formatGfp(gfpBit('GFP_USER')), 'GFP_USER');
  assert.equal(formatGfp(gfpBit('GFP_TRANSHUGE') | gfpBit('__GFP_NORETRY') | gfpBit('__GFP_THISNODE')), 'GFP_TRANSHUGE|__GFP_NORETRY|__GFP_THISNODE');
  assert.equal(formatGfp(gfpBit('__GFP_IO') | gfpBit('__GFP_FS')), '__GFP_IO|__GFP_FS');
  assert.equal(formatGfp(0x200 | gfpBit('__GFP_COMP')), '__GFP_COMP|0x200'); // bit 9 is unused
  assert.equal(formatGfp(0), 'none');
  assert.equal(parseGfp(formatGfp(0x200 | gfpBit('__GFP_COMP'))), 0x200 | gfpBit('__GFP_COMP'));
});

test('empty, none and 0x0 are all 0', () => {
  assert.equal(parseGfp(''), 0);
  assert.equal(parseGfp('none'), 0);
  assert.equal(parseGfp('0x0'), 0);
});

test('pre-4.6 spellings decode by meaning; removed flags are reported unknown', () => {
  assert.deepEqual(decodeGfp('GFP_USER|GFP_ZERO|GFP_NOTRACK'), {
    mask: gfpBit('GFP_USER') | gfpBit('__GFP_ZERO'),
    unknown: ['GFP_NOTRACK'],
  });
  assert.equal(parseGfp('GFP_WAIT|GFP_IO|GFP_FS'), gfpBit('GFP_KERNEL'));
  assert.equal(parseGfp('GFP_TEMPORARY'), gfpBit('GFP_KERNEL') | gfpBit('__GFP_RECLAIMABLE'));
  assert.deepEqual(decodeGfp('__GFP_COLD|GFP_KERNEL').unknown, ['__GFP_COLD']);
});

test('config-dependent bits: KASAN HW tags and lockdep shift the later flags', () => {
  const plain = GFP;
  assert.equal(gfpBit('__GFP_NO_OBJ_EXT', plain), 1 << 24);
  assert.equal(gfpBit('__GFP_SKIP_KASAN', plain), 0);
  const kasan = buildGfpTable({ kasanHwTags: true, lockdep: true });
  assert.equal(gfpBit('__GFP_SKIP_ZERO', kasan), 1 << 24);
  assert.equal(gfpBit('__GFP_SKIP_KASAN', kasan), 1 << 25);
  assert.equal(gfpBit('__GFP_NOLOCKDEP', kasan), 1 << 26);
  assert.equal(gfpBit('__GFP_NO_OBJ_EXT', kasan), 1 << 27);
  assert.equal(gfpBit('GFP_HIGHUSER_MOVABLE', kasan), gfpBit('GFP_HIGHUSER_MOVABLE') | (1 << 25));
  assert.equal(formatGfp(gfpBit('GFP_HIGHUSER_MOVABLE', kasan), kasan), 'GFP_HIGHUSER_MOVABLE');
  assert.throws(() => gfpBit('__GFP_BOGUS'));
});
