/**
 * Integer expressions in scenario arguments: `3`, `0x7f0000000000 + $i * 4096`,
 * `2MiB / 4KiB`, `-(1 + $i)`.
 *
 * Grammar (usual precedence, left associative):
 *   sum     = product (("+" | "-") product)*
 *   product = unary (("*" | "/") unary)*
 *   unary   = "-" unary | primary
 *   primary = number | "$i" | name | "(" sum ")"
 *   name    = a handle an earlier step bound to an integer with `as:` (mmap's address)
 *   number  = decimal or 0x hex digits, optionally followed by a binary size
 *             suffix: K or KiB (2^10), M or MiB (2^20), G or GiB (2^30)
 *
 * Values are JavaScript numbers restricted to safe integers (|v| <= 2^53-1);
 * division truncates toward zero as in C. Constant parts are computed at
 * parse time so that an overflow or a division by zero among constants is an
 * input error with a line number rather than a surprise at run time.
 */

import { quote, ValueError } from './problem.js';
import type { Expr } from './types.js';

/** Longest expression text accepted: also bounds the depth of the tree `evalExpr` walks. */
export const EXPR_MAX_LENGTH = 1024;
/** Deepest nesting of parentheses and unary minus (the parser recurses on them). */
export const EXPR_MAX_DEPTH = 32;

const SIZE_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['K', 2 ** 10],
  ['KiB', 2 ** 10],
  ['M', 2 ** 20],
  ['MiB', 2 ** 20],
  ['G', 2 ** 30],
  ['GiB', 2 ** 30],
]);

/**
 * The text each number literal was written as (`0x1000`, `4KiB`). Expr
 * (types.ts) keeps only the value; printing a step back the way it was
 * written needs the text, and a WeakMap keeps it without changing Expr.
 */
const literalText = new WeakMap<Expr, string>();

/** A run-time failure of `evalExpr`; the runner reports it at the step's line. */
export class ExprEvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExprEvalError';
  }
}

type Punct = '+' | '-' | '*' | '/' | '(' | ')';
type BinOp = '+' | '-' | '*' | '/';

type Token =
  | { readonly kind: 'num'; readonly value: number; readonly text: string; readonly col: number }
  | { readonly kind: 'var'; readonly col: number }
  | { readonly kind: 'ref'; readonly name: string; readonly col: number }
  | { readonly kind: 'punct'; readonly text: Punct; readonly col: number }
  | { readonly kind: 'end'; readonly col: number };

const NUMBER = /(0[xX]([0-9a-fA-F]+)|([0-9]+))([A-Za-z]*)/y;
const VARIABLE = /\$[A-Za-z0-9_]*/y;
/** A handle name: letters, digits, `_`, and `$i` (not at the start). */
const NAME = /[A-Za-z_](?:[A-Za-z0-9_]|\$i)*/y;
/** What to quote when a character starts no token: the run up to the next operator or space. */
const WORD = /[^\s+\-*/()]+/y;
const PUNCT = '+-*/()';

/** A number literal as an Expr that remembers how it was written. */
export function numberExpr(value: number, text: string): Expr {
  const e: Expr = { kind: 'num', value };
  literalText.set(e, text);
  return e;
}

/** Matches a sticky regex at `pos`, returning the match or null. */
function matchAt(re: RegExp, text: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(text);
}

/** The number literal NUMBER matched in `text` at column `col`, with its suffix applied. */
function numberToken(m: RegExpExecArray, text: string, col: number): Token {
  const [literal, , hex, dec, suffix = ''] = m;
  const multiplier = SIZE_SUFFIXES.get(suffix);
  if (multiplier === undefined) throw new ValueError(`${quote(matchAt(WORD, text, col - 1)![0])} is not a number; size suffixes are K, KiB, M, MiB, G, GiB`);
  const base = hex !== undefined ? Number.parseInt(hex, 16) : Number(dec);
  const value = base * multiplier;
  if (!Number.isSafeInteger(value)) throw new ValueError(`${quote(literal)} is beyond 2^53-1`);
  return { kind: 'num', value, text: literal, col };
}

