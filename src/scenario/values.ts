/**
 * Typed values of scenario steps: arguments by ParamType and expected
 * results by ResultType, parsed from YAML scalars, and printed back.
 *
 * Every parser here throws a ValueError whose message reads after the name
 * of what is parsed (`must be true or false, got "yes"`); parse.ts adds the
 * name and the line.
 */

import { ERRNO } from '../kernel/errno.js';
import { GFP_NAMES } from '../kernel/gfp.js';
import { constantValue, ExprEvalError, exprNames, formatExpr, numberExpr, parseExpr, usesIndex } from './expr.js';
import { clip, quote, ValueError } from './problem.js';
import { didYouMean } from './suggest.js';
import type { ArgValue, Expr, HandleRef, ParamType, ResultLiteral, ResultType } from './types.js';

/** A YAML scalar: its value as YAML typed it, and its text as written. */
export interface ScalarIn {
  readonly value: string | number | boolean | null;
  readonly source: string;
}

/** A handle name: an identifier in which `$i` may appear after the first character (`p$i`, `page_$i_x`). */
const HANDLE_NAME = /^[A-Za-z_](?:[A-Za-z0-9_]|\$i)*/;
/** A decimal or hex number as the expression grammar writes it (YAML numbers written so keep their text). */
const PLAIN_NUMBER = /^(0[xX][0-9a-fA-F]+|[0-9]+)$/;
/** `-EINVAL`, or the common slip of leaving out the minus sign. */
const ERRNO_LITERAL = /^(-?)(E[A-Z0-9]+)$/;
const GFP_MAX = 2 ** 32 - 1;

const IN_LOOP_ONLY = 'uses $i outside any repeat ($i is the index of the innermost repeat)';

/** What a scalar looks like in a message: strings quoted, other scalars as written. */
export function shown(s: ScalarIn): string {
  return typeof s.value === 'string' ? quote(s.value) : s.source === '' ? 'nothing' : clip(s.source);
}

function requireLoop(uses: boolean, inLoop: boolean): void {
  if (uses && !inLoop) throw new ValueError(IN_LOOP_ONLY);
}

/** An integer: a YAML number or expression text. `$i` only inside a repeat. */
export function parseIntValue(s: ScalarIn, inLoop: boolean): Expr {
  const e = intExpr(s);
  requireLoop(usesIndex(e), inLoop);
  return e;
}

function intExpr(s: ScalarIn): Expr {
  if (typeof s.value === 'number') {
    if (!Number.isSafeInteger(s.value)) throw new ValueError(`must be an integer expression, got ${shown(s)}`);
    return numberExpr(s.value, PLAIN_NUMBER.test(s.source) ? s.source : String(s.value));
  }
  if (typeof s.value === 'string') return parseExpr(s.value);
  throw new ValueError(`must be an integer expression, got ${shown(s)}`);
}

/** An integer that cannot depend on `$i` (machine sizes, expected results). */
export function parseConstant(s: ScalarIn): number {
  const e = intExpr(s);
  const names = exprNames(e);
  if (names.length > 0) throw new ValueError(`must be an integer expression, got ${quote(String(s.value))} (${quote(names[0]!)} is not a number)`);
  const v = constantValue(e);
  if (v === null) throw new ValueError('must be a constant: $i is not allowed here');
  return v;
}

/** One `|`-separated part of a gfp mask: a GFP_NAMES name or a number. */
function gfpPart(part: string): number {
  const named = GFP_NAMES.get(part);
  if (named !== undefined) return named;
  if (PLAIN_NUMBER.test(part)) {
    const v = part[1] === 'x' || part[1] === 'X' ? Number.parseInt(part.slice(2), 16) : Number(part);
    if (v <= GFP_MAX) return v;
    throw new ValueError(`has gfp value ${quote(part)} beyond 32 bits`);
  }
  if (part === '') throw new ValueError('has an empty part: gfp flags are joined by single "|"');
  throw new ValueError(`has unknown gfp flag ${quote(part)}${didYouMean(part, GFP_NAMES.keys())}`);
}

/** OR of 32-bit masks, kept unsigned (JavaScript's `|` is signed). */
function orMask(a: number, b: number): number {
  return (a | b) >>> 0;
}

/**
 * A gfp mask: names from GFP_NAMES and numbers joined by `|`, or a YAML
 * number. The text keeps what was written with the spaces around `|`
 * dropped, the way the kernel prints masks (`GFP_KERNEL|__GFP_COMP`).
 */
