/**
 * Generated inputs never reach an internal error. Every operation is called
 * with boundary values of its parameters' C types (and wrong handles, wild
 * page pointers, odd strings), under every variant; shipped scenarios,
 * /proc files, traces and kpageflags images are garbled. Whatever comes in,
 * the result is a run (the kernel's own checks decide: WARN, BUG, oops,
 * -errno) or an InputError (bad input: one line, exit 2), never another
 * exception (exit 3) or a hang.
 *
 * Fixed seed, bounded cases: a few seconds in npm test. A longer campaign:
 * PAGESIM_FUZZ_RUNS=5000 (cases per property; .ci/run uses 2000) and
 * PAGESIM_FUZZ_SEED=N for another seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { allOps, opLookup } from '../src/engine/registry.js';
import { runScenario } from '../src/engine/run.js';
import { expandCases, variantLookup } from '../src/engine/load.js';
import { parseScenario } from '../src/scenario/parse.js';
import type { ParamDef } from '../src/scenario/types.js';
import { VARIANTS } from '../src/variants/index.js';
import { InputError } from '../src/util/errors.js';
import { roundtrip } from '../src/cli/cmd-proc.js';
import { parseTraceBuffer } from '../src/trace/index.js';
import { readTraceBuffer } from '../src/replay/parse.js';
import { imageFromBytes } from '../src/kpageflags/image.js';
import { summarize } from '../src/kpageflags/page-types.js';
import { repoRoot } from './helpers/machine.js';

const RUNS = Number(process.env['PAGESIM_FUZZ_RUNS'] ?? 0) || 0;
const SEED = Number(process.env['PAGESIM_FUZZ_SEED'] ?? 20261206);
const runs = (dflt: number): number => (RUNS > 0 ? RUNS : dflt);

/** Runs `f`; an InputError is an answer, any other exception fails with what was given. */
function noInternalError(what: string, input: string, f: () => void): void {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) {
      assert.ok(!e.oneLine().includes('\n'), `${what}: a multi-line error: ${e.oneLine()}`);
      return;
    }
    assert.fail(`${what} escaped with ${(e as Error)?.stack ?? String(e)}\n--- input ---\n${input}`);
  }
}

// ---- operations x boundary values ------------------------------------------

/** Names the prelude binds, by what they hold. */
const PRELUDE = `
  - mm_alloc: {}
    as: m
  - mmap: {mm: m, len: 4MiB}
    as: a
  - handle_mm_fault: {mm: m, address: a, write: true}
  - handle_mm_fault: {mm: m, address: a + 2MiB + 4KiB}
  - alloc_pages: {gfp: GFP_KERNEL, order: 0}
    as: p
  - alloc_pages: {gfp: GFP_KERNEL | __GFP_COMP, order: 2}
    as: q
  - page_pool_create: {}
    as: pool
  - kmem_cache_create: {name: fuzz, size: 64}
    as: cache
  - kmem_cache_alloc: {cache: cache}
    as: obj
  - pagetable_alloc: {}
    as: pt
`;
const HANDLES = ['m', 'pool', 'cache', 'obj', 'pt', 'a', 'p', 'nothere'];
const PAGES = ['p', 'q', 'q + 1', 'q + 3', 'p', 'q', 'p - 1', 'p + 1000000', 'p + 4294967296'];
const STRINGS = ['MM_ANONPAGES', 'MM_FILEPAGES', 'nr_free_pages', 'meminfo', 'buddyinfo', 'FOLL_WRITE', 'FOLL_WRITE | FOLL_LONGTERM', 'PP_FLAG_DMA_MAP', '', 'x', '"0"'];
const GFPS = ['GFP_KERNEL', 'GFP_ATOMIC', '0', 'GFP_KERNEL | __GFP_COMP', 'GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN', '0xffffffff', 'GFP_HIGHUSER_MOVABLE'];

/** Boundary values of a C integer type: its ends, one past them, 0, +-1, and the machine's addresses. */
function intValues(p: ParamDef): string[] {
  const c = p.ctype;
  const bits = (c?.size ?? 8) * 8;
  const ends = c?.signed === false ? ['0', `${2 ** bits - 1}`, `${2 ** bits}`] : [`${-(2 ** (bits - 1))}`, `${2 ** (bits - 1) - 1}`, `${2 ** (bits - 1)}`, `${-(2 ** (bits - 1)) - 1}`];
  return [...ends.filter((v) => Math.abs(Number(v)) <= 2 ** 53 - 1), '0', '1', '-1', '2', '9', '10', '11', '512', '-2', '2147483648', '4294967295', '9007199254740991', '-9007199254740991', 'a', 'a + 4KiB', 'a + 2MiB', 'a + 4MiB - 1', 'a + 4MiB', '4KiB', '2MiB'];
}

/** The name the prelude binds for a handle parameter, by the parameter's name. */
function handleFor(name: string): string {
  if (name === 'mm') return 'm';
  if (name === 'pool') return 'pool';
  if (name === 'cache') return 'cache';
  if (name === 'object') return 'obj';
  if (name === 'ptdesc') return 'pt';
  return 'obj';
}

