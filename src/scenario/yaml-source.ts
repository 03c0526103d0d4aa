/**
 * A scenario file as YAML nodes with line numbers.
 *
 * The parser walks the YAML syntax tree (not plain JavaScript values) so
 * that every problem can be reported at the line of the node that has it.
 * Aliases (`*name`) are resolved through a table built in one pass over the
 * document: the yaml library's own Alias.resolve walks the whole document
 * on every call, which a hostile file could make quadratic.
 */

import { basename } from 'node:path';
import { Alias, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { InputError } from '../util/errors.js';
import { oneLine, quote } from './problem.js';
import { yamlScan, YAML_MAX_DEPTH, YAML_MAX_ENTRIES } from './yaml-depth.js';
import type { ScalarIn } from './values.js';

/** A YAML node with aliases resolved. */
export type YNode = Scalar | YAMLMap | YAMLSeq;

/** One `key: value` of a mapping. */
export interface Entry {
  readonly key: string;
  readonly keyLine: number;
  /** Null when the value is missing (`key:` with nothing after it). */
  readonly value: YNode | null;
  /** The value's line, or the key's when the value is missing. */
  readonly line: number;
}

/** One item of a sequence. */
export interface Item {
  readonly node: YNode | null;
  readonly line: number;
}

/** Anything the yaml library puts in a tree position. */
type Slot = unknown;

export class SourceDoc {
  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
    private readonly aliases: ReadonlyMap<Alias, YNode>,
  ) {}

  /** Throws the one InputError for a problem at `line`. */
  fail(line: number, message: string): never {
    // Messages echo user text through quote(), which escapes line breaks; this
    // also covers messages from elsewhere (variant problems).
    throw new InputError(oneLine(message), this.file, line);
  }

  /** 1-based line of a node, or `fallback` for a node without a position. */
  lineOf(node: Slot, fallback: number): number {
    const range: unknown = (node as { range?: unknown } | null)?.range;
    return Array.isArray(range) && typeof range[0] === 'number' ? this.lines.linePos(range[0]).line : fallback;
  }

  /** The node in a tree position, aliases followed; null for an empty position or a missing value. */
  resolve(slot: Slot): YNode | null {
    const node = isAlias(slot) ? (this.aliases.get(slot) ?? null) : slot;
    if (isScalar(node) || isMap(node) || isSeq(node)) return node;
    return null;
  }

  /** Whether a resolved node is an empty scalar (`key:` or `- ` with nothing after). */
  static isEmpty(node: YNode | null): boolean {
    return node === null || (isScalar(node) && node.value === null && node.source === '');
  }

  /** A mapping's entries in document order; keys must be scalars. */
  entries(map: YAMLMap, mapLine: number): Entry[] {
    return map.items.map((pair) => {
      const keyNode = this.resolve(isPair(pair) ? pair.key : null);
      const keyLine = this.lineOf(isPair(pair) ? pair.key : null, mapLine);
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') this.fail(keyLine, 'mapping keys must be plain names');
      const value = this.resolve(pair.value);
      const missing = SourceDoc.isEmpty(value);
      return { key: String(keyNode.value), keyLine, value: missing ? null : value, line: missing ? keyLine : this.lineOf(value, keyLine) };
    });
  }

  /** A sequence's items in document order. */
  items(seq: YAMLSeq, seqLine: number): Item[] {
    return seq.items.map((slot) => {
      const node = this.resolve(slot);
      return { node: SourceDoc.isEmpty(node) ? null : node, line: this.lineOf(node, seqLine) };
    });
  }

  /**
   * A scalar's value as the value parsers take it. YAML tags outside the
   * core schema can make other values (`!!binary` makes bytes): refused.
   */
  scalar(node: Scalar, line: number, what: string): ScalarIn {
    const v: unknown = node.value;
    if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') this.fail(line, `${what} has an unsupported YAML value`);
    const source = typeof node.source === 'string' ? node.source : String(v);
    return { value: v as ScalarIn['value'], source: v === null ? (node.source ?? '') : source };
  }
}

/** Children of a node in document order (keys before values). */
function children(node: Slot): readonly Slot[] {
  if (isMap(node)) return node.items.flatMap((p) => [p.key, p.value]);
  if (isSeq(node)) return node.items;
  return [];
}

/**
 * Resolves every alias to the node of the last anchor of that name before
 * it, as YAML defines, in one iterative pre-order pass (no recursion: the
 * yaml library accepts deeper nesting than a recursive walk might).
 */
function resolveAliases(root: Slot, file: string, lines: LineCounter): Map<Alias, YNode> {
  const anchors = new Map<string, YNode>();
  const out = new Map<Alias, YNode>();
  const stack: Slot[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      const line = lines.linePos(node.range?.[0] ?? 0).line;
      if (target === undefined) throw new InputError(`alias ${quote('*' + node.source)} refers to no earlier anchor`, file, line);
      out.set(node, target);
      continue;
    }
    if ((isScalar(node) || isMap(node) || isSeq(node)) && node.anchor !== undefined) anchors.set(node.anchor, node);
    // Pushed one by one: spreading a list of a million items as arguments overflows the stack.
    const kids = children(node);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  return out;
}