/** Splits expression text into tokens; throws a ValueError naming what is not a token. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < text.length) {
    const ch = text[pos]!;
    const col = pos + 1;
    if (/\s/.test(ch)) {
      pos++;
    } else if (PUNCT.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch as Punct, col });
      pos++;
    } else if (ch === '$') {
      const name = matchAt(VARIABLE, text, pos)![0];
      if (name !== '$i') throw new ValueError(`unknown variable ${quote(name)} (only $i, the repeat index, is allowed)`);
      tokens.push({ kind: 'var', col });
      pos += name.length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const name = matchAt(NAME, text, pos)![0];
      tokens.push({ kind: 'ref', name, col });
      pos += name.length;
    } else {
      const m = matchAt(NUMBER, text, pos);
      if (m === null) throw new ValueError(`unexpected ${quote(matchAt(WORD, text, pos)![0])} at column ${col}`);
      tokens.push(numberToken(m, text, col));
      pos += m[0].length;
    }
  }
  tokens.push({ kind: 'end', col: text.length + 1 });
  return tokens;
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'num':
      return `${quote(t.text)} at column ${t.col}`;
    case 'var':
      return `$i at column ${t.col}`;
    case 'ref':
      return `${quote(t.name)} at column ${t.col}`;
    case 'punct':
      return `"${t.text}" at column ${t.col}`;
    case 'end':
      return 'end of expression';
  }
}

/** Recursive descent over the token list; see the grammar at the top of the file. */
class ExprParser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseAll(): Expr {
    const e = this.sum();
    const t = this.peek();
    if (t.kind !== 'end') throw new ValueError(`unexpected ${describe(t)}`);
    return e;
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  /** Consumes the next token if it is one of `ops`. */
  private takeOp<T extends Punct>(ops: readonly T[]): T | null {
    const t = this.peek();
    if (t.kind !== 'punct' || !(ops as readonly Punct[]).includes(t.text)) return null;
    this.pos++;
    return t.text as T;
  }

  private sum(): Expr {
    let left = this.product();
    for (let op = this.takeOp(['+', '-']); op !== null; op = this.takeOp(['+', '-'])) left = { kind: 'bin', op, left, right: this.product() };
    return left;
  }

  private product(): Expr {
    let left = this.unary();
    for (let op = this.takeOp(['*', '/']); op !== null; op = this.takeOp(['*', '/'])) left = { kind: 'bin', op, left, right: this.unary() };
    return left;
  }

  private unary(): Expr {
    if (this.takeOp(['-']) === null) return this.primary();
    return this.nested(() => ({ kind: 'neg', arg: this.unary() }));
  }

  private primary(): Expr {
    const t = this.peek();
    if (t.kind === 'num') {
      this.pos++;
      return numberExpr(t.value, t.text);
    }
    if (t.kind === 'var') {
      this.pos++;
      return { kind: 'var' };
    }
    if (t.kind === 'ref') {
      this.pos++;
      return { kind: 'ref', name: t.name };
    }
    if (this.takeOp(['(']) !== null) {
      const inner = this.nested(() => this.sum());
      if (this.takeOp([')']) === null) throw new ValueError(`expected ")" but found ${describe(this.peek())}`);
      return inner;
    }
    throw new ValueError(`expected a number, $i, a name or "(" but found ${describe(t)}`);
  }

  /** Runs `parse` one level deeper, refusing nesting that could exhaust the stack. */
  private nested(parse: () => Expr): Expr {
    if (++this.depth > EXPR_MAX_DEPTH) throw new ValueError(`nested more than ${EXPR_MAX_DEPTH} deep`);
    const e = parse();
    this.depth--;
    return e;
  }
}

/** `l op r` for safe integers; division truncates toward zero (BigInt division does, exactly). */
function apply(op: BinOp, l: number, r: number): number {
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return Number(BigInt(l) / BigInt(r));
  }
}

/** `-0` would print as 0 but compare unequal under Object.is; integers here have one zero. */
function noNegativeZero(v: number): number {
  return v === 0 ? 0 : v;
}

/**
 * One operation with its checks: the message of the problem, or the value.
 * Shared by parse-time folding and run-time evaluation so both agree.
 */
function checkedApply(op: BinOp, l: number, r: number): { readonly value: number } | { readonly problem: string } {
  if (op === '/' && r === 0) return { problem: 'division by zero' };
  const value = apply(op, l, r);
  if (!Number.isSafeInteger(value)) return { problem: `${l} ${op} ${r} is beyond 2^53-1` };
  return { value: noNegativeZero(value) };
}

/**
 * The value of `e` if it does not depend on `$i`, else null; throws a
 * ValueError for a division by a constant zero (even when the dividend
 * uses `$i`) or a constant result beyond the safe integers.
 */
