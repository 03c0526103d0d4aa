/**
 * Malformed /proc text: every parser reports an InputError naming the file
 * and the 1-based line, with a one-line message, and never crashes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBuddyInfo, parseMemInfo, parsePageTypeInfo, parseVmStat, parseZoneInfo } from '../src/procfs/index.js';
import { InputError } from '../src/util/errors.js';

/** Run `parse` and check it fails at `line` with a message containing `words`. */
function assertInputError(parse: () => unknown, file: string, line: number, words: string): void {
  assert.throws(parse, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
    assert.equal(e.file, file);
    assert.equal(e.line, line, e.oneLine());
    assert.ok(e.message.includes(words), `"${e.message}" should mention "${words}"`);
    assert.ok(!e.oneLine().includes('\n'));
    return true;
  });
}

const BUDDY =
  'Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 \n' +
  'Node 0, zone    DMA32      2      2      4      2      5      4      3      3      4      2    752 \n' +
  'Node 0, zone   Normal     71     21    133    313    299    200     89     49     33      0    231 \n';

test('buddyinfo: truncated, garbled, short and misaligned lines', () => {
  assert.equal(parseBuddyInfo(BUDDY).zones.length, 3);
  assertInputError(() => parseBuddyInfo(BUDDY.slice(0, -40), 'b'), 'b', 3, 'no newline');
  assertInputError(() => parseBuddyInfo(BUDDY.replace('   313', '  3x3'), 'b'), 'b', 3, '"3x3" is not a count');
  assertInputError(() => parseBuddyInfo(BUDDY.replace('   752 ', ''), 'b'), 'b', 2, 'expected 11 free block counts');
  assertInputError(() => parseBuddyInfo(BUDDY.replace('zone    DMA32', 'zone DMA32'), 'b'), 'b', 2, 'column layout');
  assertInputError(() => parseBuddyInfo(BUDDY.replace('Node 0, zone   Normal', 'Node 0 zone Normal'), 'b'), 'b', 3, 'expected "Node N, zone NAME"');
  assertInputError(() => parseBuddyInfo('Node 0, zone      DMA \n'), '/proc/buddyinfo', 1, 'free block counts');
});

const PAGETYPE =
  'Page block order: 9\n' +
  'Pages per block:  512\n' +
  '\n' +
  'Free pages count per migrate type at order       0      1 \n' +
  'Node    0, zone   Normal, type    Unmovable      0      1 \n' +
  'Node    0, zone   Normal, type      Movable      1      0 \n' +
  '\n' +
  'Number of blocks type     Unmovable      Movable \n' +
  'Node 0, zone   Normal           41          587 \n';

test('pagetypeinfo: missing parts, wrong column counts and stray rows', () => {
  assert.equal(parsePageTypeInfo(PAGETYPE).free.length, 2);
  assertInputError(() => parsePageTypeInfo(PAGETYPE.replace('order: 9', 'order: nine'), 'p'), 'p', 1, 'Page block order');
  assertInputError(() => parsePageTypeInfo(PAGETYPE.replace('Movable      1      0 ', 'Movable      1 '), 'p'), 'p', 6, 'expected 2 counts, found 1');
  assertInputError(() => parsePageTypeInfo(PAGETYPE.replace('  0      1 \nNode    0, zone   Normal, type      Mov', '  0      1 \n\nNode    0, zone   Normal, type      Mov'), 'p'), 'p', 7, 'Number of blocks type');
  assertInputError(() => parsePageTypeInfo(PAGETYPE.replace('Node    0, zone   Normal, type      Movable', 'Node    1, zone   Normal, type      Movable'), 'p'), 'p', 6, 'node 1 row in the section of node 0');
  assertInputError(() => parsePageTypeInfo(PAGETYPE.replace('      0      1 \nNode', '      0      2 \nNode'), 'p'), 'p', 4, 'order columns must read 0, 1, 2');
  assertInputError(() => parsePageTypeInfo(PAGETYPE.split('\n').slice(0, 7).join('\n') + '\n', 'p'), 'p', 7, 'ends where');
  assertInputError(() => parsePageTypeInfo(PAGETYPE + PAGETYPE, 'p'), 'p', 10, 'second section for node 0');
  assertInputError(() => parsePageTypeInfo(PAGETYPE + 'junk\n', 'p'), 'p', 10, 'Page block order');
});

const ZONE =
  'Node 0, zone   Normal\n' +
  '  pages free     38277\n' +
  '        min      696\n' +
  '        protection: (0, 4038, 4038)\n' +
  '  pagesets\n' +
  '    cpu: 0\n' +
  '              count: 145\n';

test('zoneinfo: values missing or garbled, lines before the first header', () => {
  assert.equal(parseZoneInfo(ZONE).zones[0]?.lines.length, 6);
  assertInputError(() => parseZoneInfo(ZONE.replace('min      696', 'min'), 'z'), 'z', 3, '"min" has no value');
  assertInputError(() => parseZoneInfo(ZONE.replace('38277', '38x77'), 'z'), 'z', 2, '"38x77" is not a zoneinfo value');
  assertInputError(() => parseZoneInfo(ZONE.replace('(0, 4038, 4038)', '(0, 4038'), 'z'), 'z', 4, 'is not a zoneinfo value');
  assertInputError(() => parseZoneInfo('  pages free     1\n' + ZONE, 'z'), 'z', 1, 'header');
  assertInputError(() => parseZoneInfo(ZONE.replace('Node 0, zone   Normal', 'Node 0, zone Normal'), 'z'), 'z', 1, 'column layout');
  assertInputError(() => parseZoneInfo(ZONE.replace('    cpu: 0', 'cpu: 0'), 'z'), 'z', 6, 'indented');
  assertInputError(() => parseZoneInfo(ZONE.slice(0, -1), 'z'), 'z', 7, 'no newline');
});

test('vmstat: a name without a value, a negative or oversized value', () => {
  assert.deepEqual(parseVmStat('nr_free_pages 3840\npgfree 12\n').items, [['nr_free_pages', 3840], ['pgfree', 12]]);
  assertInputError(() => parseVmStat('nr_free_pages 3840\npgfree\n', 'v'), 'v', 2, 'expected "counter_name value"');
  assertInputError(() => parseVmStat('nr_free_pages -1\n', 'v'), 'v', 1, 'not a count');
  assertInputError(() => parseVmStat('nr_free_pages 007\n', 'v'), 'v', 1, 'not a count');
  assertInputError(() => parseVmStat('nr_free_pages 18446744073709551615\n', 'v'), 'v', 1, 'too large');
});

test('meminfo: garbled value or missing colon', () => {
  assert.equal(parseMemInfo('MemTotal:       24684096 kB\n').items[0]?.value, 24684096);
  assertInputError(() => parseMemInfo('MemTotal:       24684096 kB\nMemFree:        lots kB\n', 'm'), 'm', 2, '"lots" is not a count');
  assertInputError(() => parseMemInfo('MemTotal        24684096 kB\n', 'm'), 'm', 1, 'expected "Name:   value"');
  assertInputError(() => parseMemInfo('MemTotal:       24684096 kB\n\n', 'm'), 'm', 2, 'expected "Name:   value"');
});
