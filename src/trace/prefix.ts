/**
 * The line prefix in front of the event name: task, pid, cpu, flags and
 * timestamp. Layouts accepted:
 *
 *   ftrace `trace` file   `          bash-8346    [001] .....  1759.031718: mm_page_alloc: ...`
 *                         flags column: 5 chars since 5.13 (migrate-disable added), 4 chars before
 *                         (`d.s.`, `...1`), absent in old captures (2010 excerpt: `[000]  4415.246466:`);
 *                         with options/record-tgid a `(  tgid)` column follows the pid.
 *   trace-cmd report      `comm-pid [cpu] ts: event:   fields` (event name padded)
 *   perf script           `comm pid [cpu] ts:   kmem:mm_page_alloc: fields` (pid separated by blanks,
 *                         may be `pid/tid`; no `[cpu]` for per-task recordings; an optional
 *                         sample-period column before the event is skipped by the name reader)
 *   bare                  `  mm_page_alloc: page=...` (pasted excerpts: no task, cpu or time)
 *
 * The comm may contain blanks, dashes, colons and slashes (`kworker/10:1`,
 * `memfd:sealed-91`, `gnome-terminal`): the pid is always the trailing run
 * of digits before the `[cpu]` column.
 */
import { EVENT_TRIE } from './events.js';
import type { TraceEvent } from './record.js';
import { TRIE_ROOT } from './trie.js';
import { Ch, Cursor, isBlank, isDigit, readTimestamp, skipBlanks, skipToken, text } from './scan.js';

const COMM_SLOTS = 1024;

/**
 * Remembers the comm of recent pids (raw bytes and string) so that the lines
 * of one task do not each make a new string.
 */
export class CommCache {
  private readonly pids = new Int32Array(COMM_SLOTS).fill(-1);
  private readonly raw: Uint8Array[] = new Array<Uint8Array>(COMM_SLOTS).fill(new Uint8Array(0));
  private readonly names: string[] = new Array<string>(COMM_SLOTS).fill('');

  lookup(b: Buffer, start: number, end: number, pid: number): string {
    const slot = pid & (COMM_SLOTS - 1);
    if (this.pids[slot] === pid && sameBytes(b, start, end, this.raw[slot])) return this.names[slot];
    this.pids[slot] = pid;
    this.raw[slot] = new Uint8Array(b.subarray(start, end)); // a copy: chunks are reused
    this.names[slot] = text(b, start, end);
    return this.names[slot];
  }
}

function sameBytes(b: Buffer, start: number, end: number, raw: Uint8Array): boolean {
  const n = raw.length;
  if (end - start !== n) return false;
  for (let i = 0; i < n; i++) if (b[start + i] !== raw[i]) return false;
  return true;
}

/**
 * Index of the `[` of a `[digits]` cpu column in b[pos, end), or -1. Gives
 * up at the first `: ` (the end of an event name: a bare line has no cpu
 * column, and a `[12]` among its fields must not be taken for one); comms
 * may contain `:` (`kworker/10:1`) but not followed by a blank.
 */
function findCpuColumn(b: Buffer, pos: number, end: number): number {
  for (let i = pos; i < end; i++) {
    const c = b[i];
    if (c === Ch.LBracket) {
      if (isCpuColumn(b, i, end)) return i;
    } else if (c === Ch.Colon && (i + 1 === end || isBlank(b[i + 1]))) {
      return -1;
    }
  }
  return -1;
}

/** True when b[open] starts `[digits]`. */
function isCpuColumn(b: Buffer, open: number, end: number): boolean {
  let j = open + 1;
  let c = 0;
  while (j < end && (c = b[j]) >= Ch.Zero && c <= Ch.Nine) j++;
  return j > open + 1 && j < end && c === Ch.RBracket;
}

/** End of b[start, end) with trailing blanks removed. */
function trimEnd(b: Buffer, start: number, end: number): number {
  let c = 0;
  while (end > start && ((c = b[end - 1]) === Ch.Space || c === Ch.Tab)) end--;
  return end;
}

/** Start of the run of digits that ends at `end`. */
function digitsBefore(b: Buffer, start: number, end: number): number {
  let c = 0;
  while (end > start && (c = b[end - 1]) >= Ch.Zero && c <= Ch.Nine) end--;
  return end;
}

/** Drops a trailing record-tgid column `(  1234)` from b[start, end). */
function dropTgid(b: Buffer, start: number, end: number): number {
  if (end <= start || b[end - 1] !== Ch.RParen) return end;
  for (let i = end - 2; i >= start; i--) {
    if (b[i] === Ch.LParen) return trimEnd(b, start, i);
  }
  return end;
}

/** Parses the task column b[start, end) (`comm-pid`, `comm pid`, `comm pid/tid`, `comm-pid (tgid)`) into rec. */
function parseTask(b: Buffer, start: number, end: number, rec: TraceEvent, comms: CommCache): void {
  const e = dropTgid(b, start, trimEnd(b, start, end));
  let pidStart = e;
  let pid = 0;
  let scale = 1;
  for (let c = 0; pidStart > start && (c = b[pidStart - 1]) >= Ch.Zero && c <= Ch.Nine; pidStart--, scale *= 10) {
    pid += (c - Ch.Zero) * scale;
  }
  if (pidStart === e || pidStart === start) {
    rec.pid = -1;
    rec.comm = text(b, start, e);
    return;
  }
  rec.pid = pid;
  let commEnd = pidStart - 1; // drop the '-' or blank separator
  if (b[commEnd] === Ch.Slash) commEnd = digitsBefore(b, start, commEnd) - 1; // perf `pid/tid`
  rec.comm = comms.lookup(b, start, trimEnd(b, start, Math.max(commEnd, start)), pid);
}

