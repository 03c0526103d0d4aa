/**
 * schema/scenario.schema.json: it parses, has the expected shape, and says
 * what the parser says about the structure of example documents.
 *
 * No JSON Schema validator is a dependency, so this file carries a small
 * interpreter of exactly the keywords the schema uses; it refuses any other
 * keyword, so the schema cannot silently rely on one nobody checks here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parseScenario, REPORT_KINDS } from '../src/scenario/parse.js';
import type { OpLookup, OpSignature, VariantLookup } from '../src/scenario/types.js';
import { InputError } from '../src/util/errors.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const SCHEMA_FILE = fileURLToPath(new URL('../../schema/scenario.schema.json', import.meta.url));
const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as JsonObject;

// ---- A tiny interpreter for the JSON Schema keywords the schema uses ----

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$comment', '$defs']);
const ASSERTIONS = new Set([
  'type', 'required', 'properties', 'patternProperties', 'additionalProperties', 'propertyNames', 'minProperties', 'maxProperties',
  'items', 'minItems', 'maxItems', 'uniqueItems', 'dependentRequired', 'const', 'enum', 'pattern', 'minLength', 'minimum', 'oneOf', 'anyOf', 'allOf', 'not', '$ref',
]);

const isObject = (v: Json): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: Json, b: Json): boolean => JSON.stringify(a) === JSON.stringify(b);

function hasType(v: Json, t: string): boolean {
  switch (t) {
    case 'null':
      return v === null;
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'string':
      return typeof v === 'string';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return isObject(v);
    default:
      throw new Error(`unknown type ${t}`);
  }
}

function resolveRef(ref: string): Json {
  assert.ok(ref.startsWith('#/$defs/'), `only local $defs references: ${ref}`);
  const target = (schema.$defs as JsonObject)[ref.slice('#/$defs/'.length)];
  assert.ok(target !== undefined, `dangling $ref ${ref}`);
  return target;
}

/** Object keywords: properties, patternProperties, additionalProperties, propertyNames, sizes, required. */
function validObject(s: JsonObject, v: JsonObject): boolean {
  const keys = Object.keys(v);
  if (s.required !== undefined && !(s.required as string[]).every((k) => k in v)) return false;
  for (const [k, needs] of Object.entries((s.dependentRequired ?? {}) as JsonObject)) if (k in v && !(needs as string[]).every((n) => n in v)) return false;
  if (s.minProperties !== undefined && keys.length < (s.minProperties as number)) return false;
  if (s.maxProperties !== undefined && keys.length > (s.maxProperties as number)) return false;
  for (const k of keys) {
    if (s.propertyNames !== undefined && !valid(s.propertyNames, k)) return false;
    const named = isObject(s.properties ?? null) ? (s.properties as JsonObject)[k] : undefined;
    const patterns = Object.entries((s.patternProperties ?? {}) as JsonObject).filter(([re]) => new RegExp(re, 'u').test(k));
    if (named !== undefined && !valid(named, v[k]!)) return false;
    if (patterns.some(([, sub]) => !valid(sub, v[k]!))) return false;
    if (named === undefined && patterns.length === 0 && s.additionalProperties !== undefined && !valid(s.additionalProperties, v[k]!)) return false;
  }
  return true;
}

function validArray(s: JsonObject, v: Json[]): boolean {
  if (s.minItems !== undefined && v.length < (s.minItems as number)) return false;
  if (s.maxItems !== undefined && v.length > (s.maxItems as number)) return false;
  if (s.uniqueItems === true && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) return false;
  return s.items === undefined || v.every((x) => valid(s.items!, x));
}

function validString(s: JsonObject, v: string): boolean {
  if (s.minLength !== undefined && [...v].length < (s.minLength as number)) return false;
  return s.pattern === undefined || new RegExp(s.pattern as string, 'u').test(v);
}

function valid(s: Json, v: Json): boolean {
  if (typeof s === 'boolean') return s;
  assert.ok(isObject(s), 'a schema is an object or a boolean');
  for (const k of Object.keys(s)) assert.ok(ANNOTATIONS.has(k) || ASSERTIONS.has(k), `keyword ${k} is not understood by this test`);
  if (s.$ref !== undefined && !valid(resolveRef(s.$ref as string), v)) return false;
  if (s.type !== undefined && ![s.type].flat().some((t) => hasType(v, t as string))) return false;
  if (s.const !== undefined && !same(s.const, v)) return false;
  if (s.enum !== undefined && !(s.enum as Json[]).some((e) => same(e, v))) return false;
  if (s.minimum !== undefined && typeof v === 'number' && v < (s.minimum as number)) return false;
  if (s.allOf !== undefined && !(s.allOf as Json[]).every((sub) => valid(sub, v))) return false;
  if (s.anyOf !== undefined && !(s.anyOf as Json[]).some((sub) => valid(sub, v))) return false;
  if (s.oneOf !== undefined && (s.oneOf as Json[]).filter((sub) => valid(sub, v)).length !== 1) return false;
  if (s.not !== undefined && valid(s.not, v)) return false;
  if (isObject(v) && !validObject(s, v)) return false;
  if (Array.isArray(v) && !validArray(s, v)) return false;
  return typeof v !== 'string' || validString(s, v);
}