export function parseGfp(s: ScalarIn): ArgValue {
  if (typeof s.value === 'number') {
    if (!Number.isInteger(s.value) || s.value < 0 || s.value > GFP_MAX) throw new ValueError(`must be a gfp mask of 32 bits, got ${shown(s)}`);
    return { kind: 'gfp', mask: s.value, text: PLAIN_NUMBER.test(s.source) ? s.source : String(s.value) };
  }
  if (typeof s.value !== 'string') throw new ValueError(`must be a gfp mask such as GFP_KERNEL | __GFP_COMP, got ${shown(s)}`);
  const parts = s.value.split('|').map((p) => p.trim());
  const mask = parts.map(gfpPart).reduce(orMask, 0);
  return { kind: 'gfp', mask, text: parts.join('|') };
}

/**
 * A handle reference: a handle name, and when `allowOffset` an optional
 * `+ expr` or `- expr` in pages (`p+3`, `p$i - 1`). The offset is the text
 * after the name read as an expression, the sign included, so `p - 1 + 2`
 * is p+1 as arithmetic says.
 */
export function parseHandleRef(text: string, allowOffset: boolean, inLoop: boolean): HandleRef {
  const trimmed = text.trim();
  const name = HANDLE_NAME.exec(trimmed)?.[0];
  const example = allowOffset ? 'p, p$i or p+3' : 'p or cache$i';
  if (name === undefined) throw new ValueError(`must be a handle name such as ${example}, got ${quote(trimmed)}`);
  const rest = trimmed.slice(name.length).trim();
  requireLoop(name.includes('$i'), inLoop);
  if (rest === '') return { kind: 'handle', name, offset: null };
  if (!allowOffset || (rest[0] !== '+' && rest[0] !== '-')) {
    const what = allowOffset ? `a handle name, optionally + or - an offset in pages, such as ${example}` : `a handle name such as ${example} (no offset)`;
    throw new ValueError(`must be ${what}, got ${quote(trimmed)}`);
  }
  const offset = offsetExpr(rest[0] === '+' ? rest.slice(1) : rest);
  requireLoop(usesIndex(offset), inLoop);
  return { kind: 'handle', name, offset };
}

/** A page offset: an expression whose messages say they are about the offset. */
function offsetExpr(text: string): Expr {
  try {
    return parseExpr(text);
  } catch (err) {
    if (err instanceof ValueError) throw new ValueError(`offset ${err.message}`);
    throw err;
  }
}

/** A name to bind with `as:` (a handle name, no offset). */
export function parseHandleName(s: ScalarIn, inLoop: boolean): string {
  const name = typeof s.value === 'string' ? s.value.trim() : null;
  if (name === null || HANDLE_NAME.exec(name)?.[0] !== name) throw new ValueError(`must be a handle name such as p or p$i, got ${shown(s)}`);
  requireLoop(name.includes('$i'), inLoop);
  return name;
}

function parseBool(s: ScalarIn): boolean {
  if (typeof s.value !== 'boolean') throw new ValueError(`must be true or false, got ${shown(s)}`);
  return s.value;
}

function parseString(s: ScalarIn): string {
  if (typeof s.value === 'string') return s.value;
  const hint = s.value === null ? '' : ` (quote it: "${s.source}")`;
  throw new ValueError(`must be a string, got ${shown(s)}${hint}`);
}

/** A handle reference from a scalar that must be a string. */
function handleArg(s: ScalarIn, allowOffset: boolean, inLoop: boolean): HandleRef {
  if (typeof s.value !== 'string') {
    const what = allowOffset ? 'a page handle such as p, p$i or p+3' : 'a handle name such as p or cache$i';
    throw new ValueError(`must be ${what}, got ${shown(s)}`);
  }
  return parseHandleRef(s.value, allowOffset, inLoop);
}

/** An argument of the given type. */
export function parseArg(type: ParamType, s: ScalarIn, inLoop: boolean): ArgValue {
  switch (type) {
    case 'page':
      return handleArg(s, true, inLoop);
    case 'handle':
      return handleArg(s, false, inLoop);
    case 'int':
      return { kind: 'int', expr: parseIntValue(s, inLoop) };
    case 'gfp':
      return parseGfp(s);
    case 'bool':
      return { kind: 'bool', value: parseBool(s) };
    case 'string':
      return { kind: 'string', value: stringArg(s, inLoop) };
  }
}

