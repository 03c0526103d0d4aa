/**
 * Reading an input file whole, with a limit on its size. A regular file
 * larger than the limit is refused before anything is read; a FIFO, a
 * character device (/dev/zero, a terminal) or anything else whose size is
 * not known up front is read in chunks until the limit and refused past it.
 * gzip input is inflated with the same limit on what comes out. Every
 * problem is an InputError naming the file (docs/limits.md).
 */

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { InputError } from './errors.js';

const READ_CHUNK = 1024 * 1024;

/** Why a file could not be opened or read, in a few words. */
export function ioProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message ?? 'error';
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return code;
  }
}

/**
 * The bad-input error for an input that cannot be opened or read: what the
 * system said in the words above (no such file, is a directory), or what
 * the reader said itself (an inflater on a damaged gzip stream).
 */
export function unreadable(what: string, e: unknown, file: string): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  return typeof code === 'string' && code.startsWith('E') ? new InputError(`cannot read ${what} (${ioProblem(e)})`, file) : new InputError(`cannot read ${what}: ${(e as Error).message}`, file);
}

/** A size in the units docs/limits.md uses. */
export function formatBytes(n: number): string {
  for (const [unit, size] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  return `${n} bytes`;
}

/**
 * The bytes of `file`, at most `maxBytes` of them. `what` names the input in
 * messages ("scenario file", "kpageflags image").
 */
export function readInputFile(file: string, what: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new InputError(`cannot read ${what} (${ioProblem(e)})`, file);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputError(`cannot read ${what} (is a directory)`, file);
    if (st.isFile() && st.size > maxBytes) throw tooBig(file, what, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, maxBytes + 1 - total));
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw new InputError(`cannot read ${what} (${ioProblem(e)})`, file);
      }
      if (n === 0) break;
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
      total += n;
      if (total > maxBytes) throw tooBig(file, what, maxBytes);
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** readInputFile() as UTF-8 text. */
export function readInputText(file: string, what: string, maxBytes: number): string {
  return readInputFile(file, what, maxBytes).toString('utf8');
}

/** gzip data inflated, refusing output beyond maxBytes. */
export function gunzipLimited(data: Uint8Array, file: string, what: string, maxBytes: number): Buffer {
  try {
    return gunzipSync(data, { maxOutputLength: maxBytes });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw tooBig(file, what, maxBytes, ' inflated');
    throw new InputError(`${what} is not a valid gzip file (${(e as Error).message})`, file);
  }
}

function tooBig(file: string, what: string, maxBytes: number, how = ''): InputError {
  return new InputError(`${what} is larger${how} than ${formatBytes(maxBytes)}, the limit (docs/limits.md)`, file);
}
