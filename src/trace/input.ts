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

/** Chunk size for reads and inflation. */
export const CHUNK_BYTES = 512 * 1024;
/** How far inflation may run ahead of the parser. */
const GUNZIP_BUFFER_BYTES = 8 * 1024 * 1024;

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Reads the first two bytes of a file. */
async function readMagic(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const head = new Uint8Array(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

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

/** Inflated chunks of a gzip file (concatenated gzip members are inflated one after another). */
async function* gzipChunks(path: string): AsyncGenerator<Buffer> {
  // zlib passes stream options on to its Transform base (the typings omit
  // them): a large readable buffer lets inflation run ahead of the parser.
  const streamOptions: ZlibOptions = { chunkSize: CHUNK_BYTES, ...{ readableHighWaterMark: GUNZIP_BUFFER_BYTES } };
  const gunzip = createGunzip(streamOptions);
  const source = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  pipeline(source, gunzip, (err) => {
    if (err) gunzip.destroy(err);
  });
  for await (const chunk of gunzip) yield chunk as Buffer;
}

/**
 * The uncompressed content of a trace file in chunks. I/O and gzip errors
 * become InputErrors naming the file; errors thrown by the consumer between
 * chunks are not caught here and pass through untouched.
 */
export async function* traceFileChunks(path: string): AsyncGenerator<Buffer> {
  let source: AsyncGenerator<Buffer>;
  try {
    source = isGzip(await readMagic(path)) ? gzipChunks(path) : plainChunks(path);
  } catch (err) {
    throw new InputError(`cannot read trace: ${(err as Error).message}`, path);
  }
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await source.next();
      } catch (err) {
        throw new InputError(`cannot read trace: ${(err as Error).message}`, path);
      }
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    await source.return(undefined);
  }
}

/** The uncompressed bytes of an in-memory trace. */
export function inflateIfGzip(data: Uint8Array): Uint8Array {
  return isGzip(data) ? gunzipSync(data) : data;
}