// ---- A small registry so the parser can give its verdict too ----

const SIGNATURES: readonly OpSignature[] = [
  { name: 'alloc_pages', params: [{ name: 'gfp', type: 'gfp' }, { name: 'order', type: 'int', default: 0 }], result: 'page' },
  { name: '__free_pages', params: [{ name: 'page', type: 'page' }, { name: 'order', type: 'int', default: 0 }], result: 'void' },
  { name: 'check', params: [], result: 'void' },
];
const OPS: OpLookup = { get: (n) => SIGNATURES.find((s) => s.name === n), names: () => SIGNATURES.map((s) => s.name) };
const VARIANTS: VariantLookup = { problem: (s) => (['baseline', 'a', 'b', 'a+b'].includes(s) ? null : `unknown variant "${s}"`) };

function parserAccepts(text: string): boolean {
  try {
    parseScenario(text, 'example.yaml', OPS, VARIANTS);
    return true;
  } catch (e) {
    if (e instanceof InputError) return false;
    throw e;
  }
}

test('the schema is JSON Schema 2020-12 with the expected top-level shape', () => {
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(schema.type, 'object');
  assert.deepEqual(schema.anyOf, [{ required: ['steps'] }, { required: ['cases'] }]);
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(Object.keys(schema.properties as JsonObject), ['name', 'description', 'machine', 'variants', 'steps', 'cpus', 'final', 'schedule', 'explore', 'cases', 'expect']);
  assert.match(schema.description as string, /cannot know the operations, their parameters/);
  const defs = schema.$defs as JsonObject;
  for (const d of ['machine', 'steps', 'step', 'bareStep', 'repeatStep', 'operationStep', 'reportMatcher', 'variantExpectation']) assert.ok(isObject(defs[d] ?? null), `$defs.${d}`);
  assert.deepEqual((((defs.reportMatcher as JsonObject).properties as JsonObject).kind as JsonObject).enum, ['BUG', 'WARN', 'printk', 'bad_page', 'check']);
  assert.deepEqual(REPORT_KINDS, ['BUG', 'WARN', 'printk', 'bad_page', 'check'], 'the parser takes the kinds the schema names');
});

