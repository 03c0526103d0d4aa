/**
 * A small command-line parser: `--flag`, `--opt value` (repeatable), and
 * positional arguments. Anything unknown is an InputError naming it.
 */

import { InputError } from '../util/errors.js';

export interface ArgSpec {
  readonly flags: readonly string[];
  /** Options taking a value; repeatable ones collect every value. */
  readonly options: readonly string[];
}

export interface ParsedArgs {
  readonly positional: string[];
  readonly flags: Set<string>;
  readonly options: Map<string, string[]>;
}

export function parseArgs(argv: readonly string[], spec: ArgSpec, command: string): ParsedArgs {
  const out: ParsedArgs = { positional: [], flags: new Set(), options: new Map() };
  const known = (): string => [...spec.flags, ...spec.options].map((n) => `--${n}`).join(', ');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    // `pagesim run -h` is help, as `pagesim -h` is; any other -x is an option pagesim does not have, not a file
    // named "-x" (`--` before such a file, or ./-x).
    if (a === '-h' && spec.flags.includes('help')) {
      out.flags.add('help');
      continue;
    }
    if (/^-[A-Za-z]/.test(a)) throw new InputError(`${command}: unknown option ${a}${known() ? ` (known: ${known()})` : ''}`);
    if (!a.startsWith('--') || a === '-') {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (spec.flags.includes(name)) {
      if (eq > 0) throw new InputError(`${command}: --${name} takes no value`);
      out.flags.add(name);
    } else if (spec.options.includes(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new InputError(`${command}: --${name} needs a value`);
      out.options.set(name, [...(out.options.get(name) ?? []), value]);
    } else {
      throw new InputError(`${command}: unknown option --${name}${known() ? ` (known: ${known()})` : ''}`);
    }
  }
  return out;
}

/** Parses a size: bytes, or a number with K/M/G/T[i][B] (binary). */
export function parseSize(text: string, what: string): number {
  const m = /^(\d+)\s*(?:([KMGT])(?:iB|B|i)?)?$/i.exec(text.trim());
  if (m === null) throw new InputError(`${what}: "${text}" is not a size (use e.g. 16GiB, 512MiB or a byte count)`);
  const unit = m[2]?.toUpperCase();
  const mult = unit === undefined ? 1 : 1024 ** ('KMGT'.indexOf(unit) + 1);
  return Number(m[1]) * mult;
}