export function constantValue(e: Expr): number | null {
  switch (e.kind) {
    case 'num':
      return e.value;
    case 'var':
    case 'ref':
      return null;
    case 'neg': {
      const v = constantValue(e.arg);
      return v === null ? null : noNegativeZero(-v);
    }
    case 'bin': {
      const l = constantValue(e.left);
      const r = constantValue(e.right);
      if (e.op === '/' && r === 0) throw new ValueError('divides by zero');
      if (l === null || r === null) return null;
      const res = checkedApply(e.op, l, r);
      if ('problem' in res) throw new ValueError(res.problem);
      return res.value;
    }
  }
}

/**
 * Parses expression text. Throws a ValueError whose message reads after the
 * name of what is parsed: `must be an integer expression, got "three" (...)`.
 */
export function parseExpr(text: string): Expr {
  const shown = quote(text.trim());
  if (text.length > EXPR_MAX_LENGTH) throw new ValueError(`must be an integer expression of at most ${EXPR_MAX_LENGTH} characters, got ${shown}`);
  try {
    const e = new ExprParser(tokenize(text)).parseAll();
    constantValue(e);
    return e;
  } catch (err) {
    if (err instanceof ValueError) throw new ValueError(`must be an integer expression, got ${shown} (${err.message})`);
    throw err;
  }
}

/** The handle names an expression refers to. */
export function exprNames(e: Expr): string[] {
  switch (e.kind) {
    case 'ref':
      return [e.name];
    case 'neg':
      return exprNames(e.arg);
    case 'bin':
      return [...exprNames(e.left), ...exprNames(e.right)];
    default:
      return [];
  }
}

/** Whether `e` uses `$i`. */
export function usesIndex(e: Expr): boolean {
  switch (e.kind) {
    case 'num':
      return false;
    case 'var':
      return true;
    case 'ref':
      return e.name.includes('$i');
    case 'neg':
      return usesIndex(e.arg);
    case 'bin':
      return usesIndex(e.left) || usesIndex(e.right);
  }
}

/**
 * The value of `e` with `$i` = `i`. Throws an ExprEvalError when `$i` is
 * unbound (the parser rejects `$i` outside a repeat, so only a caller's
 * mistake gets here), on a division by zero or a result beyond 2^53-1: both
 * can depend on `$i`, so only the runner can see them.
 */
export function evalExpr(e: Expr, i: number | null, names?: (name: string) => number): number {
  switch (e.kind) {
    case 'num':
      return e.value;
    case 'var':
      if (i === null) throw new ExprEvalError('$i is used outside any repeat');
      return i;
    case 'ref': {
      if (names === undefined) throw new ExprEvalError(`${quote(e.name)} cannot be used here (names stand for integers bound by earlier steps)`);
      if (e.name.includes('$i') && i === null) throw new ExprEvalError('$i is used outside any repeat');
      return names(e.name.split('$i').join(String(i)));
    }
    case 'neg':
      return noNegativeZero(-evalExpr(e.arg, i, names));
    case 'bin': {
      const res = checkedApply(e.op, evalExpr(e.left, i, names), evalExpr(e.right, i, names));
      if ('problem' in res) throw new ExprEvalError(res.problem);
      return res.value;
    }
  }
}

/** Binding strength, for printing only the parentheses the grammar needs. */
function precedence(e: Expr): number {
  if (e.kind === 'bin') return e.op === '+' || e.op === '-' ? 1 : 2;
  return e.kind === 'neg' ? 3 : 4;
}

function wrapIf(cond: boolean, text: string): string {
  return cond ? `(${text})` : text;
}

/**
 * Prints an expression in a form that parses back to the same tree: number
 * literals as written, spaces around binary operators, parentheses where
 * precedence or left associativity needs them.
 */
export function formatExpr(e: Expr): string {
  switch (e.kind) {
    case 'num':
      return literalText.get(e) ?? String(e.value);
    case 'var':
      return '$i';
    case 'ref':
      return e.name;
    case 'neg':
      return `-${wrapIf(precedence(e.arg) < 3, formatExpr(e.arg))}`;
    case 'bin': {
      const p = precedence(e);
      return `${wrapIf(precedence(e.left) < p, formatExpr(e.left))} ${e.op} ${wrapIf(precedence(e.right) <= p, formatExpr(e.right))}`;
    }
  }
}
