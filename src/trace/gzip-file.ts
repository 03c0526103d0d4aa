/**
 * A trace file's first bytes, and the whole of a gzip file small enough to
 * inflate from memory. Its own module with nothing but node:fs, because the
 * executable's first lines use it (src/replay/early-reader.ts) before they
 * load the rest of pagesim.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * The first two bytes of the file at `path` and, for a regular gzip file of
 * at most `wholeMax` bytes, the whole file. Read synchronously: a few system
 * calls, where each step of an asynchronous read is a round trip through
 * libuv's thread pool and the event loop (several milliseconds on a loaded
 * machine, before the first byte of the trace is inflated). Throws what the
 * file system throws.
 */
export function readTraceHead(path: string, wholeMax: number): { magic: Uint8Array; whole: Buffer | null } {
  const fd = openSync(path, 'r');
  try {
    const got = new Uint8Array(2);
    const magic = got.subarray(0, readSync(fd, got, 0, 2, 0));
    if (!isGzip(magic)) return { magic, whole: null };
    const stat = fstatSync(fd);
    const size = stat.size;
    if (!stat.isFile() || size > wholeMax) return { magic, whole: null };
    const whole = Buffer.allocUnsafe(size);
    let have = 0;
    for (let n; have < size && (n = readSync(fd, whole, have, size - have, have)) > 0; ) have += n;
    return { magic, whole: whole.subarray(0, have) };
  } finally {
    closeSync(fd);
  }
}