/**
 * Parses YAML text into a document: YAML 1.2 with the core schema, whatever
 * the text says. Its first error, a `%YAML` directive for another version,
 * a tag outside the core schema (`!custom`, `!!binary`, `!!set`) or any
 * other warning becomes an InputError at its line.
 */
function parseYamlText(text: string, file: string): { doc: ReturnType<typeof parseDocument>; lines: LineCounter } {
  // Before the library sees the text: it recurses once per level of nesting.
  const scan = yamlScan(text);
  if (scan !== null && scan.what === 'deep') throw new InputError(`YAML nested more than ${YAML_MAX_DEPTH} levels deep (mappings, lists and brackets inside one another)`, file, scan.line);
  if (scan !== null) throw new InputError(`YAML has more than ${YAML_MAX_ENTRIES} entries (lines, list items, flow items), the limit (docs/limits.md)`, file, scan.line);
  const lines = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    // resolveKnownTags: false keeps !!binary, !!set, !!timestamp... (YAML 1.1 types) unresolved, so they are refused below.
    // uniqueKeys: false, and duplicateKeyLine() instead: the library compares each key with every key before it, and a
    // mapping of 100,000 keys (1 MB of text) took minutes.
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, version: '1.2', schema: 'core', resolveKnownTags: false });
  } catch (err) {
    // The library reports problems in doc.errors; this is a guard for the
    // contract that no input text ever escapes as a non-InputError.
    throw new InputError(oneLine(`YAML: cannot parse: ${err instanceof Error ? err.message : String(err)}`), file, 1);
  }
  const first = doc.errors[0];
  if (first !== undefined) throw new InputError(oneLine(`YAML syntax error: ${first.message}`), file, lines.linePos(first.pos[0]).line);
  const dup = duplicateKeyLine(doc.contents, lines);
  if (dup > 0) throw new InputError('YAML syntax error: Map keys must be unique', file, dup);
  const version = doc.directives?.yaml;
  if (version !== undefined && version.explicit && version.version !== '1.2') {
    throw new InputError(`%YAML ${version.version}: scenarios are YAML 1.2 (core schema); remove the directive or write %YAML 1.2`, file, directiveLine(text));
  }
  const warning = doc.warnings[0];
  if (warning !== undefined) throw new InputError(oneLine(yamlWarning(warning.code, warning.message)), file, lines.linePos(warning.pos[0]).line);
  return { doc, lines };
}

/**
 * The line of the first key that repeats an earlier key of its mapping
 * (the library's uniqueKeys rule: equal scalar values, or the same node), 0
 * when there is none; one set per mapping, so linear in the document.
 */
function duplicateKeyLine(root: Slot, lines: LineCounter): number {
  const stack: Slot[] = [root];
  let first = 0;
  let firstPos = Infinity;
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key: unknown = pair.key;
        const id = isScalar(key) ? key.value : key;
        // === semantics, as the library's: NaN never equals NaN.
        if (seen.has(id) && !(typeof id === 'number' && Number.isNaN(id))) {
          const pos = (key as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
          if (pos < firstPos) {
            firstPos = pos;
            first = lines.linePos(pos).line;
          }
          break;
        }
        seen.add(id);
      }
    }
    const kids = children(node);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  return first;
}

/** The message for a warning of the yaml library: all of them are refused. */
function yamlWarning(code: string, message: string): string {
  const what = message.split(' at line ')[0]!;
  if (code === 'TAG_RESOLVE_FAILED') return `${what.replace('Unresolved tag', 'unknown tag').replace('tag:yaml.org,2002:', '!!')}: only the tags of the YAML 1.2 core schema (!!str, !!int, !!float, !!bool, !!null, !!map, !!seq) are accepted`;
  if (code === 'BAD_DIRECTIVE') return `${what}: scenarios are YAML 1.2`;
  return `YAML: ${what}`;
}

/** The line of the first %YAML directive. */
function directiveLine(text: string): number {
  const m = /^%YAML/m.exec(text);
  return m === null ? 1 : text.slice(0, m.index).split('\n').length;
}

/** Parses YAML text; the root node is null for an empty document. */
export function loadYaml(text: string, file: string): { readonly src: SourceDoc; readonly root: YNode | null; readonly rootLine: number } {
  const { doc, lines } = parseYamlText(text, file);
  const root: Slot = doc.contents;
  const src = new SourceDoc(file, lines, resolveAliases(root, file, lines));
  const node = src.resolve(root);
  return { src, root: SourceDoc.isEmpty(node) ? null : node, rootLine: src.lineOf(node, 1) };
}

/** The default scenario name: the file's base name without its extension. */
export function defaultName(file: string): string {
  const base = basename(file);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}
