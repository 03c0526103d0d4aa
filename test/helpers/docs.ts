/**
 * The code blocks of the project's Markdown documents, read as the docs
 * test (test/docs.test.ts) runs them. The convention is written down in
 * docs/writing-docs.md:
 *
 *   ```console      commands and their output: `$ ` starts a command (a
 *                   trailing `\` continues it), the lines after it are what
 *                   it prints (stdout and stderr, as a terminal shows them)
 *   ```yaml file=P  the contents of file P (checked against it)
 *   ```LANG         anything else (yaml fragments, ts, json shapes, text):
 *                   not run, and it may not hold a pagesim command
 *
 * In expected output a line `...` stands for any number of lines, and
 * `[...]` inside a line for any text on that line.
 */

export interface DocBlock {
  readonly file: string;
  /** Line of the opening fence (1-based). */
  readonly line: number;
  /** The first word of the info string: `console`, `yaml`, `text`... ('' when absent). */
  readonly lang: string;
  /** `key=value` words after the language. */
  readonly attrs: ReadonlyMap<string, string>;
  /** The block's lines, without the fences. */
  readonly lines: readonly string[];
}

/** Every fenced code block of a Markdown text. */
export function codeBlocks(file: string, text: string): DocBlock[] {
  const out: DocBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s{0,3})(`{3,}|~{3,})\s*(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const fence = open[2]!;
    const words = open[3]!.trim().split(/\s+/).filter((w) => w !== '');
    const attrs = new Map<string, string>();
    for (const w of words.slice(1)) {
      const eq = w.indexOf('=');
      if (eq > 0) attrs.set(w.slice(0, eq), w.slice(eq + 1));
    }
    const body: string[] = [];
    let j = i + 1;
    const close = new RegExp(`^\\s{0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    while (j < lines.length && !close.test(lines[j]!)) body.push(lines[j++]!);
    out.push({ file, line: i + 1, lang: words[0] ?? '', attrs, lines: body });
    i = j;
  }
  return out;
}

export interface DocCommand {
  /** Line of the `$ ` in the document. */
  readonly line: number;
  readonly command: string;
  /** What the document says it prints. */
  readonly expected: readonly string[];
}

/** The commands of a `console` block, each with the output shown under it. */
export function consoleCommands(block: DocBlock): DocCommand[] {
  const out: { line: number; command: string; expected: string[] }[] = [];
  for (let i = 0; i < block.lines.length; i++) {
    const l = block.lines[i]!;
    if (l.startsWith('$ ')) {
      let command = l.slice(2);
      const line = block.line + 1 + i;
      while (command.endsWith('\\') && i + 1 < block.lines.length) command = `${command.slice(0, -1).trimEnd()} ${block.lines[++i]!.trim()}`;
      out.push({ line, command, expected: [] });
    } else if (out.length === 0) {
      if (l.trim() !== '') throw new Error(`${block.file}:${block.line + 1 + i}: a console block starts with a command ("$ ...")`);
    } else {
      out[out.length - 1]!.expected.push(l);
    }
  }
  return out;
}

/** Whether one expected line matches one actual line (`[...]` is any text; trailing blanks do not count). */
function lineMatches(expected: string, actual: string): boolean {
  const e = expected.trimEnd();
  const a = actual.trimEnd();
  if (!e.includes('[...]')) return e === a;
  const re = new RegExp(`^${e.split('[...]').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(a);
}

export type OutputMatch = { readonly ok: true } | { readonly ok: false; readonly expectedLine: number; readonly why: string };

/**
 * Whether actual output matches the expected lines, `...` standing for any
 * number of lines. On a mismatch, names the first expected line (0-based)
 * that no way of matching got past.
 */
export function matchOutput(expected: readonly string[], actual: readonly string[]): OutputMatch {
  const exp = trimBlankEnds(expected);
  const act = trimBlankEnds(actual);
  // memo[i * (act.length + 1) + j]: 0 unknown, 1 matches, 2 fails (expected from i against actual from j).
  const memo = new Uint8Array((exp.length + 1) * (act.length + 1));
  let furthest = 0;
  const go = (i: number, j: number): boolean => {
    const key = i * (act.length + 1) + j;
    if (memo[key] !== 0) return memo[key] === 1;
    furthest = Math.max(furthest, i);
    let ok: boolean;
    if (i === exp.length) ok = j === act.length;
    else if (exp[i]!.trim() === '...') {
      ok = false;
      for (let k = j; k <= act.length && !ok; k++) ok = go(i + 1, k);
    } else ok = j < act.length && lineMatches(exp[i]!, act[j]!) && go(i + 1, j + 1);
    memo[key] = ok ? 1 : 2;
    return ok;
  };
  if (go(0, 0)) return { ok: true };
  const at = Math.min(furthest, exp.length - 1);
  return { ok: false, expectedLine: Math.max(0, at) + leadingBlank(expected), why: furthest >= exp.length ? 'the output goes on after the last line shown' : `no output line matches: ${exp[at] ?? ''}` };
}

function leadingBlank(lines: readonly string[]): number {
  let n = 0;
  while (n < lines.length && lines[n]!.trim() === '') n++;
  return n;
}

function trimBlankEnds(lines: readonly string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a]!.trim() === '') a++;
  while (b > a && lines[b - 1]!.trim() === '') b--;
  return lines.slice(a, b);
}

/** A pagesim command written outside a console block (it would not be run). */
export function strayCommand(line: string): boolean {
  return /^\s*(\$ |(npx )?pagesim(\s|$))/.test(line);
}
