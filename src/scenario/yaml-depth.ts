/**
 * How deeply a YAML text nests collections, found by scanning the text
 * before the yaml library sees it: the library builds its tree by
 * recursion, and a file of a thousand nested brackets would exhaust the
 * stack inside it. The scan counts every deeper indentation, every `- `
 * that opens an item and every bracket that opens a flow collection as a
 * level, which is at least the nesting the library will meet; a scenario
 * needs far fewer (repeats nested 16 deep take about 50 levels).
 */

/** Deepest nesting of YAML collections accepted. The library manages about 900 levels from a shallow stack. */
export const YAML_MAX_DEPTH = 128;

/**
 * Most entries the scan counts in one text: every line with content (not
 * blank, not a comment, not text of a block scalar), every further `- ` on
 * a line, every `,` between flow items. Each is a node or two of the
 * library's tree, which holds about 1 KB of memory a node: a 15 MB flow
 * list of 5,000,000 numbers ran the process out of memory after 80 s, and
 * 1,000,000 lines took 18 s and 2.3 GB. 500,000 is 7 s and 600 MB; the
 * 100,000 steps a file may hold take about three entries each.
 */
export const YAML_MAX_ENTRIES = 500_000;

/** Whether `c` ends what may come before a token that opens a flow collection or a quoted scalar. */
function opensToken(c: string | undefined): boolean {
  return c === undefined || c === ':' || c === ',' || c === '[' || c === '{' || c === '-' || c === '?';
}

/** A block scalar header at the end of a line's content: `key: |`, `- >-`, `|2+`. */
const BLOCK_SCALAR = /(?:^|[\s:-])[|>][0-9+-]{0,2}$/;

/** The 1-based line where the nesting first exceeds `max`, or 0 when it never does. */
export function firstTooDeepLine(text: string, max = YAML_MAX_DEPTH): number {
  const p = yamlScan(text, max, Infinity);
  return p !== null && p.what === 'deep' ? p.line : 0;
}

/** The first line where the text nests deeper than `maxDepth` or passes `maxEntries` entries; null when it does neither. */
export function yamlScan(text: string, maxDepth = YAML_MAX_DEPTH, maxEntries = YAML_MAX_ENTRIES): { readonly line: number; readonly what: 'deep' | 'entries' } | null {
  const max = maxDepth;
  let entries = 0;
  const indents: number[] = [];
  let block = 0;
  let flow = 0;
  /** Indentation of the line that opened a block scalar, whose more indented lines are text; -1: none. */
  let scalarIndent = -1;
  let line = 0;
  for (let pos = 0; pos <= text.length; ) {
    line++;
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let i = pos;
    while (i < end && text.charCodeAt(i) === 0x20) i++;
    const indent = i - pos;
    const blank = i >= end || text[i] === '#' || text[i] === '\r';
    const start = pos;
    pos = end + 1;
    if (blank) continue;
    if (scalarIndent >= 0 && indent > scalarIndent) continue;
    scalarIndent = -1;
    if (++entries > maxEntries) return { line, what: 'entries' };
    if (flow === 0) {
      while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
      block = indents.length;
      // `- - - x`: every dash opens an item one level deeper.
      for (let dashes = 0; i < end && text[i] === '-' && (i + 1 === end || text[i + 1] === ' '); dashes++) {
        block++;
        if (dashes > 0 && ++entries > maxEntries) return { line, what: 'entries' };
        i += 2;
        while (i < end && text[i] === ' ') i++;
      }
      if (block > max) return { line, what: 'deep' };
    }
    let quote = '';
    let prev: string | undefined = i > start && text[i - 1] === ' ' && text[i - 2] === '-' ? '-' : undefined;
    let contentEnd = end;
    for (; i < end; i++) {
      const c = text[i]!;
      if (quote !== '') {
        if (c === quote) quote = '';
        else if (c === '\\' && quote === '"') i++;
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\r') continue;
      if (c === '#' && (text[i - 1] === ' ' || text[i - 1] === '\t')) {
        contentEnd = i;
        break;
      }
      if ((c === '"' || c === "'") && opensToken(prev)) quote = c;
      else if ((c === '[' || c === '{') && opensToken(prev)) {
        if (block + ++flow > max) return { line, what: 'deep' };
      } else if ((c === ']' || c === '}') && flow > 0) flow--;
      else if (c === ',' && flow > 0 && ++entries > maxEntries) return { line, what: 'entries' };
      prev = c;
    }
    if (flow === 0 && quote === '' && BLOCK_SCALAR.test(text.slice(start, contentEnd).trimEnd())) scalarIndent = indent;
  }
  return null;
}
