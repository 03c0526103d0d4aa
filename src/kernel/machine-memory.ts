/**
 * Memory for simulated machines, reused within a process.
 *
 * A machine's memory is one ArrayBuffer (machine.ts). A fresh one is
 * zero-filled by the operating system page by page as it is first written,
 * and that first touch is what booting a machine mostly costs: on a
 * virtual machine it can be 10 us per 4 KiB page, about 40 ms for the
 * memmap of a 1 GiB machine, against 3 ms to zero the same bytes again once
 * they are resident. `pagesim` runs dozens of machines one after another, so
 * a machine whose run is over gives its memory back (releaseMachineMemory)
 * and the next machine of the same size takes it (takeMachineMemory),
 * zeroed where the last one wrote.
 *
 * Giving memory back transfers the buffer: every view the old machine held
 * is detached (length 0), so a stale reference reads undefined and writes
 * nothing, and can never see or change the new machine's memory.
 */

/** Buffers kept for reuse, oldest first, with the bytes their last machine may have written (from 0). */
const pool: { buf: ArrayBuffer; used: number }[] = [];

/** At most this many buffers are kept, and at most this many written bytes among them (what they keep resident). */
const POOL_BUFFERS = 4;
const POOL_RESIDENT_BYTES = 512 * 2 ** 20;

/** A zeroed buffer of exactly `bytes`: one given back by an earlier machine, or a new one. */
export function takeMachineMemory(bytes: number): ArrayBuffer {
  const i = pool.findIndex((p) => p.buf.byteLength === bytes);
  if (i < 0) return new ArrayBuffer(bytes);
  const { buf, used } = pool.splice(i, 1)[0]!;
  new Uint8Array(buf, 0, used).fill(0);
  return buf;
}

/**
 * Takes `buf` from its machine for reuse: `used` is how many bytes from its
 * start the machine may have written (the rest is still untouched). `buf`
 * and every view of it are detached.
 */
export function releaseMachineMemory(buf: ArrayBuffer, used: number): void {
  if (buf.byteLength === 0) return;
  const moved = structuredClone(buf, { transfer: [buf] });
  if (used > POOL_RESIDENT_BYTES) return;
  pool.push({ buf: moved, used: Math.min(used, moved.byteLength) });
  let resident = pool.reduce((s, p) => s + p.used, 0);
  while (pool.length > POOL_BUFFERS || resident > POOL_RESIDENT_BYTES) resident -= pool.shift()!.used;
}

/** How many buffers wait for reuse. */
export function pooledBuffers(): number {
  return pool.length;
}
