/**
 * Reading trace files: plain or gzip, told apart by the gzip magic bytes
 * (1f 8b), never by the file name. Files are streamed in chunks; gzip is
 * inflated by node:zlib on the libuv thread pool, so on a machine with two
 * cores inflation runs alongside the parser.
 */
import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGunzip, gunzipSync, type ZlibOptions } from 'node:zlib';
import { InputError } from '../util/errors.js';
import { isGzip, readTraceHead } from './gzip-file.js';
import { formatBytes, unreadable } from '../util/input-file.js';
import { LIMITS } from '../kernel/config.js';

/** Chunk size for reads and inflation. */
export const CHUNK_BYTES = 512 * 1024;
/**
 * Size of each inflated chunk. Every chunk is a new buffer: at 512 KiB that
 * is above glibc's mmap threshold, so each one is mapped afresh and its 128
 * pages are first-touched (page faults) as zlib fills them; 64 KiB chunks
 * come from the malloc heap, whose memory the next chunks reuse once the
 * parser has dropped the earlier ones. Inflating a 20 MB trace took about
 * 5,700 page faults and 95 ms of CPU, now about 3,300 and 85 ms.
 */
const INFLATE_CHUNK_BYTES = 64 * 1024;
/** How far inflation may run ahead of the parser. */
const GUNZIP_BUFFER_BYTES = 8 * 1024 * 1024;

export { isGzip } from './gzip-file.js';

/**
 * How large a gzip file is read in one go (and inflated from memory) rather
 * than streamed: a capture of a few hundred thousand events is 1-2 MB.
 */
const WHOLE_GZIP_BYTES = 32 * 1024 * 1024;

/**
 * Plain file chunks, read one chunk ahead so the disk read overlaps parsing.
 * Two buffers alternate: a yielded chunk stays valid until the next one is asked for.
 */
async function* plainChunks(path: string): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  let ready = Buffer.allocUnsafe(CHUNK_BYTES);
  let spare = Buffer.allocUnsafe(CHUNK_BYTES);
  let pending = fh.read(ready, 0, CHUNK_BYTES, null);
  try {
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) return;
      [ready, spare] = [spare, ready];
      pending = fh.read(ready, 0, CHUNK_BYTES, null);
      yield spare.subarray(0, bytesRead);
    }
  } finally {
    await pending.catch(() => undefined); // never close under a read in flight
    await fh.close();
  }
}

/**
 * Inflated chunks of a gzip file (concatenated gzip members are inflated
 * one after another), from the file's bytes when they were read already.
 */
async function* gzipChunks(path: string, whole: Buffer | null): AsyncGenerator<Buffer> {
  // zlib passes stream options on to its Transform base (the typings omit
  // them): a large readable buffer lets inflation run ahead of the parser.
  const streamOptions: ZlibOptions = { chunkSize: INFLATE_CHUNK_BYTES, ...{ readableHighWaterMark: GUNZIP_BUFFER_BYTES } };
  const gunzip = createGunzip(streamOptions);
  if (whole !== null) {
    gunzip.end(whole);
  } else {
    const source = createReadStream(path, { highWaterMark: CHUNK_BYTES });
    pipeline(source, gunzip, (err) => {
      if (err) gunzip.destroy(err);
    });
  }
  for await (const chunk of gunzip) yield chunk as Buffer;
}

/** The text of a trace already read (and inflated), in chunks of CHUNK_BYTES. */
// eslint-disable-next-line @typescript-eslint/require-await
async function* textChunks(text: Buffer): AsyncGenerator<Buffer> {
  for (let pos = 0; pos < text.length; pos += CHUNK_BYTES) yield text.subarray(pos, Math.min(text.length, pos + CHUNK_BYTES));
}

/**
 * The uncompressed content of a trace file in chunks. I/O and gzip errors
 * become InputErrors naming the file; errors thrown by the consumer between
 * chunks are not caught here and pass through untouched. `text`: the
 * file's content, inflated already (src/replay/early-reader.ts), which is
 * checked against the limits as the file's chunks are. `checkLines` false:
 * the consumer checks the length of each line itself (lineTooLong()).
 */
export async function* traceFileChunks(path: string, text?: Buffer, checkLines = true): AsyncGenerator<Buffer> {
  let source: AsyncGenerator<Buffer>;
  try {
    if (text !== undefined) {
      source = textChunks(text);
    } else {
      const head = readTraceHead(path, WHOLE_GZIP_BYTES);
      source = isGzip(head.magic) ? gzipChunks(path, head.whole) : plainChunks(path);
    }
  } catch (err) {
    throw unreadable('trace', err, path);
  }
  const limits = new TraceLimits(path, checkLines);
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await source.next();
      } catch (err) {
        throw unreadable('trace', err, path);
      }
      if (next.done === true) return;
      limits.check(next.value);
      yield next.value;
    }
  } finally {
    await source.return(undefined);
  }
}

/**
 * The limits on a trace's text (docs/limits.md): its size after inflation
 * and the length of a line, so that a device that never ends (/dev/zero) or
 * a file without newlines is refused instead of read forever.
 */
export class TraceLimits {
  private total = 0;
  /** Bytes since the last newline. */
  private open = 0;
  /** Newlines so far, for the line number of a line that is too long. */
  private lines = 0;

  /** `checkLines` false: only the text's size is checked here (a parser that finds every line's end checks their lengths, lineTooLong()). */
  constructor(
    private readonly path: string,
    private readonly checkLines = true,
  ) {}

  check(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.total > LIMITS.traceBytesMax) throw new InputError(`trace text is larger than ${formatBytes(LIMITS.traceBytesMax)}, the limit (docs/limits.md)`, this.path);
    if (!this.checkLines) return;
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      if (this.open + nl - start > LIMITS.traceLineBytesMax) break;
      this.lines++;
      this.open = 0;
      start = nl + 1;
    }
    this.open += chunk.length - start;
    if (this.open > LIMITS.traceLineBytesMax) throw lineTooLong(this.path, this.lines + 1);
  }
}

/** The longest line a trace may have, in bytes (its newline aside). */
export const TRACE_LINE_BYTES_MAX = LIMITS.traceLineBytesMax;

/** The error for line `line` of the trace at `path`, longer than TRACE_LINE_BYTES_MAX (its newline aside) or not ended before that. */
export function lineTooLong(path: string, line: number): InputError {
  return new InputError(`a line is longer than ${formatBytes(LIMITS.traceLineBytesMax)}, the limit (docs/limits.md)`, path, line);
}

/** The uncompressed bytes of an in-memory trace. */
export function inflateIfGzip(data: Uint8Array): Uint8Array {
  return isGzip(data) ? gunzipSync(data) : data;
}
