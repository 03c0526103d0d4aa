/**
 * How the value parsers of a scenario report a problem.
 *
 * The parsers of values (expressions, gfp masks, handle names, expected
 * results) do not know where in the file their text came from, so they
 * throw a `ValueError` whose message is a predicate ("must be an integer
 * expression, got "three""); the scenario parser catches it at the node
 * it was parsing and turns it into one InputError at that node's line,
 * prefixed with what was being parsed ("alloc_pages: order ").
 */
export class ValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
  }
}

/** Longest piece of user text echoed in a message: a message is one line the user can read. */
const QUOTE_MAX = 60;

/**
 * User text in a message, double-quoted, with control characters escaped
 * (a YAML string may contain newlines; an InputError prints as one line)
 * and long text shortened.
 */
export function quote(text: string): string {
  return JSON.stringify(clip(text));
}

/** A message as one line: the CLI prints `FILE:LINE: message`, and a line break would split it. */
export function oneLine(message: string): string {
  return message.replace(/\s*[\r\n\u0085\u2028\u2029]+\s*/g, ' ');
}

/** User text shortened to what a one-line message can show. */
export function clip(text: string): string {
  return text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}...` : text;
}
