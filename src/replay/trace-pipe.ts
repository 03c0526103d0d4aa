/**
 * The trace reader's messages over a pipe. `pagesim replay` runs itself a
 * second time for huge pages (src/cli/hugepages.ts); the first process,
 * which would otherwise only wait, reads and parses the trace meanwhile and
 * sends the child what a reader thread would post (parse-worker.ts), and
 * the child takes the events from the pipe (worker-stream.ts) instead of
 * starting a thread of its own.
 *
 * A frame is two little-endian uint32s, the lengths of a JSON header and
 * of a binary body, then both. An events batch's header carries everything
 * but its four Int32 columns, which are the body, one after another.
 */

import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import type { EventBatch } from './parse-worker.js';

/** The environment variable naming the pipe's descriptor and the trace it carries (`FD:PATH`). */
export const TRACE_PIPE_ENV = 'PAGESIM_TRACE_PIPE';
/** The child's descriptor of the pipe. */
export const TRACE_PIPE_FD = 3;

const COLUMNS = ['pfn', 'line', 'info', 'aux'] as const;

/** One message as a frame. */
export function encodeFrame(m: { readonly kind: string }): Buffer {
  let body: Buffer | null = null;
  let head: unknown = m;
  if (m.kind === 'events') {
    const b = m as EventBatch;
    const n = b.length;
    body = Buffer.allocUnsafe(16 * n);
    COLUMNS.forEach((c, i) => body!.set(new Uint8Array(b[c].buffer, b[c].byteOffset, 4 * n), 4 * n * i));
    head = { kind: 'events', length: n, gfps: b.gfps, gfpTexts: b.gfpTexts, bytes: b.bytes };
  }
  const json = Buffer.from(JSON.stringify(head), 'utf8');
  const frame = Buffer.allocUnsafe(8 + json.length + (body?.length ?? 0));
  frame.writeUInt32LE(json.length, 0);
  frame.writeUInt32LE(body?.length ?? 0, 4);
  json.copy(frame, 8);
  body?.copy(frame, 8 + json.length);
  return frame;
}

/** The messages read from a pipe, as 'message' events; 'error' when it breaks or ends before a message that ends a read. */
export class PipeMessages extends EventEmitter {
  private readonly socket: Socket;
  /** What has been read of the frames not yet taken. */
  private chunks: Buffer[] = [];
  private have = 0;
  private ended = false;

  constructor(fd: number) {
    super();
    this.socket = new Socket({ fd, readable: true, writable: false });
    this.socket.on('data', (chunk: Buffer) => this.take(chunk));
    this.socket.on('error', (e: Error) => this.finish(e));
    this.socket.on('end', () => this.finish(new Error('the trace reader process ended its pipe early')));
  }

  ref(): void {
    this.socket.ref();
  }

  unref(): void {
    this.socket.unref();
  }

  close(): void {
    this.ended = true;
    this.socket.destroy();
  }

  private finish(e: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.emit('error', e);
  }

  private take(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.have += chunk.length;
    // A frame is read only once it is all here: the chunks are joined once per frame, not once per chunk.
    while (!this.ended && this.have >= 8) {
      const first = this.chunks[0]!.length >= 8 ? this.chunks[0]! : this.join();
      const h = first.readUInt32LE(0);
      const b = first.readUInt32LE(4);
      if (this.have < 8 + h + b) return;
      const buf = this.chunks[0]!.length >= 8 + h + b ? this.chunks[0]! : this.join();
      const m = JSON.parse(buf.toString('utf8', 8, 8 + h)) as { kind: string; length: number };
      if (m.kind === 'events') {
        const n = m.length;
        // Copied out: the frame need not be 4-byte aligned in the buffer.
        const cols = new Int32Array(4 * n);
        new Uint8Array(cols.buffer).set(buf.subarray(8 + h, 8 + h + b));
        COLUMNS.forEach((c, i) => ((m as unknown as Record<string, Int32Array>)[c] = cols.subarray(n * i, n * (i + 1))));
      } else if (m.kind === 'done' || m.kind === 'error') {
        this.ended = true;
      }
      const rest = buf.subarray(8 + h + b);
      this.chunks[0] = rest;
      this.have -= 8 + h + b;
      if (rest.length === 0) this.chunks.shift();
      this.emit('message', m);
    }
    if (this.ended) this.socket.destroy();
  }

  /** The chunks read so far as one. */
  private join(): Buffer {
    const all = Buffer.concat(this.chunks, this.have);
    this.chunks = [all];
    return all;
  }
}
