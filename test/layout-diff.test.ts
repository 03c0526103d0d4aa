/**
 * `pagesim layout STRUCT --diff A B`: moved, resized, added and removed
 * fields and changed overlays, computed from the variants' declarations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pagesim as cli } from './helpers/cli.js';
import { buildVariant } from '../src/engine/build.js';
import { diffLayouts } from '../src/layout/diff.js';
import { formatLayoutDiff } from '../src/format/layout.js';

const diff = (struct: string, a: string, b: string) => diffLayouts(buildVariant(a).structs.get(struct)!, buildVariant(b).structs.get(struct)!, a, b);

test('struct page under the ptdesc/memdesc RFC: memdesc.v added over bytes 16..23, nothing moved', () => {
  const d = diff('page', 'baseline', 'ptdesc-memdesc-rfc');
  assert.deepEqual(d.moved, []);
  assert.deepEqual(d.removed, []);
  assert.deepEqual(
    d.added.map((f) => [f.name, f.offset, f.size]),
    [['memdesc.v', 16, 8]],
  );
  assert.ok(d.added[0]!.overlays.includes('rcu_head.func'));
  assert.ok(d.added[0]!.overlays.includes('lru.prev'));
});

test('struct ptdesc under ptdesc-memdesc: shrinks to 48 bytes, pt_list moves 8 bytes up, the page-mirroring fields go', () => {
  const d = diff('ptdesc', 'baseline', 'ptdesc-memdesc');
  assert.deepEqual([d.size.a, d.size.b], [64, 48]);
  const moved = new Map(d.moved.map((m) => [m.name, [m.a.offset, m.b.offset]]));
  assert.deepEqual(moved.get('pt_list.next'), [8, 16]);
  assert.deepEqual(moved.get('pt_list.prev'), [16, 24]);
  const removed = d.removed.map((f) => f.name);
  for (const f of ['__page_refcount', '__page_type', 'pt_memcg_data']) assert.ok(removed.includes(f), f);
  assert.deepEqual(
    d.added.map((f) => f.name),
    ['pt_page'],
  );
  // pmd_huge_pte left its own anonymous struct and now shares bytes with pt_list.next, not pt_list.prev.
  const o = d.overlays.find((x) => x.name === 'pmd_huge_pte')!;
  assert.ok(o.gained.includes('pt_list.next'));
  assert.ok(o.lost.includes('pt_list.prev'));
  assert.notEqual(o.within, null);
});

test('net_iov under netpp-v4: type moves from 48 to 52 to make room for page_type', () => {
  const d = diff('net_iov', 'baseline', 'netpp-v4');
  assert.deepEqual(
    d.moved.map((m) => [m.name, m.a.offset, m.b.offset]),
    [['type', 48, 52]],
  );
  assert.deepEqual(
    d.added.map((f) => [f.name, f.offset, f.size]),
    [['page_type', 48, 4]],
  );
  assert.match(formatLayoutDiff(d), /^ {4}type {2}48\+4 -> 52\+4$/m);
});

test('a variant against itself, and one that does not touch layouts: nothing differs', () => {
  for (const [a, b] of [
    ['baseline', 'baseline'],
    ['baseline', 'refcount-frozen-bit'],
  ] as const) {
    const d = diff('page', a, b);
    assert.equal(d.moved.length + d.resized.length + d.added.length + d.removed.length + d.overlays.length, 0);
    assert.match(formatLayoutDiff(d), /the same fields at the same offsets/);
  }
});

test('pagesim layout --diff: --json, and misuse as one line with exit 2', () => {
  const run = (...args: string[]) => cli(['layout', ...args]);
  const j = run('page', '--diff', 'baseline', 'ptdesc-memdesc-rfc', '--json');
  assert.equal(j.status, 0, j.stderr);
  assert.equal((JSON.parse(j.stdout) as { added: { name: string }[] }).added[0]!.name, 'memdesc.v');
  for (const args of [['page', '--diff', 'baseline'], ['page', '--diff', 'baseline', 'nope'], ['page', '--diff', 'baseline', 'ptdesc-memdesc', '--variant', 'baseline'], ['nostruct', '--diff', 'baseline', 'baseline']]) {
    const r = run(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