/** A string argument; the runner replaces `$i` in it (`cache$i`), so `$i` needs a repeat. */
function stringArg(s: ScalarIn, inLoop: boolean): string {
  const value = parseString(s);
  requireLoop(value.includes('$i'), inLoop);
  return value;
}

/** `-EINVAL` as an errno literal; null when the text is not errno-shaped. */
function errnoLiteral(text: string): ResultLiteral | null {
  const m = ERRNO_LITERAL.exec(text.trim());
  if (m === null) return null;
  const [, minus = '', name = ''] = m;
  const value = ERRNO.get(name);
  if (value === undefined) throw new ValueError(`has unknown errno ${quote(text.trim())}${didYouMean(`${minus}${name}`, [...ERRNO.keys()].map((k) => `${minus}${k}`))}`);
  if (minus === '') throw new ValueError(`must be a negative errno: write -${name}`);
  return { kind: 'errno', name: `-${name}`, value: -value };
}

/** An integer or errno result: a number, `-EINVAL`, or a constant expression. */
function intOrErrnoLiteral(s: ScalarIn, what: string): ResultLiteral {
  if (typeof s.value === 'string') {
    const errno = errnoLiteral(s.value);
    if (errno !== null) return errno;
  } else if (typeof s.value !== 'number') {
    throw new ValueError(`must be ${what}, got ${shown(s)}`);
  }
  return { kind: 'int', value: parseConstant(s) };
}

/** What each result type's expected value may be, for messages. */
const EXPECTED: Readonly<Record<ResultType, string>> = {
  void: 'absent: the operation returns nothing',
  page: 'a page handle such as p or p+1, or null',
  handle: 'a handle name, or null',
  int: 'an integer or an errno such as -EINVAL',
  errno: 'an errno such as -EINVAL, or 0',
  bool: 'true or false',
  text: 'a string',
};

/** A result literal for page and handle results: a handle reference or null. */
function handleLiteral(s: ScalarIn, allowOffset: boolean, inLoop: boolean, result: ResultType): ResultLiteral {
  if (s.value === null) return { kind: 'null' };
  if (typeof s.value !== 'string') throw new ValueError(`must be ${EXPECTED[result]}, got ${shown(s)}`);
  return { kind: 'handle', ref: parseHandleRef(s.value, allowOffset, inLoop) };
}

/** A step's `expect:` value, read as the operation's result type says. */
export function parseResultLiteral(result: ResultType, s: ScalarIn, inLoop: boolean): ResultLiteral {
  switch (result) {
    case 'void':
      throw new ValueError(`must be ${EXPECTED.void}`);
    case 'page':
      return handleLiteral(s, true, inLoop, result);
    case 'handle':
      return handleLiteral(s, false, inLoop, result);
    case 'int':
    case 'errno':
      return intOrErrnoLiteral(s, EXPECTED[result]);
    case 'bool':
      if (typeof s.value !== 'boolean') throw new ValueError(`must be ${EXPECTED.bool}, got ${shown(s)}`);
      return { kind: 'bool', value: s.value };
    case 'text':
      return { kind: 'string', value: parseString(s) };
  }
}

/** A handle reference as written: `p`, `p+3`, `p$i-1`, `p+$i * 2`. */
export function formatHandleRef(ref: HandleRef): string {
  if (ref.offset === null) return ref.name;
  const offset = formatExpr(ref.offset);
  return offset.startsWith('-') ? `${ref.name}${offset}` : `${ref.name}+${offset}`;
}

/** An argument the way it was written, for printing a step as a call. */
export function formatArg(v: ArgValue): string {
  switch (v.kind) {
    case 'int':
      return formatExpr(v.expr);
    case 'gfp':
      return v.text;
    case 'bool':
      return String(v.value);
    case 'string':
      return JSON.stringify(v.value);
    case 'handle':
      return formatHandleRef(v);
  }
}

/** An expected result the way it was written (strings quoted). */
export function formatExpect(r: ResultLiteral): string {
  switch (r.kind) {
    case 'null':
      return 'null';
    case 'bool':
      return String(r.value);
    case 'int':
      return String(r.value);
    case 'errno':
      return r.name;
    case 'string':
      return JSON.stringify(r.value);
    case 'handle':
      return formatHandleRef(r.ref);
  }
}

/** A handle name with `$i` replaced by the iteration index (`p$i` -> `p3`). */
export function expandName(template: string, i: number | null): string {
  if (!template.includes('$i')) return template;
  if (i === null) throw new ExprEvalError(`${template}: $i is used outside any repeat`);
  return template.replaceAll('$i', String(i));
}
