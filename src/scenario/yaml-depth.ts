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

/** Whether `c` ends what may come before a token that opens a flow collection or a quoted scalar. */
function opensToken(c: string | undefined): boolean {
  return c === undefined || c === ':' || c === ',' || c === '[' || c === '{' || c === '-' || c === '?';
}

/** A block scalar header at the end of a line's content: `key: |`, `- >-`, `|2+`. */
const BLOCK_SCALAR = /(?:^|[\s:-])[|>][0-9+-]{0,2}$/;

/** The 1-based line where the nesting first exceeds `max`, or 0 when it never does. */
export function firstTooDeepLine(text: string, max = YAML_MAX_DEPTH): number {
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
    if (flow === 0) {
      while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
      block = indents.length;
      // `- - - x`: every dash opens an item one level deeper.
      while (i < end && text[i] === '-' && (i + 1 === end || text[i + 1] === ' ')) {
        block++;
        i += 2;
        while (i < end && text[i] === ' ') i++;
      }
      if (block > max) return line;
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
        if (block + ++flow > max) return line;
      } else if ((c === ']' || c === '}') && flow > 0) flow--;
      prev = c;
    }
    if (flow === 0 && quote === '' && BLOCK_SCALAR.test(text.slice(start, contentEnd).trimEnd())) scalarIndent = indent;
  }
  return 0;
}