/** Well-typed values mostly (the kernel's checks are what is fuzzed); now and then one the parser must refuse. */
function valueArb(p: ParamDef): fc.Arbitrary<string> {
  const typed = ((): fc.Arbitrary<string> => {
    switch (p.type) {
      case 'page':
        return fc.constantFrom(...PAGES);
      case 'handle':
        return fc.oneof({ arbitrary: fc.constant(handleFor(p.name)), weight: 6 }, { arbitrary: fc.constantFrom(...HANDLES), weight: 1 });
      case 'gfp':
        return fc.constantFrom(...GFPS);
      case 'bool':
        return fc.constantFrom('true', 'false');
      case 'string':
        return fc.constantFrom(...STRINGS);
      default:
        return fc.constantFrom(...intValues(p));
    }
  })();
  return fc.oneof({ arbitrary: typed, weight: 30 }, { arbitrary: fc.constantFrom('NULL', 'maybe', '1.5', 'nothere', '"x"', '[1]', '{}'), weight: 1 });
}

const OPS = allOps().sort((x, y) => (x.name < y.name ? -1 : 1));

/** One step calling an operation: each parameter given (a boundary value) or left out. */
const stepArb = fc.constantFrom(...OPS).chain((op) =>
  // Optional parameters are left out now and then; required ones are always given.
  fc.tuple(...op.params.map((p) => (p.default === undefined ? valueArb(p) : fc.option(valueArb(p), { nil: undefined, freq: 3 })))).map((vals) => {
    const args = op.params.flatMap((p, i) => (vals[i] === undefined ? [] : [`${p.name}: ${vals[i]}`]));
    return `  - ${op.name}: {${args.join(', ')}}`;
  }),
);

const scenarioArb = fc.record({
  variant: fc.constantFrom(...VARIANTS.map((v) => v.name)),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 8 }),
});

test('fuzz: every operation with boundary values of its C types never escapes as an internal error', () => {
  let ran = 0;
  fc.assert(
    fc.property(scenarioArb, ({ variant, steps }) => {
      const text = `name: fuzz\nmachine: {memory: 64MiB, panic_on_oops: 0}\nvariants: [${variant}]\nsteps:${PRELUDE}${steps.join('\n')}\n`;
      noInternalError(`a run under ${variant}`, text, () => {
        const scn = parseScenario(text, 'fuzz.yaml', opLookup, variantLookup);
        const run = runScenario(scn, variant);
        assert.ok(run.stepsRun >= 1);
        ran++;
      });
    }),
    { seed: SEED, numRuns: runs(80), endOnFailure: true },
  );
  // The generator reaches the operations, not only the parser's refusals.
  assert.ok(ran > 0, 'no generated scenario parsed');
});

/** What the campaign found, kept as regressions: each escaped as an internal error (exit 3) before its fix. */
const FOUND: readonly { variant: string; steps: readonly string[]; check?: RegExp }[] = [
  // The checker's dump_page of a page whose compound_head points at a tail: folio_flags()'s VM_BUG_ON in the dump.
  { variant: 'netpp-shared-mapcount', steps: ['  - prep_compound_page: {page: q + 3, order: 2}', '  - __SetPageHugetlb: {page: p}', '  - __SetPageHugetlb: {page: q}', '  - folio_set_pinned: {folio: p}'] },
  // The page-tables checker followed a deposited-table list through a wild pointer.
  { variant: 'refcount-frozen-bit-naive', steps: ['  - folio_test_large: {folio: p + 4294967296}', '  - pte_free_defer: {mm: m, pgtable: p - 1}', '  - ClearPageDirty: {page: q + 1}', '  - set_memory_4k: {addr: p}', '  - virt_to_ptdesc: {x: q}'] },
  // gfp with both mobility bits: MIGRATE_HIGHATOMIC has no row in fallbacks[].
  { variant: 'insert-order0-only', steps: ['  - page_pool_alloc_netmems: {pool: pool, gfp: 0xffffffff}', '  - drain_all_pages: {}'] },
  // The page-tables checker's mm_counter() on a folio whose head is a tail: a VM_BUG_ON in the checker.
  {
    variant: 'ptdesc-memdesc-rfc',
    steps: ['  - __SetPageZsmalloc: {page: p + 4294967296}', '  - prep_compound_page: {page: p, order: -2}', '  - folio_test_dropbehind: {folio: q}', '  - set_page_count: {page: p + 1000000, v: 11}'],
    check: /page-tables: reading the machine hit kernel BUG at include\/linux\/page-flags.h/,
  },
];

test('fuzz findings: a checker that trips a kernel check on a corrupt machine reports it as a violation', () => {
  for (const f of FOUND) {
    const text = `name: fuzz\nmachine: {memory: 64MiB, panic_on_oops: 0}\nvariants: [${f.variant}]\nsteps:${PRELUDE}${f.steps.join('\n')}\n`;
    const run = runScenario(parseScenario(text, 'found.yaml', opLookup, variantLookup), f.variant);
    assert.equal(run.stepsRun, 10 + f.steps.length, text);
    if (f.check !== undefined) assert.ok(run.reports.some((r) => r.kind === 'check' && f.check!.test(r.text)), run.reports.map((r) => r.message).join('\n'));
  }
});