/** Example documents with the verdicts of the schema and of the parser (which also checks values). */
const EXAMPLES: readonly { readonly yaml: string; readonly schema: boolean; readonly parser: boolean }[] = [
  { yaml: 'steps: [check]', schema: true, parser: true },
  {
    yaml: `name: split
description: splits a compound page
machine: {memory: 256MiB, cpus: 4, nodes: 2}
variants: [baseline, a+b]
steps:
  - alloc_pages: {gfp: GFP_KERNEL | __GFP_COMP, order: 3}
    as: p
    show: true
    cpu: 1
  - repeat:
      times: 8
      steps:
        - __free_pages: p+$i
        - repeat: {times: $i, steps: [check, drain]}
  - __free_pages: p
    expect: ~
expect:
  baseline: ok
  a+b:
    - {kind: BUG, function: __free_pages}
    - message: bad page`,
    schema: true,
    parser: false, // drain is not an operation of the registry: only pagesim can know that
  },
  { yaml: 'steps:\n  - alloc_pages: GFP_KERNEL\n    as: p\n  - __free_pages: {page: p, order: 0}\n', schema: true, parser: true },
  { yaml: 'name: x', schema: false, parser: false },
  { yaml: 'steps: []', schema: false, parser: false },
  { yaml: 'steps: [check]\nsetps: [check]', schema: false, parser: false },
  { yaml: 'steps:\n  - alloc_pages: GFP_KERNEL\n    check:\n', schema: false, parser: false },
  { yaml: 'steps:\n  - as: p\n', schema: false, parser: false },
  { yaml: 'steps:\n  - repeat: {times: 2, steps: [check]}\n    as: p\n', schema: false, parser: false },
  { yaml: 'steps:\n  - repeat: {times: 2}\n', schema: false, parser: false },
  { yaml: 'steps:\n  - repeat\n', schema: false, parser: false },
  { yaml: 'steps:\n  - alloc_pages: GFP_KERNEL\n    as: 1p\n', schema: false, parser: false },
  { yaml: 'steps:\n  - alloc_pages: {gfp: [GFP_KERNEL]}\n', schema: false, parser: false },
  { yaml: 'steps: [check]\nmachine: {memory: 1GiB, ram: 2}', schema: false, parser: false },
  { yaml: 'steps: [check]\nvariants: [a, a]', schema: false, parser: false },
  { yaml: 'steps: [check]\nexpect: {a: fine}', schema: false, parser: false },
  { yaml: 'steps: [check]\nexpect: {a: [{kind: BUGON}]}', schema: false, parser: false },
  { yaml: 'steps: [check]\nexpect: {a: [{}]}', schema: false, parser: false },
  // Concurrent scenarios: cpus (2 to 4 step lists) and final.
  { yaml: 'steps: [check]\ncpus:\n  - [check]\n  - [check]\nfinal: [check]', schema: true, parser: true },
  { yaml: 'steps:\n  - alloc_pages: GFP_KERNEL\n    as: p\ncpus:\n  - - __free_pages: p\n  - - alloc_pages: GFP_KERNEL\n      as: q\n    - __free_pages: q\nfinal:\n  - __free_pages: q', schema: true, parser: true },
  { yaml: 'steps: [check]\ncpus:\n  - [check]', schema: false, parser: false },
  { yaml: 'steps: [check]\nmachine: {cpus: 4}\ncpus: [[check], [check], [check], [check], [check]]', schema: false, parser: false },
  { yaml: 'steps: [check]\nfinal: [check]', schema: false, parser: false },
  { yaml: 'steps: [check]\ncpus: [[check], []]', schema: false, parser: false },
  { yaml: 'steps: [check]\ncpus: [[check], check]', schema: false, parser: false },
  { yaml: 'steps: [check]\ncpus:\n  - [check]\n  - - check\n    - alloc_pages: GFP_KERNEL\n      cpu: 0\n', schema: true, parser: false }, // a list's CPU is fixed: only pagesim checks cpu:
  { yaml: 'steps: [check]\nmachine: {cpus: 2}\ncpus: [[check], [check], [check]]', schema: true, parser: false }, // more lists than CPUs
  { yaml: 'steps: [check]\ncpus:\n  - - alloc_pages: GFP_KERNEL\n      as: q\n  - - __free_pages: q\n', schema: true, parser: false }, // CPU 1 cannot see CPU 0's q
  // Cases, and panic_on_oops.
  { yaml: 'steps:\n  - alloc_pages: GFP_KERNEL\n    as: p\ncases:\n  - name: a\n    steps:\n      - __free_pages: p\n    expect: {baseline: ok}\n  - {name: b.2, description: x, steps: [check]}', schema: true, parser: true },
  { yaml: 'cases:\n  - {name: a, steps: [check]}', schema: true, parser: true },
  { yaml: 'cases: []', schema: false, parser: false },
  { yaml: 'cases:\n  - {steps: [check]}', schema: false, parser: false },
  { yaml: 'cases:\n  - {name: a, steps: [check], machine: {cpus: 1}}', schema: false, parser: false },
  { yaml: 'cases:\n  - {name: a b, steps: [check]}', schema: false, parser: false },
  { yaml: 'cases:\n  - {name: a, steps: [check]}\n  - {name: a, steps: [check]}', schema: true, parser: false }, // names are unique: only pagesim checks
  { yaml: 'steps: [check]\nmachine: {panic_on_oops: 0}', schema: true, parser: true },
  { yaml: 'steps: [check]\nmachine: {panic_on_oops: 2}', schema: false, parser: false },
  { yaml: 'steps:\n  - check\n    # comment\n  - alloc_pages: {gfp: GFP_KERNEL}\n    as: p\n    expect: ~\n    cpu: 0\n    show: false\n', schema: true, parser: true },
];

test('example documents: the schema and the parser agree on structure', () => {
  for (const ex of EXAMPLES) {
    const doc = parseYaml(ex.yaml) as Json;
    assert.equal(valid(schema, doc), ex.schema, `schema on:\n${ex.yaml}`);
    assert.equal(parserAccepts(ex.yaml), ex.parser, `parser on:\n${ex.yaml}`);
    // The schema is looser than the parser, never stricter.
    if (ex.parser) assert.ok(ex.schema, `the schema rejects a valid scenario:\n${ex.yaml}`);
  }
});
