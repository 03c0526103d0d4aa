/**
 * Byte-level scanning primitives shared by the prefix and field parsers.
 *
 * The parser works on the raw bytes of the trace (Buffers as read from the
 * file or inflated by zlib), one line at a time as a window [pos, end) of a
 * chunk. Nothing is decoded or sliced on the hot path: strings are only made
 * for new comms and gfp texts (both cached) and on slow paths.
 */

/**
 * Byte values. A const enum so that tsc inlines them as literals: imported
 * module constants are loaded from the module record on every use, which
 * shows in per-byte loops.
 */
export const enum Ch {
  Tab = 9,
  Lf = 10,
  Cr = 13,
  Space = 32,
  Hash = 35,
  LParen = 40,
  RParen = 41,
  Minus = 45,
  Dot = 46,
  Slash = 47,
  Zero = 48,
  Nine = 57,
  Colon = 58,
  Eq = 61,
  LBracket = 91,
  RBracket = 93,
  LowerX = 120,
}

const EMPTY = Buffer.alloc(0);

/** A read position inside one line of a chunk. */
export class Cursor {
  b: Buffer = EMPTY;
  pos = 0;
  end = 0;

  reset(b: Buffer, start: number, end: number): void {
    this.b = b;
    this.pos = start;
    this.end = end;
  }
}

export function isBlank(c: number): boolean {
  return c === Ch.Space || c === Ch.Tab;
}

export function isDigit(c: number): boolean {
  return c >= Ch.Zero && c <= Ch.Nine;
}

/** Value of a hex digit, or -1. */
export function hexValue(c: number): number {
  if (c >= Ch.Zero && c <= Ch.Nine) return c - Ch.Zero;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/** Step of the 32-bit hash the gfp cache is keyed by (computed while scanning the gfp_flags value). */
export function hashStep(h: number, c: number): number {
  return (Math.imul(h, 31) + c) | 0;
}

// Per-byte loops below test bytes inline instead of calling isBlank/isDigit:
// a call per byte that the optimiser fails to inline costs more than the test.

/** Index of the first non-blank byte at or after `pos`. */
export function skipBlanks(b: Buffer, pos: number, end: number): number {
  let c = 0;
  while (pos < end && ((c = b[pos]) === Ch.Space || c === Ch.Tab)) pos++;
  return pos;
}

/** Index of the first blank byte at or after `pos` (or `end`). */
export function skipToken(b: Buffer, pos: number, end: number): number {
  let c = 0;
  while (pos < end && (c = b[pos]) !== Ch.Space && c !== Ch.Tab) pos++;
  return pos;
}

/** True when b[pos, end) holds exactly the bytes of `expected`. */
export function bytesEqual(b: Buffer, pos: number, end: number, expected: Uint8Array): boolean {
  const n = expected.length;
  if (end - pos !== n) return false;
  for (let i = 0; i < n; i++) {
    if (b[pos + i] !== expected[i]) return false;
  }
  return true;
}

/** True when b[pos, end) is the ASCII text `expected` (slow paths). */
export function asciiEquals(b: Buffer, pos: number, end: number, expected: string): boolean {
  if (end - pos !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) {
    if (b[pos + i] !== expected.charCodeAt(i)) return false;
  }
  return true;
}

/** b[start, end) decoded as UTF-8 (for the few strings the parser makes). */
export function text(b: Buffer, start: number, end: number): string {
  return b.toString('utf8', start, end);
}

/** Value of the hex digits b[start, end), or -1 if one is not a hex digit. */
export function hexDigitsValue(b: Buffer, start: number, end: number): number {
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = hexValue(b[i]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/**
 * Reads a number token at the cursor: decimal with an optional minus sign,
 * or `0x` hex. The token must end at a blank or the end of the line.
 * Returns NaN (cursor moved past the token) when it is not a number.
 * Values above 2^53 lose precision; pfns and orders never get there.
 */
export function readNumber(cur: Cursor): number {
  const b = cur.b;
  const end = cur.end;
  let p = cur.pos;
  let sign = 1;
  if (p < end && b[p] === Ch.Minus) {
    sign = -1;
    p++;
  }
  const first = p;
  let value = 0;
  let c = 0;
  if (p + 1 < end && b[p] === Ch.Zero && (b[p + 1] | 0x20) === Ch.LowerX) {
    for (p += 2; p < end; p++) {
      c = b[p];
      if (c >= Ch.Zero && c <= Ch.Nine) value = value * 16 + (c - Ch.Zero);
      else if ((c | 0x20) >= 97 && (c | 0x20) <= 102) value = value * 16 + ((c | 0x20) - 87);
      else break;
    }
    if (p === first + 2) value = Number.NaN;
  } else {
    for (; p < end && (c = b[p]) >= Ch.Zero && c <= Ch.Nine; p++) value = value * 10 + (c - Ch.Zero);
    if (p === first) value = Number.NaN;
  }
  if (p < end && (c = b[p]) !== Ch.Space && c !== Ch.Tab) {
    cur.pos = skipToken(b, p, end);
    return Number.NaN;
  }
  cur.pos = p;
  return sign * value;
}

/**
 * Reads a `SECONDS[.FRACTION]:` timestamp token at `pos`, stores it in
 * `out.timestampUs` (microseconds: ftrace prints 6 fraction digits, perf
 * --ns 9; clocks printed as a bare integer, counter and x86-tsc, are passed
 * through unscaled) and returns the position after the colon. Returns -1
 * when the token is not a timestamp.
 */
export function readTimestamp(b: Buffer, pos: number, end: number, out: { timestampUs: number }): number {
  let p = pos;
  let seconds = 0;
  for (let c = 0; p < end && (c = b[p]) >= Ch.Zero && c <= Ch.Nine; p++) seconds = seconds * 10 + (c - Ch.Zero);
  if (p === pos || p >= end) return -1;
  if (b[p] === Ch.Colon) {
    out.timestampUs = seconds;
    return p + 1;
  }
  if (b[p] !== Ch.Dot) return -1;
  const fracStart = ++p;
  let fraction = 0;
  for (let c = 0; p < end && (c = b[p]) >= Ch.Zero && c <= Ch.Nine; p++) fraction = fraction * 10 + (c - Ch.Zero);
  const digits = p - fracStart;
  if (digits === 0 || p >= end || b[p] !== Ch.Colon) return -1;
  // Dividing by an exact power of ten keeps sub-microsecond digits correctly rounded.
  out.timestampUs = seconds * 1e6 + (digits === 6 ? fraction : digits < 6 ? fraction * 10 ** (6 - digits) : fraction / 10 ** (digits - 6));
  return p + 1;
}