/**
 * Reads `[flags] timestamp:` at `pos` (just after the cpu column) into rec.
 * Returns the position after the colon, or -1.
 */
function parseFlagsAndTime(b: Buffer, pos: number, end: number, rec: TraceEvent): number {
  let p = skipBlanks(b, pos, end);
  // The flags column (irqs-off/need-resched/hardirq/preempt...) starts with
  // the irqs-off mark ('d', 'D', 'X' or '.'), never with a digit.
  if (p < end && !isDigit(b[p])) p = skipBlanks(b, skipToken(b, p, end), end);
  const after = readTimestamp(b, p, end, rec);
  return after >= 0 && (after === end || isBlank(b[after])) ? after : -1;
}

/** True for the characters of a lowercase tracepoint identifier. */
function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || isDigit(c) || c === 95;
}

function hasByte(b: Buffer, start: number, end: number, ch: number): boolean {
  for (let i = start; i < end; i++) if (b[i] === ch) return true;
  return false;
}

/** Lines without a `[cpu]` column: perf script of a per-task recording, or a bare `event: fields` line. */
function parseShortPrefix(cur: Cursor, rec: TraceEvent, comms: CommCache, start: number): number {
  const b = cur.b;
  const end = cur.end;
  let p = start;
  for (let token = 0; token < 6 && p < end; token++) {
    const tokEnd = skipToken(b, p, end);
    if (b[tokEnd - 1] === Ch.Colon) {
      if (token > 0 && readTimestamp(b, p, tokEnd, rec) === tokEnd) {
        parseTask(b, start, p, rec, comms);
        return skipBlanks(b, tokEnd, end);
      }
      return token === 0 && isNameChar(b[p]) ? p : -1;
    }
    if (hasByte(b, p, tokEnd, Ch.Eq)) return -1; // fields have begun: no prefix here
    p = skipBlanks(b, tokEnd, end);
  }
  return -1;
}

/**
 * Parses the prefix of the line at the cursor into rec (comm, pid, cpu,
 * timestampUs; -1/'' when the line has none). Returns the position where
 * the event name starts, or -1 when the line is not an event line.
 */
export function parsePrefix(cur: Cursor, rec: TraceEvent, comms: CommCache): number {
  const b = cur.b;
  const end = cur.end;
  const start = skipBlanks(b, cur.pos, end);
  rec.cpu = -1;
  rec.pid = -1;
  rec.comm = '';
  rec.timestampUs = -1;
  const open = findCpuColumn(b, start, end);
  if (open < 0) return parseShortPrefix(cur, rec, comms, start);
  let close = open + 1;
  let cpu = 0;
  for (let c = 0; (c = b[close]) !== Ch.RBracket; close++) cpu = cpu * 10 + (c - Ch.Zero);
  const afterTime = parseFlagsAndTime(b, close + 1, end, rec);
  if (afterTime < 0) return -1;
  rec.cpu = cpu;
  parseTask(b, start, open, rec, comms);
  return skipBlanks(b, afterTime, end);
}

/** Result of reading an event name; reused for every line. */
export class NameScan {
  nameStart = -1;
  nameEnd = -1;
  /** Index in EVENT_SPECS of the name, or -1 for another event. */
  spec = -1;

  /**
   * Reads the event name at `pos` (`mm_page_alloc:` or perf's
   * `kmem:mm_page_alloc:`) and leaves cur.pos after its colon. On success
   * nameStart/nameEnd delimit the name; nameStart is -1 when there is no
   * name here (e.g. ftrace's `<stack trace>` lines). Our events are told
   * apart by walking EVENT_TRIE; other names are checked by isEventName.
   */
  read(cur: Cursor, pos: number): void {
    const b = cur.b;
    const end = cur.end;
    this.nameStart = -1;
    let p = pos;
    if (p < end && isDigit(b[p])) p = skipBlanks(b, skipToken(b, p, end), end); // perf sample period
    let start = p;
    let state = TRIE_ROOT;
    for (; p < end; p++) {
      const c = b[p];
      if (c === Ch.Colon) {
        if (p + 1 >= end || isBlank(b[p + 1])) break;
        start = p + 1; // `system:` prefix printed by perf
        state = TRIE_ROOT;
      } else if (c === Ch.Space || c === Ch.Tab) {
        return;
      } else {
        state = EVENT_TRIE.step(state, c);
      }
    }
    if (p >= end || p === start) return;
    this.nameStart = start;
    this.nameEnd = p;
    this.spec = EVENT_TRIE.value(state);
    cur.pos = p + 1;
  }
}

/** True when b[start, end) looks like a tracepoint name (for counting other events). */
export function isEventName(b: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isNameChar(b[i])) return false;
  return end > start;
}
