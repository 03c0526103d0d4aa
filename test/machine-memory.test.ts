/**
 * Machine memory reused within a process: a machine booted in memory an
 * earlier machine gave back is byte for byte the machine a fresh buffer
 * gives, and the machine that gave it back can no longer see it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers/machine.js';
import { FAULT_FLAG_WRITE } from '../src/kernel/memory.js';
import { GFP_KERNEL } from '../src/kernel/gfp.js';
import { pooledBuffers } from '../src/kernel/machine-memory.js';

/** A machine that wrote its memmap, kernel data and page-content slots (page tables of a faulted mapping). */
function busyMachine(memoryBytes: number): ReturnType<typeof machine> {
  const k = machine('baseline', memoryBytes);
  const mm = k.mm_alloc()!;
  const a = k.do_mmap(mm, 0, 2 ** 22);
  const vma = mm.find_vma(a)!;
  for (let off = 0; off < 2 ** 22; off += 4096) k.handle_mm_fault(vma, a + off, FAULT_FLAG_WRITE);
  for (let i = 0; i < 100; i++) k.alloc_pages(GFP_KERNEL, i % 3);
  assert.ok(k.contentPagesUsed() > 0);
  return k;
}

test('a machine booted in memory given back is the machine a fresh buffer boots', () => {
  const size = 128 * 2 ** 20;
  const fresh = new Uint8Array(machine('baseline', size).buf);
  const used = busyMachine(size);
  const usedBuf = used.buf;
  used.releaseMemory();
  assert.equal(pooledBuffers(), 1);
  const reused = machine('baseline', size);
  // The released buffer's memory (transferred, so the ArrayBuffer object is a new one) now backs this machine.
  assert.equal(pooledBuffers(), 0);
  assert.equal(usedBuf.byteLength, 0);
  assert.equal(reused.buf.byteLength, fresh.byteLength);
  assert.ok(Buffer.compare(Buffer.from(reused.buf), Buffer.from(fresh.buffer)) === 0, 'the reused machine differs from a freshly booted one');
});

test('a machine that gave its memory back sees none of it', () => {
  const k = busyMachine(64 * 2 ** 20);
  k.releaseMemory();
  assert.equal(k.buf.byteLength, 0);
  assert.equal(k.m32.length, 0);
  assert.equal(k.i32[0], undefined);
  const next = machine('baseline', 64 * 2 ** 20);
  k.i32[k.W_flags] = 0x1234;
  assert.notEqual(next.i32[next.W_flags], 0x1234);
});
