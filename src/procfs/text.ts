/**
 * Line handling and printf-style padding shared by the /proc parsers and
 * printers. Kept apart so every parser reports errors the same way: an
 * InputError naming the file and the 1-based line.
 */
import { InputError } from '../util/errors.js';

/** A line of input with its 1-based number, for error messages. */
export interface SourceLine {
  text: string;
  line: number;
}

/**
 * Split a /proc file into lines. Every line the kernel prints ends in "\n",
 * so text that does not is a truncated capture: reject it rather than guess
 * what the last line held.
 */
export function splitLines(text: string, file: string): SourceLine[] {
  if (text === '') return [];
  const raw = text.split('\n');
  const last = raw.pop();
  if (last !== '') {
    throw new InputError('the last line has no newline: the file looks truncated', file, raw.length + 1);
  }
  return raw.map((t, i) => ({ text: t, line: i + 1 }));
}

/**
 * Reads lines in order for the parsers of multi-part files, so "expected X"
 * errors name the line that should have been X, or the end of the file.
 */
export class LineCursor {
  private pos = 0;

  constructor(
    private readonly lines: readonly SourceLine[],
    readonly file: string,
  ) {}

  done(): boolean {
    return this.pos >= this.lines.length;
  }

  peek(offset = 0): SourceLine | undefined {
    return this.lines[this.pos + offset];
  }

  /** The next line; at the end of the file, an error saying what was expected. */
  next(expected: string): SourceLine {
    const at = this.lines[this.pos];
    if (at === undefined) {
      throw new InputError(`the file ends where ${expected} was expected`, this.file, Math.max(1, this.lines.length));
    }
    this.pos++;
    return at;
  }
}

export function fail(message: string, file: string, at: SourceLine): never {
  throw new InputError(message, file, at.line);
}

/** A decimal unsigned count as the kernel prints it with %lu / %d. */
export function parseCount(token: string, what: string, file: string, at: SourceLine): number {
  // No leading zeros: the kernel never prints them, and 007 would print back as 7.
  if (!/^(?:0|[1-9]\d*)$/.test(token)) fail(`${what}: "${token}" is not a count`, file, at);
  const value = Number(token);
  if (!Number.isSafeInteger(value)) fail(`${what}: ${token} is too large to hold exactly`, file, at);
  return value;
}

/** printf("%Nd") / printf("%Ns"): right-aligned in at least `width` columns. */
export function rjust(value: number | string, width: number): string {
  return String(value).padStart(width);
}

/** printf("%-Ns"): left-aligned in at least `width` columns. */
export function ljust(text: string, width: number): string {
  return text.padEnd(width);
}

/** Join printed lines into file text: every line ends in "\n". */
export function joinLines(lines: readonly string[]): string {
  return lines.map((l) => `${l}\n`).join('');
}

/**
 * The parsers read fields leniently and then require that printing them gives
 * the input line back; this is the check, with a message saying which layout
 * was expected.
 */
export function requireLayout(printed: string, at: SourceLine, layout: string, file: string): void {
  if (printed !== at.text) fail(`column layout differs from the kernel's ${layout}`, file, at);
}

/**
 * Builders take counts from the simulator; a negative or fractional one is a
 * simulator bug, not bad user input, so it throws a RangeError.
 */
export function checkedCount(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what}: ${value} is not a count`);
  return value;
}
