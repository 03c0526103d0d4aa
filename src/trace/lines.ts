/**
 * Splits bytes arriving in chunks into lines without copying: every line is
 * passed as (chunk, start, end). Only a line that straddles two chunks is
 * copied (joined). Newlines are found with Buffer#indexOf (native memchr),
 * which on the target machine costs about a fifth of a JavaScript byte loop.
 */
import { Ch } from './scan.js';

/** Receives the lines; `end` excludes the newline and a Windows `\r`. */
export interface LineSink {
  line(b: Buffer, start: number, end: number): void;
}

const NO_BYTES = Buffer.alloc(0);
/**
 * Longest line kept whole (trace lines are ~100-300 bytes). Beyond it the
 * rest of the line is dropped, so that input without newlines (a binary
 * trace.dat by mistake) costs linear time; such a line is still emitted,
 * truncated, and parses as a non-event or malformed line.
 */
export const MAX_LINE_BYTES = 1 << 20;

export class LineSplitter {
  /** Bytes of a line whose end has not arrived yet (copied: the caller may reuse its chunk). */
  private carry: Buffer = NO_BYTES;

  constructor(private readonly sink: LineSink) {}

  /** Feeds the next chunk. The chunk may be reused by the caller once this returns. */
  push(chunk: Buffer): void {
    let pos = 0;
    if (this.carry.length > 0) {
      const nl = chunk.indexOf(Ch.Lf);
      if (nl < 0) {
        this.carry = this.extend(chunk);
        return;
      }
      const joined = this.extend(chunk.subarray(0, nl));
      this.carry = NO_BYTES;
      this.emit(joined, 0, joined.length);
      pos = nl + 1;
    }
    const len = chunk.length;
    for (let nl = chunk.indexOf(Ch.Lf, pos); nl >= 0; nl = chunk.indexOf(Ch.Lf, pos)) {
      this.emit(chunk, pos, nl);
      pos = nl + 1;
    }
    if (pos < len) this.carry = Buffer.from(chunk.subarray(pos, Math.min(len, pos + MAX_LINE_BYTES)));
  }

  /** The carried bytes followed by `more`, up to MAX_LINE_BYTES. */
  private extend(more: Buffer): Buffer {
    const room = MAX_LINE_BYTES - this.carry.length;
    if (room <= 0) return this.carry;
    return Buffer.concat([this.carry, more.length > room ? more.subarray(0, room) : more]);
  }

  /** Emits the last line if the input did not end with a newline. */
  flush(): void {
    if (this.carry.length === 0) return;
    const last = this.carry;
    this.carry = NO_BYTES;
    this.emit(last, 0, last.length);
  }

  private emit(b: Buffer, start: number, end: number): void {
    if (end > start && b[end - 1] === Ch.Cr) end--;
    this.sink.line(b, start, end);
  }
}