// ---- garbled input files ----------------------------------------------------

/** A mutation of text: a slice deleted, duplicated or replaced by boundary bytes. */
const garble = (text: string): fc.Arbitrary<string> =>
  fc
    .array(
      fc.record({
        at: fc.nat({ max: Math.max(0, text.length - 1) }),
        len: fc.nat({ max: 40 }),
        how: fc.constantFrom('delete', 'dup', 'insert', 'digits'),
        what: fc.constantFrom('\u0000', '\t', '\n', '  ', '-', ': ', '[', '{', '}', '*', '&a', '!x', '%YAML 1.1\n', '99999999999999999999', '-1', '0x', '\u00ff\u00fe', '#'),
      }),
      { minLength: 1, maxLength: 4 },
    )
    .map((muts) => {
      let s = text;
      for (const m of muts) {
        const at = Math.min(m.at, s.length);
        if (m.how === 'delete') s = s.slice(0, at) + s.slice(at + m.len);
        else if (m.how === 'dup') s = s.slice(0, at + m.len) + s.slice(at, at + m.len) + s.slice(at + m.len);
        else if (m.how === 'insert') s = s.slice(0, at) + m.what + s.slice(at);
        else s = s.slice(0, at) + s.slice(at).replace(/\d+/, m.what);
      }
      return s;
    });

const scenarioDir = join(repoRoot, 'scenarios');
const SMALL_SCENARIOS = readdirSync(scenarioDir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => ({ file: f, text: readFileSync(join(scenarioDir, f), 'utf8') }))
  // Runs of a garbled file on a large machine cost seconds each; those are parsed only.
  .map((s) => ({ ...s, run: !/memory: *(\d+)GiB/.test(s.text) }));

test('fuzz: garbled scenario files are a run or one line of bad input', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...SMALL_SCENARIOS).chain((s) => garble(s.text).map((text) => ({ ...s, text }))),
      (s) => {
        noInternalError(`garbled ${s.file}`, s.text, () => {
          const scn = parseScenario(s.text, s.file, opLookup, variantLookup);
          if (!s.run) return;
          for (const one of expandCases(scn).slice(0, 2)) runScenario(one, one.variants[0] ?? 'baseline');
        });
      },
    ),
    { seed: SEED, numRuns: runs(60), endOnFailure: true },
  );
});

const PROC_DIR = join(repoRoot, 'data', 'ftrace');
const procFiles = readdirSync(PROC_DIR).flatMap((d) =>
  readdirSync(join(PROC_DIR, d))
    .filter((f) => /^t0_(buddyinfo|pagetypeinfo|zoneinfo)$/.test(f))
    .map((f) => ({ file: f, text: readFileSync(join(PROC_DIR, d, f), 'utf8') })),
);

test('fuzz: garbled /proc files are re-printed or refused in one line', () => {
  assert.ok(procFiles.length >= 3);
  fc.assert(
    fc.property(
      fc.constantFrom(...procFiles).chain((p) => garble(p.text).map((text) => ({ ...p, text }))),
      (p) => noInternalError(`garbled ${p.file}`, p.text, () => void roundtrip(p.text, p.file)),
    ),
    { seed: SEED, numRuns: runs(100), endOnFailure: true },
  );
});

const traceDir = readdirSync(PROC_DIR).map((d) => join(PROC_DIR, d)).find((d) => readdirSync(d).some((f) => f.startsWith('trace')))!;
const traceFile = readdirSync(traceDir).find((f) => f.startsWith('trace'))!;
const TRACE = (() => {
  const raw = readFileSync(join(traceDir, traceFile));
  const text = (traceFile.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  return text.split('\n').slice(0, 400).join('\n');
})();

test('fuzz: garbled traces are parsed (bad lines counted) or refused in one line', () => {
  fc.assert(
    fc.property(garble(TRACE), (text) =>
      noInternalError('a garbled trace', text, () => {
        const bytes = Buffer.from(text, 'utf8');
        parseTraceBuffer(bytes);
        readTraceBuffer(bytes);
      }),
    ),
    { seed: SEED, numRuns: runs(40), endOnFailure: true },
  );
});

test('fuzz: garbled kpageflags images are summarised or refused in one line', () => {
  const words = new BigUint64Array(512);
  for (let i = 0; i < words.length; i++) words[i] = BigInt(i * 0x9e3779b1) & 0x3ffffffffffn;
  const base = new Uint8Array(words.buffer);
  fc.assert(
    fc.property(fc.nat({ max: base.length }), fc.nat({ max: 64 }), fc.uint8Array({ minLength: 0, maxLength: 24 }), (cut, drop, noise) => {
      const bytes = new Uint8Array([...base.subarray(0, cut), ...noise, ...base.subarray(Math.min(base.length, cut + drop))]);
      noInternalError('a garbled image', `${bytes.length} bytes`, () => void summarize(imageFromBytes(bytes, 'fuzz.kpageflags').words, { file: 'fuzz.kpageflags' }));
    }),
    { seed: SEED, numRuns: runs(100), endOnFailure: true },
  );
});
