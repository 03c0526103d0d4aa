/**
 * Scenario files (format v1): valid documents parse into exact structures,
 * bad ones fail with one InputError at the right line, and no input text
 * makes the parser throw anything else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { __GFP_COMP, GFP_KERNEL, GFP_NAMES } from '../src/kernel/gfp.js';
import { LIMITS } from '../src/kernel/config.js';
import { DEFAULT_MACHINE } from '../src/kernel/mm_init.js';
import { evalExpr, ExprEvalError, expandName, formatArg, formatExpect, MAX_REPEAT_DEPTH, MAX_STEP_NODES, parseScenario } from '../src/scenario/parse.js';
import type { ArgValue, Expr, HandleRef, OpLookup, OpSignature, OpStep, RepeatStep, ResultLiteral, Scenario, Step, VariantLookup } from '../src/scenario/types.js';
import { InputError } from '../src/util/errors.js';

// ---- A small fake operation registry and variant registry ----

const SIGNATURES: readonly OpSignature[] = [
  { name: 'alloc_pages', params: [{ name: 'gfp', type: 'gfp' }, { name: 'order', type: 'int', default: 0 }], result: 'page' },
  { name: '__free_pages', params: [{ name: 'page', type: 'page' }, { name: 'order', type: 'int', default: 0 }], result: 'void' },
  { name: 'check', params: [], result: 'void' },
  { name: 'drain_all_pages', params: [], result: 'void' },
  { name: 'proc', params: [{ name: 'file', type: 'string' }], result: 'text' },
  { name: 'page_ref_count', params: [{ name: 'page', type: 'page' }], result: 'int' },
  { name: 'vm_insert_page', params: [{ name: 'addr', type: 'int' }, { name: 'page', type: 'page' }], result: 'errno' },
  { name: 'kmem_cache_create', params: [{ name: 'name', type: 'string' }, { name: 'size', type: 'int' }, { name: 'align', type: 'int', default: 8 }], result: 'handle' },
  { name: 'kmem_cache_destroy', params: [{ name: 'cache', type: 'handle' }], result: 'void' },
  { name: 'set_page_dirty', params: [{ name: 'page', type: 'page' }, { name: 'dirty', type: 'bool', default: true }], result: 'bool' },
  { name: 'alloc_gfp', params: [{ name: 'gfp', type: 'gfp', default: 'GFP_KERNEL | __GFP_COMP' }], result: 'page' },
  { name: 'folio_alloc', params: [{ name: 'gfp', type: 'gfp', default: GFP_KERNEL }, { name: 'order', type: 'int', default: 0 }], result: 'page' },
];

const OPS: OpLookup = {
  get: (name) => SIGNATURES.find((s) => s.name === name),
  names: () => SIGNATURES.map((s) => s.name),
};

const KNOWN_VARIANTS = ['baseline', 'a', 'b', 'a+b'];
const VARIANTS: VariantLookup = {
  problem: (stack) => (KNOWN_VARIANTS.includes(stack) ? null : `unknown variant ${JSON.stringify(stack)}; variants are ${KNOWN_VARIANTS.join(', ')}`),
};

const parse = (text: string, file = 'a.yaml'): Scenario => parseScenario(text, file, OPS, VARIANTS);

// ---- Builders for expected structures ----

const num = (value: number): Expr => ({ kind: 'num', value });
const I: Expr = { kind: 'var' };
const bin = (op: '+' | '-' | '*' | '/', left: Expr, right: Expr): Expr => ({ kind: 'bin', op, left, right });
const neg = (arg: Expr): Expr => ({ kind: 'neg', arg });
const ref = (name: string, offset: Expr | null = null): HandleRef => ({ kind: 'handle', name, offset });
const int = (e: Expr | number): ArgValue => ({ kind: 'int', expr: typeof e === 'number' ? num(e) : e });
const gfp = (mask: number, text: string): ArgValue => ({ kind: 'gfp', mask, text });

function opStep(op: string, args: Record<string, ArgValue>, line: number, more: Partial<Omit<OpStep, 'kind' | 'op' | 'args' | 'line'>> = {}): OpStep {
  return { kind: 'op', op, args: new Map(Object.entries(args)), as: null, expect: null, cpu: null, show: false, line, ...more };
}

function repeat(times: Expr | number, steps: Step[], line: number): RepeatStep {
  return { kind: 'repeat', times: typeof times === 'number' ? num(times) : times, steps, line };
}

/** The steps of a scenario made of `body` (YAML lines of the steps list, indented by two). */
function stepsOf(body: string): readonly Step[] {
  return parse(`steps:\n${body}`).steps;
}

function onlyStep(body: string): OpStep {
  const s = stepsOf(body)[0]!;
  assert.equal(s.kind, 'op');
  return s;
}

/** Run `fn` and check it fails with one InputError at `file:line` whose message matches `re`. */
function assertInputError(fn: () => unknown, line: number, re: RegExp, file = 'a.yaml'): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
    assert.match(e.message, re);
    assert.equal(`${e.file}:${e.line}`, `${file}:${line}`, e.oneLine());
    assert.ok(!e.oneLine().includes('\n'), 'the report is one line');
    return true;
  });
}

const bad = (text: string, line: number, re: RegExp): void => assertInputError(() => parse(text), line, re);

// ---- Valid documents ----

test('a minimal scenario takes every default', () => {
  const s = parse('steps:\n  - check\n', 'scenarios/buddy/split.yaml');
  assert.deepEqual(s, {
    file: 'scenarios/buddy/split.yaml',
    name: 'split',
    description: '',
    machine: { memoryBytes: 2 ** 30, cpus: 2, nodes: 1 },
    variants: ['baseline'],
    steps: [opStep('check', {}, 2)],
    expect: new Map(),
    expectLines: new Map(),
  });
  assert.deepEqual(s.machine, { ...DEFAULT_MACHINE });
});

test('top level: name, description, machine sizes, variants and expect', () => {
  const s = parse(
    [
      'name: double free',
      'description: frees a page twice',
      'machine: {memory: 256MiB, cpus: 4, nodes: 2}',
      'variants: [baseline, a+b]',
      'steps: [check]',
      'expect:',
      '  baseline: ok',
      '  a+b:',
      '    - kind: BUG',
      '      function: __free_pages',
      '    - {reason: "page still charged", message: "Bad page state"}',
    ].join('\n'),
  );
  assert.equal(s.name, 'double free');
  assert.equal(s.description, 'frees a page twice');
  assert.deepEqual(s.machine, { memoryBytes: 256 * 2 ** 20, cpus: 4, nodes: 2 });
  assert.deepEqual(s.variants, ['baseline', 'a+b']);
  assert.deepEqual(
    s.expect,
    new Map([
      ['baseline', { kind: 'ok' }],
      ['a+b', { kind: 'reports', matchers: [{ kind: 'BUG', function: '__free_pages' }, { reason: 'page still charged', message: 'Bad page state' }] }],
    ]),
  );
  assert.deepEqual(s.expectLines, new Map([['baseline', 7], ['a+b', 8]]));
});

test('machine memory: byte counts, hex, sizes with short suffixes and expressions', () => {
  const memory = (v: string): number => parse(`machine: {memory: ${v}}\nsteps: [check]\n`).machine.memoryBytes;
  assert.equal(memory('1073741824'), 2 ** 30);
  assert.equal(memory('0x10000000'), 256 * 2 ** 20);
  assert.equal(memory('2G'), 2 * 2 ** 30);
  assert.equal(memory('512M'), 512 * 2 ** 20);
  assert.equal(memory('"4 * 1GiB"'), 4 * 2 ** 30);
  assert.equal(memory('65536K'), 64 * 2 ** 20);
});

test('arguments: a scalar goes to the first parameter, a mapping by name, defaults are filled in', () => {
  const steps = stepsOf(
    [
      '  - alloc_pages: GFP_KERNEL',
      '    as: p',
      '  - alloc_pages: {order: 3, gfp: GFP_KERNEL | __GFP_COMP}',
      '    as: q',
      '  - kmem_cache_create: {name: dentry, size: 192}',
      '    as: cache',
      '  - kmem_cache_destroy: cache',
      '  - set_page_dirty: {page: p, dirty: false}',
      '  - proc: meminfo',
      '  - alloc_gfp',
      '  - drain_all_pages:',
      '  - folio_alloc',
    ].join('\n'),
  );
  assert.deepEqual(steps, [
    opStep('alloc_pages', { gfp: gfp(GFP_KERNEL, 'GFP_KERNEL'), order: int(0) }, 2, { as: 'p' }),
    opStep('alloc_pages', { gfp: gfp(GFP_KERNEL | __GFP_COMP, 'GFP_KERNEL|__GFP_COMP'), order: int(3) }, 4, { as: 'q' }),
    opStep('kmem_cache_create', { name: { kind: 'string', value: 'dentry' }, size: int(192), align: int(8) }, 6, { as: 'cache' }),
    opStep('kmem_cache_destroy', { cache: ref('cache') }, 8),
    opStep('set_page_dirty', { page: ref('p'), dirty: { kind: 'bool', value: false } }, 9),
    opStep('proc', { file: { kind: 'string', value: 'meminfo' } }, 10),
    opStep('alloc_gfp', { gfp: gfp(GFP_KERNEL | __GFP_COMP, 'GFP_KERNEL|__GFP_COMP') }, 11),
    opStep('drain_all_pages', {}, 12),
    // A numeric gfp default reads the way the kernel prints masks.
    opStep('folio_alloc', { gfp: gfp(GFP_KERNEL, 'GFP_KERNEL'), order: int(0) }, 13),
  ]);
  // Arguments come out in parameter order whatever the order written.
  assert.deepEqual([...(steps[1] as OpStep).args.keys()], ['gfp', 'order']);
});

test('gfp masks: names joined by |, numbers, YAML numbers', () => {
  const mask = (v: string): ArgValue => onlyStep(`  - alloc_pages: {gfp: ${v}}\n`).args.get('gfp')!;
  assert.deepEqual(mask('"GFP_KERNEL|__GFP_COMP"'), gfp(GFP_KERNEL | __GFP_COMP, 'GFP_KERNEL|__GFP_COMP'));
  assert.deepEqual(mask('"  GFP_KERNEL  |  __GFP_ZERO "'), gfp(GFP_KERNEL | GFP_NAMES.get('__GFP_ZERO')!, 'GFP_KERNEL|__GFP_ZERO'));
  assert.deepEqual(mask('"GFP_KERNEL | 0x40000"'), gfp(GFP_KERNEL | __GFP_COMP, 'GFP_KERNEL|0x40000'));
  assert.deepEqual(mask('0xcc0'), gfp(0xcc0, '0xcc0'));
  assert.deepEqual(mask('"0xcc0"'), gfp(0xcc0, '0xcc0'));
  assert.deepEqual(mask('0'), gfp(0, '0'));
  assert.deepEqual(mask('0xffffffff'), gfp(0xffffffff, '0xffffffff'));
});

test('int arguments: decimal, hex, sizes, expressions; division truncates toward zero', () => {
  const order = (v: string): Expr => (onlyStep(`  - alloc_pages: {gfp: GFP_KERNEL, order: ${v}}\n`).args.get('order') as { expr: Expr }).expr;
  assert.deepEqual(order('3'), num(3));
  assert.deepEqual(order('0x10'), num(16));
  assert.deepEqual(order('4KiB'), num(4096));
  assert.deepEqual(order('2MiB / 4K'), bin('/', num(2 ** 21), num(4096)));
  assert.deepEqual(order('1 + 2 * 3'), bin('+', num(1), bin('*', num(2), num(3))));
  assert.deepEqual(order('(1 + 2) * 3'), bin('*', bin('+', num(1), num(2)), num(3)));
  assert.deepEqual(order('-(1 - 2) - -3'), bin('-', neg(bin('-', num(1), num(2))), neg(num(3))));
  assert.deepEqual(order('10 - 2 - 3'), bin('-', bin('-', num(10), num(2)), num(3)));
  assert.equal(evalExpr(order('10 - 2 - 3'), null), 5);
  assert.equal(evalExpr(order('-7 / 2'), null), -3);
  assert.equal(evalExpr(order('7 / -2'), null), -3);
  assert.equal(evalExpr(order('0x7f0000000000 + 3 * 4096'), null), 0x7f0000000000 + 3 * 4096);
  assert.equal(evalExpr(order('9007199254740991'), null), Number.MAX_SAFE_INTEGER);
});

test('page references: handle names with $i and offsets', () => {
  const steps = stepsOf(
    [
      '  - alloc_pages: {gfp: GFP_KERNEL, order: 4}',
      '    as: p',
      '  - __free_pages: p+3',
      '  - __free_pages: "p - 1"',
      '  - repeat:',
      '      times: 4',
      '      steps:',
      '        - alloc_pages: GFP_KERNEL',
      '          as: page_$i_x',
      '        - __free_pages: p$i + 1',
      '        - __free_pages: p + $i*2',
      '        - __free_pages: page_$i_x',
    ].join('\n'),
  );
  const pageOf = (s: Step | undefined): ArgValue => (s as OpStep).args.get('page')!;
  assert.deepEqual(pageOf(steps[1]), ref('p', num(3)));
  assert.deepEqual(pageOf(steps[2]), ref('p', neg(num(1))));
  const loop = (steps[3] as RepeatStep).steps;
  assert.deepEqual(pageOf(loop[1]), ref('p$i', num(1)));
  assert.deepEqual(pageOf(loop[2]), ref('p', bin('*', I, num(2))));
  assert.deepEqual(pageOf(loop[3]), ref('page_$i_x'));
  // The offset is the rest of the text read as arithmetic: p - 1 + 2 is p+1.
  const s = stepsOf('  - alloc_pages: GFP_KERNEL\n    as: p\n  - __free_pages: "p - 1 + 2"\n')[1]!;
  assert.equal(evalExpr((pageOf(s) as HandleRef).offset!, null), 1);
});

test('repeat: nesting, $i of the innermost loop, times from the enclosing $i', () => {
  const steps = stepsOf(
    [
      '  - repeat:',
      '      times: 3',
      '      steps:',
      '        - alloc_pages: {gfp: GFP_KERNEL, order: $i}',
      '          as: p$i',
      '        - repeat:',
      '            times: $i + 1',
      '            steps:',
      '              - __free_pages: {page: p$i, order: $i * 2}',
      '  - repeat: {times: 0, steps: [check]}',
    ].join('\n'),
  );
  assert.deepEqual(steps, [
    repeat(
      3,
      [
        opStep('alloc_pages', { gfp: gfp(GFP_KERNEL, 'GFP_KERNEL'), order: int(I) }, 5, { as: 'p$i' }),
        repeat(bin('+', I, num(1)), [opStep('__free_pages', { page: ref('p$i'), order: int(bin('*', I, num(2))) }, 10)], 7),
      ],
      2,
    ),
    repeat(0, [opStep('check', {}, 11)], 11),
  ]);
});

test('step modifiers: as, expect, cpu, show', () => {
  const s = onlyStep('  - alloc_pages: GFP_KERNEL\n    as: p\n    cpu: 1\n    show: true\n    expect: ~\n');
  assert.deepEqual(s, opStep('alloc_pages', { gfp: gfp(GFP_KERNEL, 'GFP_KERNEL'), order: int(0) }, 2, { as: 'p', cpu: 1, show: true, expect: { kind: 'null' } }));
  // Modifiers may come before the operation key; the step's line is where it starts.
  const t = onlyStep('  - as: p\n    alloc_pages: GFP_KERNEL\n');
  assert.equal(t.as, 'p');
  assert.equal(t.line, 2);
});

test('expect literals follow the result type', () => {
  const expectOf = (op: string, value: string): ResultLiteral =>
    stepsOf(`  - alloc_pages: GFP_KERNEL\n    as: p\n  - ${op}\n    expect: ${value}\n`)
      .map((s) => s as OpStep)
      .at(-1)!.expect!;
  assert.deepEqual(expectOf('page_ref_count: p', '1'), { kind: 'int', value: 1 });
  assert.deepEqual(expectOf('page_ref_count: p', '"2 * 3"'), { kind: 'int', value: 6 });
  assert.deepEqual(expectOf('page_ref_count: p', '-1'), { kind: 'int', value: -1 });
  assert.deepEqual(expectOf('page_ref_count: p', '-EINVAL'), { kind: 'errno', name: '-EINVAL', value: -22 });
  assert.deepEqual(expectOf('vm_insert_page: {addr: 0x7f0000000000, page: p}', '-EBUSY'), { kind: 'errno', name: '-EBUSY', value: -16 });
  assert.deepEqual(expectOf('vm_insert_page: {addr: 0, page: p}', '0'), { kind: 'int', value: 0 });
  assert.deepEqual(expectOf('set_page_dirty: p', 'false'), { kind: 'bool', value: false });
  assert.deepEqual(expectOf('proc: meminfo', '"MemTotal: 1 kB"'), { kind: 'string', value: 'MemTotal: 1 kB' });
  assert.deepEqual(expectOf('alloc_pages: GFP_KERNEL', 'null'), { kind: 'null' });
  assert.deepEqual(expectOf('alloc_pages: GFP_KERNEL', 'p+1'), { kind: 'handle', ref: ref('p', num(1)) });
  assert.deepEqual(expectOf('kmem_cache_create: {name: x, size: 8}', '~'), { kind: 'null' });
});

test('YAML anchors and aliases are followed', () => {
  const s = parse('steps:\n  - alloc_pages: &args {gfp: GFP_KERNEL, order: 2}\n    as: p\n  - alloc_pages: *args\n    as: q\n');
  assert.deepEqual((s.steps[1] as OpStep).args, (s.steps[0] as OpStep).args);
});

test('formatArg and formatExpect print values the way they were written', () => {
  const steps = stepsOf(
    [
      '  - alloc_pages: {gfp: GFP_KERNEL | __GFP_COMP, order: 3}',
      '    as: p',
      '  - vm_insert_page: {addr: 0x7f0000000000 + 2 * 4KiB, page: p+3}',
      '    expect: -ENOMEM',
      '  - proc: "zone\\tinfo"',
      '    expect: "a \\"b\\""',
      '  - repeat:',
      '      times: 2',
      '      steps:',
      '        - __free_pages: {page: "p$i - (1 + $i)", order: -(1 - $i) * 2}',
    ].join('\n'),
  );
  const call = (s: Step | undefined): string => {
    const o = s as OpStep;
    return `${o.op}(${[...o.args].map(([k, v]) => `${k}=${formatArg(v)}`).join(', ')})${o.expect === null ? '' : ` = ${formatExpect(o.expect)}`}`;
  };
  assert.equal(call(steps[0]), 'alloc_pages(gfp=GFP_KERNEL|__GFP_COMP, order=3)');
  assert.equal(call(steps[1]), 'vm_insert_page(addr=0x7f0000000000 + 2 * 4KiB, page=p+3) = -ENOMEM');
  assert.equal(call(steps[2]), 'proc(file="zone\\tinfo") = "a \\"b\\""');
  assert.equal(call((steps[3] as RepeatStep).steps[0]), '__free_pages(page=p$i-(1 + $i), order=-(1 - $i) * 2)');
  assert.equal(formatExpect({ kind: 'null' }), 'null');
  assert.equal(formatExpect({ kind: 'bool', value: true }), 'true');
  assert.equal(formatExpect({ kind: 'int', value: -5 }), '-5');
});

test('cpus: one list per CPU, each step on its CPU, final after them', () => {
  const scn = parse(
    [
      'machine: {cpus: 3}',
      'steps:',
      '  - alloc_pages: GFP_KERNEL',
      '    as: p',
      'cpus:',
      '  - - alloc_pages: GFP_KERNEL',
      '      as: q',
      '  - - page_ref_count: p',
      '  - - __free_pages: p',
      'final:',
      '  - __free_pages: q',
    ].join('\n'),
  );
  assert.equal(scn.cpus!.length, 3);
  assert.deepEqual(
    scn.cpus!.map((list) => list.map((s) => [(s as OpStep).op, (s as OpStep).cpu, s.line])),
    [[['alloc_pages', 0, 6]], [['page_ref_count', 1, 8]], [['__free_pages', 2, 9]]],
  );
  assert.deepEqual(scn.final!.map((s) => [(s as OpStep).op, (s as OpStep).cpu]), [['__free_pages', null]]);
  // An ordinary scenario has neither.
  const plain = parse('steps: [check]');
  assert.equal(plain.cpus, undefined);
  assert.equal(plain.final, undefined);
});

test('printed arguments parse back to the same values', () => {
  const written = ['p', 'p+3', 'p-1', 'p$i + 1', 'p + $i*2', 'p - (2 - $i) * 3', 'q_$i_x - -1'];
  for (const w of written) {
    const bind = '  - alloc_pages: GFP_KERNEL\n    as: p\n';
    const first = stepsOf(`${bind}  - repeat:\n      times: 1\n      steps:\n        - __free_pages: "${w}"\n`);
    const arg = ((first[1] as RepeatStep).steps[0] as OpStep).args.get('page')!;
    const again = stepsOf(`${bind}  - repeat:\n      times: 1\n      steps:\n        - __free_pages: "${formatArg(arg)}"\n`);
    const arg2 = ((again[1] as RepeatStep).steps[0] as OpStep).args.get('page')!;
    const off = (a: ArgValue): number | null => ((a as HandleRef).offset === null ? null : evalExpr((a as HandleRef).offset!, 5));
    assert.equal((arg2 as HandleRef).name, (arg as HandleRef).name, w);
    assert.equal(off(arg2), off(arg), w);
  }
});

test('evalExpr and expandName', () => {
  const e = bin('+', num(0x7f0000000000), bin('*', I, num(4096)));
  assert.equal(evalExpr(e, 3), 0x7f0000000000 + 3 * 4096);
  assert.throws(() => evalExpr(e, null), ExprEvalError);
  assert.throws(() => evalExpr(bin('/', num(1), I), 0), /division by zero/);
  assert.throws(() => evalExpr(bin('*', num(2 ** 52), I), 4), /beyond 2\^53-1/);
  assert.equal(evalExpr(bin('*', neg(num(0)), I), 3), 0);
  assert.ok(Object.is(evalExpr(bin('*', num(-1), I), 0), 0), 'no negative zero');
  assert.equal(expandName('page_$i_x', 12), 'page_12_x');
  assert.equal(expandName('p$i$i', 1), 'p11');
  assert.equal(expandName('p', null), 'p');
  assert.throws(() => expandName('p$i', null), ExprEvalError);
});

test('the handle check is conservative: loop-bound names, $i references and earlier loops pass', () => {
  const ok = [
    // A name bound inside a loop as p$i stands for p0, p1, ...
    '  - repeat: {times: 3, steps: [{alloc_pages: GFP_KERNEL, as: p$i}]}\n  - __free_pages: p2\n  - __free_pages: p17+1\n',
    // A concrete name bound inside an earlier loop.
    '  - repeat: {times: 1, steps: [{alloc_pages: GFP_KERNEL, as: last}]}\n  - __free_pages: last\n',
    // References with $i are left to the runner.
    '  - repeat: {times: 2, steps: [{__free_pages: q$i}]}\n',
    // Templates with text around $i.
    '  - repeat: {times: 2, steps: [{kmem_cache_create: {name: c, size: 8}, as: cache_$i_x}]}\n  - kmem_cache_destroy: cache_1_x\n',
  ];
  for (const body of ok) assert.doesNotThrow(() => stepsOf(body), body);
  bad('steps:\n  - repeat: {times: 3, steps: [{alloc_pages: GFP_KERNEL, as: p$i}]}\n  - __free_pages: q2\n', 3, /handle `q2` is not bound/);
  bad('steps:\n  - alloc_pages: GFP_KERNEL\n    as: p\n    expect: p\n', 4, /handle `p` is not bound by an earlier step/);
  bad('steps:\n  - alloc_pages: GFP_KERNEL\n    as: p\n  - kmem_cache_destroy: q\n', 4, /^kmem_cache_destroy: handle `q` is not bound/);
});

// ---- Bad documents ----

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/scenarios/', import.meta.url));

test('bad-input fixtures each fail at their line with their message', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 17, `found ${files.length} fixtures`);
  for (const f of files) {
    const text = readFileSync(FIXTURES + f, 'utf8');
    const m = /^# error: (\d+) \/(.*)\/\n/.exec(text);
    assert.ok(m !== null, `${f} starts with "# error: LINE /regex/"`);
    assertInputError(() => parseScenario(text, f, OPS, VARIANTS), Number(m[1]), new RegExp(m[2]!), f);
  }
});

test('YAML 1.2 with the core schema only: other versions, directives and tags are refused at their line', () => {
  bad('%YAML 1.1\n---\nsteps:\n  - alloc_pages: {order: 0b11}\n', 1, /^%YAML 1.1: scenarios are YAML 1.2 \(core schema\)/);
  bad('# a comment\n%YAML 1.3\n---\nsteps: [check]\n', 2, /Unsupported YAML version 1.3: scenarios are YAML 1.2/);
  bad('%FOO bar\n---\nsteps: [check]\n', 1, /Unknown directive %FOO/);
  bad('steps:\n  - check\n  - alloc_pages: !custom {order: 1}\n', 3, /unknown tag: !custom: only the tags of the YAML 1.2 core schema/);
  bad('steps:\n  - alloc_pages:\n      order: !!set {a}\n', 3, /unknown tag: !!set/);
  // What YAML 1.1 read as a boolean or a binary number is a string in 1.2, whatever the directive.
  bad('%YAML 1.1\n---\nsteps:\n  - alloc_pages: {order: yes}\n', 1, /%YAML 1.1/);
  bad('steps:\n  - alloc_pages: {order: yes}\n', 2, /order must be an integer expression, got "yes"/);
  bad('steps:\n  - alloc_pages: {order: 0b11}\n', 2, /order must be an integer expression, got "0b11"/);
  assert.equal(parse('%YAML 1.2\n---\nsteps:\n  - alloc_pages: {gfp: GFP_KERNEL, order: !!int "3"}\n').steps.length, 1);
});

test('YAML nesting is limited before the yaml library recurses: 1000 brackets or 300 nested repeats are one error', () => {
  bad(`steps: ${'['.repeat(1000)}${']'.repeat(1000)}\n`, 1, /^YAML nested more than 128 levels deep/);
  let deep = 'steps:\n';
  let ind = '  ';
  for (let i = 0; i < 300; i++) {
    deep += `${ind}- repeat:\n${ind}    times: 1\n${ind}    steps:\n`;
    ind += '      ';
  }
  deep += `${ind}- check\n`;
  assertInputError(() => parse(deep), 191, /^YAML nested more than 128 levels deep/);
  // Brackets and dashes inside strings, comments and block scalars are no nesting.
  const text = `description: |\n  ${'['.repeat(300)}\n  - - - - -\nname: "${'{'.repeat(300)}"\nsteps: # ${'['.repeat(300)}\n  - check\n`;
  assert.equal(parse(text).steps.length, 1);
  // The deepest scenario the step parser allows is far inside the limit.
  assert.doesNotThrow(() => parse(`steps:\n  - ${'{repeat: {times: 1, steps: ['.repeat(MAX_REPEAT_DEPTH)}check${']}}'.repeat(MAX_REPEAT_DEPTH)}\n`));
});

test('documents that are not scenarios', () => {
  bad('', 1, /a scenario must be a YAML mapping/);
  bad('# nothing\n', 1, /a scenario must be a YAML mapping/);
  bad('- check\n', 1, /a scenario must be a YAML mapping/);
  bad('name: x\n', 1, /missing "steps:"/);
  bad('steps: []\n', 1, /steps must be a non-empty list of steps/);
  bad('steps: check\n', 1, /steps must be a non-empty list/);
  bad('steps:\n  - check\n---\nsteps: [check]\n', 3, /YAML syntax error: Source contains multiple documents/);
  bad('steps:\n  - check\nsteps: [check]\n', 3, /YAML syntax error: Map keys must be unique/);
  bad('steps:\n  - "check\n', 3, /YAML syntax error: Missing closing "quote/);
  bad('steps:\n  - alloc_pages: *nope\n', 2, /alias "\*nope" refers to no earlier anchor/);
  bad('steps:\n  - alloc_pages: !!binary aGVsbG8=\n', 2, /unknown tag: !!binary: only the tags of the YAML 1.2 core schema/);
  bad('steps:\n  - [check]\n', 2, /a step must be an operation name/);
  bad('steps:\n  -\n  - check\n', 2, /a step must be an operation name/);
  bad('steps:\n  - check\n  -\n  - check\n', 3, /a step must be an operation name/);
  bad('steps:\n  - ? [a]\n    : 1\n', 2, /mapping keys must be plain names/);
  bad('name: 3\nsteps: [check]\n', 1, /^name must be a non-empty string, got 3$/);
  bad('steps: [check]\nname: ""\n', 2, /^name must be a non-empty string, got ""$/);
  assert.equal(parse('description:\nsteps: [check]\n').description, '');
});

test('bad steps', () => {
  bad('steps:\n  - alloc_page\n', 2, /^unknown operation "alloc_page" \(did you mean "alloc_pages"\?\)$/);
  bad('steps:\n  - alloc_pages\n', 2, /^alloc_pages needs gfp: write - alloc_pages: \{gfp: \.\.\.\}$/);
  bad('steps:\n  - repeat\n', 2, /^repeat needs a mapping/);
  bad('steps:\n  - check: now\n', 2, /^check takes no arguments, got "now"$/);
  bad('steps:\n  - alloc_pages: [GFP_KERNEL]\n', 2, /arguments must be one value or a mapping/);
  bad('steps:\n  - alloc_pages: {gfp: [GFP_KERNEL]}\n', 2, /^alloc_pages: gfp must be a single value, got a list$/);
  bad('steps:\n  - as: p\n', 2, /^a step needs an operation besides as, expect, cpu, show$/);
  bad('steps:\n  - alloc_pages: GFP_KERNEL\n    expcet: ~\n', 3, /^unknown operation "expcet" \(did you mean "expect"\?\)$/);
  bad('steps:\n  - check\n    expect: ~\n', 2, /YAML syntax error/);
  bad('steps:\n  - check:\n    expect: ~\n', 3, /^check returns nothing, so its step cannot have expect$/);
  bad('steps:\n  - page_ref_count: p\n', 2, /handle `p` is not bound/);
  bad('steps:\n  - proc: 42\n', 2, /^proc: file must be a string, got 42 \(quote it: "42"\)$/);
  bad('steps:\n  - proc:\n', 2, /^proc: missing required parameter "file"$/);
  bad('steps:\n  - proc: {file: }\n', 2, /^proc: file must be a string, got nothing$/);
  bad('steps:\n  - kmem_cache_create: {name: c, size: 8, align: 1.5}\n', 2, /^kmem_cache_create: align must be an integer expression, got 1.5$/);
});

test('bad argument values', () => {
  const order = (v: string): string => `steps:\n  - alloc_pages:\n      gfp: GFP_KERNEL\n      order: ${v}\n`;
  bad(order('three'), 4, /^alloc_pages: order must be an integer expression, got "three" \("three" is not a number, and no earlier step binds it with as:\)$/);
  bad(order('true'), 4, /^alloc_pages: order must be an integer expression, got true$/);
  bad(order('3 +'), 4, /expected a number, \$i, a name or "\(" but found end of expression/);
  bad(order('(3'), 4, /expected "\)" but found end of expression/);
  bad(order('3 3'), 4, /unexpected "3" at column 3/);
  bad(order('3GB'), 4, /\("3GB" is not a number; size suffixes are K, KiB, M, MiB, G, GiB\)$/);
  bad(order('"p + 1"'), 4, /\("p" is not a number, and no earlier step binds it with as:\)$/);
  bad(order('$j'), 4, /unknown variable "\$j"/);
  bad(order('1 / 0'), 4, /^alloc_pages: order must be an integer expression, got "1 \/ 0" \(divides by zero\)$/);
  bad(order('"($i) / (1 - 1)"'), 4, /^alloc_pages: order must be an integer expression, got "\(\$i\) \/ \(1 - 1\)" \(divides by zero\)$/);
  bad(order('99999999999999999999'), 4, /must be an integer expression, got 99999999999999999999/);
  bad(order('"99999999999999999999"'), 4, /is beyond 2\^53-1/);
  bad(order('"9007199254740991 + 1"'), 4, /9007199254740991 \+ 1 is beyond 2\^53-1/);
  bad(order(`"${'('.repeat(40)}1${')'.repeat(40)}"`), 4, /nested more than 32 deep/);
  bad(order(`"${'1+'.repeat(600)}1"`), 4, /at most 1024 characters/);
  const mask = (v: string): string => `steps:\n  - alloc_pages: {gfp: ${v}}\n`;
  bad(mask('"GFP_KERNEL |"'), 2, /^alloc_pages: gfp has an empty part/);
  bad(mask('gfp_kernel'), 2, /unknown gfp flag "gfp_kernel" \(did you mean "GFP_KERNEL"\?\)/);
  bad(mask('0x100000000'), 2, /must be a gfp mask of 32 bits, got 0x100000000/);
  bad(mask('"0x100000000"'), 2, /beyond 32 bits/);
  bad(mask('-1'), 2, /must be a gfp mask of 32 bits/);
  bad(mask('true'), 2, /must be a gfp mask such as GFP_KERNEL \| __GFP_COMP, got true/);
  bad('steps:\n  - __free_pages: 3\n', 2, /^__free_pages: page must be a page handle such as p, p\$i or p\+3, got 3$/);
  bad('steps:\n  - __free_pages: 3p\n', 2, /must be a handle name such as p, p\$i or p\+3, got "3p"/);
  bad('steps:\n  - alloc_pages: GFP_KERNEL\n    as: p\n  - __free_pages: p + x\n', 4, /^__free_pages: page offset must be an integer expression, got "x" \("x" is not a number, and no earlier step binds it with as:\)$/);
  bad('steps:\n  - kmem_cache_destroy: c+1\n', 2, /^kmem_cache_destroy: cache must be a handle name such as p or cache\$i \(no offset\), got "c\+1"$/);
  bad('steps:\n  - alloc_pages: GFP_KERNEL\n    as: p\n  - set_page_dirty: {page: p, dirty: 1}\n', 4, /dirty must be true or false, got 1/);
});

test('$i outside any repeat', () => {
  bad('steps:\n  - alloc_pages: GFP_KERNEL\n    as: p$i\n', 3, /^alloc_pages: as uses \$i outside any repeat/);
  bad('steps:\n  - __free_pages: p$i\n', 2, /^__free_pages: page uses \$i outside any repeat/);
  bad('steps:\n  - alloc_pages: GFP_KERNEL\n    as: p\n  - __free_pages: p+$i\n', 4, /uses \$i outside any repeat/);
  bad('steps:\n  - repeat: {times: $i, steps: [check]}\n', 2, /^repeat: times uses \$i outside any repeat/);
  // The runner replaces $i in string arguments (cache$i), so they need a repeat too.
  bad('steps:\n  - kmem_cache_create: {name: cache$i, size: 64}\n', 2, /^kmem_cache_create: name uses \$i outside any repeat/);
  const inLoop = stepsOf('  - repeat: {times: 2, steps: [{kmem_cache_create: {name: cache$i, size: 64}}]}\n');
  assert.deepEqual(((inLoop[0] as RepeatStep).steps[0] as OpStep).args.get('name'), { kind: 'string', value: 'cache$i' });
  bad('steps:\n  - repeat:\n      times: 2\n      steps:\n        - page_ref_count: p$i\n          expect: $i\n', 6, /^page_ref_count: expect must be a constant/);
});

test('bad modifiers and expect values', () => {
  const step = (mods: string, op = 'alloc_pages: GFP_KERNEL'): string => `steps:\n  - alloc_pages: GFP_KERNEL\n    as: p\n  - ${op}\n${mods}`;
  bad(step('    cpu: 2\n'), 5, /^alloc_pages: cpu must be a CPU number from 0 to 1 \(the machine has 2\), got 2$/);
  bad(step('    cpu: -1\n'), 5, /cpu must be a CPU number/);
  bad(step('    cpu: one\n'), 5, /cpu must be a CPU number/);
  bad(step('    show: 1\n'), 5, /^alloc_pages: show must be true or false, got 1$/);
  bad(step('    as: 1p\n'), 5, /^alloc_pages: as must be a handle name such as p or p\$i, got "1p"$/);
  bad(step('    as: p+1\n'), 5, /^alloc_pages: as must be a handle name such as p or p\$i, got "p\+1"$/);
  bad(step('    as: q\n', 'set_page_dirty: p'), 5, /^set_page_dirty: as binds a page, a handle or an integer, but set_page_dirty returns a bool$/);
  bad(step('    expect: true\n', 'page_ref_count: p'), 5, /^page_ref_count: expect must be an integer or an errno such as -EINVAL, got true$/);
  bad(step('    expect: ~\n', 'page_ref_count: p'), 5, /must be an integer or an errno such as -EINVAL, got ~/);
  bad(step('    expect: -EINVL\n', 'page_ref_count: p'), 5, /has unknown errno "-EINVL" \(did you mean "-EINVAL"\?\)/);
  bad(step('    expect: EINVAL\n', 'page_ref_count: p'), 5, /must be a negative errno: write -EINVAL/);
  bad(step('    expect: 3\n', 'proc: meminfo'), 5, /^proc: expect must be a string, got 3 \(quote it: "3"\)$/);
  bad(step('    expect: 0\n', 'set_page_dirty: p'), 5, /^set_page_dirty: expect must be true or false, got 0$/);
  bad(step('    expect: p+1\n', 'kmem_cache_create: {name: a, size: 1}'), 5, /no offset/);
  bad(step('    expect: [1]\n', 'page_ref_count: p'), 5, /^page_ref_count: expect must be a single value, got a list$/);
});

test('bad repeats', () => {
  bad('steps:\n  - repeat: {times: 2}\n', 2, /^repeat needs steps/);
  bad('steps:\n  - repeat: {steps: [check]}\n', 2, /^repeat needs times/);
  bad('steps:\n  - repeat: {times: 2, step: [check]}\n', 2, /^repeat has no key "step" \(did you mean "steps"\?\)/);
  bad('steps:\n  - repeat: {times: 2, steps: []}\n', 2, /^repeat: steps must be a non-empty list of steps$/);
  bad('steps:\n  - repeat: 3\n', 2, /^repeat takes a mapping/);
  bad('steps:\n  - repeat: {times: 2, steps: [check]}\n    as: p\n', 3, /^a repeat step has no other keys \(put "as" on the steps inside\)$/);
  bad('steps:\n  - repeat: {times: -1, steps: [check]}\n', 2, /^repeat: times must be from 0 to 1000000, got -1$/);
  bad(`steps:\n  - repeat: {times: ${LIMITS.repeatMax + 1}, steps: [check]}\n`, 2, /times must be from 0 to 1000000/);
  assert.doesNotThrow(() => parse(`steps:\n  - repeat: {times: ${LIMITS.repeatMax}, steps: [check]}\n`).steps);
});

test('bad machine, variants and top-level expect', () => {
  bad('machine: {memory: 1GiB, cpus: 0}\nsteps: [check]\n', 1, /^machine: cpus must be between 1 and 64$/);
  bad('machine:\n  nodes: 4\nsteps: [check]\n', 1, /^machine: every node needs at least one cpu$/);
  bad('machine:\n  memory: 102MiB\nsteps: [check]\n', 1, /multiple of 4MiB/);
  bad('machine:\n  cpu: 4\nsteps: [check]\n', 2, /^machine has no key "cpu" \(did you mean "cpus"\?\); its keys are memory, cpus, nodes, thp, rcu_grace_steps, panic_on_oops, page_owner$/);
  bad('machine: big\nsteps: [check]\n', 1, /^machine must be a mapping/);
  bad('machine:\n  cpus: two\nsteps: [check]\n', 2, /^machine: cpus must be an integer expression, got "two"/);
  bad('variants: baseline\nsteps: [check]\n', 1, /variants must be a non-empty list/);
  bad('variants: [a, a]\nsteps: [check]\n', 1, /variant "a" is listed twice/);
  bad('variants:\n  - a\n  - [b]\nsteps: [check]\n', 3, /a variant stack must be a name/);
  bad('steps: [check]\nexpect:\n  bogus: ok\n', 3, /^unknown variant "bogus"/);
  bad('steps: [check]\nexpect:\n  a: fine\n', 3, /^expect: a must be ok or a non-empty list of reports/);
  bad('steps: [check]\nexpect:\n  a: []\n', 3, /must be ok or a non-empty list/);
  bad('steps: [check]\nexpect:\n  a:\n    - {}\n', 4, /a report matcher needs at least one of kind, function, reason, message/);
  bad('steps: [check]\nexpect:\n  a:\n    - {fuction: f}\n', 4, /a report matcher has no key "fuction" \(did you mean "function"\?\)/);
  bad('steps: [check]\nexpect:\n  a:\n    - {function: 3}\n', 4, /^report function must be a non-empty string, got 3$/);
  bad('steps: [check]\nexpect:\n  a:\n    - BUG\n', 4, /a report matcher must be a mapping/);
  bad('steps: [check]\nexpect: ok\n', 2, /expect must be a mapping from variant stack/);
});

test('limits: step nodes in a file and repeat nesting', () => {
  const many = `steps:\n${'  - check\n'.repeat(MAX_STEP_NODES)}`;
  assert.equal(parse(many).steps.length, MAX_STEP_NODES);
  bad(`${many}  - check\n`, MAX_STEP_NODES + 2, /more than 100000 steps in one file/);
  const nest = (depth: number): string => `steps:\n  - ${'{repeat: {times: 1, steps: ['.repeat(depth)}check${']}}'.repeat(depth)}\n`;
  assert.doesNotThrow(() => parse(nest(MAX_REPEAT_DEPTH)));
  bad(nest(MAX_REPEAT_DEPTH + 1), 2, /repeat is nested more than 16 deep/);
  // A self-referencing alias is an endless nesting of repeats: the depth limit ends it.
  bad('steps: &s\n  - repeat: {times: 1, steps: *s}\n', 2, /repeat is nested more than 16 deep/);
  // Aliases cannot multiply steps past the limit either: every use counts.
  const levels = [`  - repeat: {times: 1, steps: &l0 [${Array(10).fill('check').join(', ')}]}`];
  for (let k = 1; k < 6; k++) levels.push(`  - repeat: {times: 1, steps: &l${k} [${Array(10).fill(`{repeat: {times: 1, steps: *l${k - 1}}}`).join(', ')}]}`);
  assert.throws(() => parse(`steps:\n${levels.join('\n')}\n`), (e: unknown) => e instanceof InputError && /more than 100000 steps in one file/.test(e.message));
});

// ---- No input makes the parser throw anything but an InputError ----

/**
 * Cases per property: 500 in npm test, 2000 in .ci/run's longer campaign
 * (PAGESIM_FUZZ_RUNS, as test/fuzz-inputs.test.ts takes it); each property
 * keeps its seed, so a failure reproduces.
 */
const RUNS = Number(process.env['PAGESIM_FUZZ_RUNS'] ?? 0) || 500;

/** Parses `text`; returns normally on success or an InputError, rethrows anything else. */
function parsesOrInputError(text: string): boolean {
  try {
    parse(text);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    assert.ok(typeof e.line === 'number' && e.line >= 1, `an InputError has a line: ${e.oneLine()}`);
    assert.ok(!e.oneLine().includes('\n'));
  }
  return true;
}

const VALID = `name: fuzz
description: a scenario to mutate
machine: {memory: 256MiB, cpus: 4, nodes: 1}
variants: [baseline, a+b]
steps:
  - alloc_pages: {gfp: GFP_KERNEL | __GFP_COMP, order: 3}
    as: p
    show: true
  - alloc_pages: GFP_NOWAIT
    expect: p
  - page_ref_count: p+3
    expect: 1
    cpu: 3
  - vm_insert_page: {addr: 0x7f0000000000 + 4KiB, page: p}
    expect: -EBUSY
  - repeat:
      times: 4
      steps:
        - alloc_pages: {gfp: 0xcc0, order: $i}
          as: q$i
        - repeat:
            times: $i + 1
            steps:
              - __free_pages: {page: q$i, order: ($i * 2) / 2}
  - kmem_cache_create: {name: dentry, size: 192}
    as: c
  - kmem_cache_destroy: c
  - proc: meminfo
    expect: "MemFree: 1 kB"
  - check
expect:
  baseline: ok
  a+b:
    - {kind: BUG, function: __free_pages, reason: double free, message: "page dumped"}
`;

test('the fuzz seed scenario is valid', () => {
  assert.doesNotThrow(() => parse(VALID));
});

/**
 * fast-check's 'binary' string unit (any code point but the surrogates),
 * drawing and shrinking the same characters. fast-check's own unit finds
 * which of its "dangerous" strings (`__proto__`...) it can draw by mapping
 * every one of the 1,112,064 code points back to its draw, about 2 s of CPU
 * before the first case; this one answers by range. `fc.string({ unit })`
 * with it draws the strings `fc.string({ unit: 'binary' })` draws, case for
 * case (checked for 5,000 cases of this test's seed with fast-check 4.10).
 */
class BinaryUnit extends fc.Arbitrary<string> {
  private readonly unit = fc.mapToConstant(
    { num: 0xd800, build: (i) => String.fromCodePoint(i) },
    { num: 0x110000 - 0xe000, build: (i) => String.fromCodePoint(0xe000 + i) },
  );
  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<string> {
    return this.unit.generate(mrng, biasFactor);
  }
  canShrinkWithoutContext(value: unknown): value is string {
    if (typeof value !== 'string' || value.length === 0) return false;
    const c = value.codePointAt(0)!;
    return String.fromCodePoint(c) === value && (c < 0xd800 || c >= 0xe000);
  }
  shrink(value: string, context: unknown): fc.Stream<fc.Value<string>> {
    return this.unit.shrink(value, context);
  }
}

test('property: random text never throws anything but an InputError', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: new BinaryUnit(), maxLength: 200 }), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1'))), parsesOrInputError),
    { seed: 20240607, numRuns: RUNS },
  );
});

test('the binary unit draws what fast-check\'s draws, case for case (in .ci/run\'s longer campaign: building fast-check\'s takes 2 s)', { skip: process.env['PAGESIM_FUZZ_RUNS'] === undefined }, () => {
  const draws = (unit: fc.Arbitrary<string> | 'binary'): string[] => fc.sample(fc.string({ unit, maxLength: 200 }), { seed: 20240607, numRuns: RUNS });
  assert.deepEqual(draws(new BinaryUnit()), draws('binary'));
});

/** Characters that matter to YAML and to scenario values, for mutations. */
const INTERESTING = [' ', '\n', '\t', ':', '-', '[', ']', '{', '}', ',', '"', "'", '&', '*', '!', '|', '>', '#', '$', 'i', '+', '/', '(', ')', '0', 'x', '~', '?', '%', '@', '`', '\u0000', '\u2028'];

const mutation = fc.oneof(
  // Delete a range.
  fc.tuple(fc.nat(), fc.nat({ max: 20 })).map(([at, n]) => (t: string) => t.slice(0, at % (t.length + 1)) + t.slice((at % (t.length + 1)) + n)),
  // Insert interesting characters.
  fc.tuple(fc.nat(), fc.array(fc.constantFrom(...INTERESTING), { minLength: 1, maxLength: 4 })).map(([at, cs]) => (t: string) => {
    const i = at % (t.length + 1);
    return t.slice(0, i) + cs.join('') + t.slice(i);
  }),
  // Replace a character.
  fc.tuple(fc.nat(), fc.constantFrom(...INTERESTING)).map(([at, c]) => (t: string) => {
    const i = at % (t.length + 1);
    return t.slice(0, i) + c + t.slice(i + 1);
  }),
  // Duplicate a line.
  fc.nat().map((at) => (t: string) => {
    const lines = t.split('\n');
    const i = at % lines.length;
    lines.splice(i, 0, lines[i]!);
    return lines.join('\n');
  }),
);

test('property: mutations of a valid scenario never throw anything but an InputError', () => {
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (ms) => parsesOrInputError(ms.reduce((t, m) => m(t), VALID))),
    { seed: 42, numRuns: RUNS },
  );
});

test('property: random values in every argument position never throw anything but an InputError', () => {
  const value = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string({ maxLength: 5 }), { maxLength: 2 }),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
  );
  const scenario = fc.record({
    op: fc.constantFrom(...SIGNATURES.map((s) => s.name), 'repeat', 'nope'),
    args: fc.oneof(value, fc.dictionary(fc.constantFrom('gfp', 'order', 'page', 'name', 'size', 'file', 'times', 'steps', 'dirty', 'x'), value, { maxKeys: 3 })),
    mods: fc.dictionary(fc.constantFrom('as', 'expect', 'cpu', 'show'), value, { maxKeys: 3 }),
  });
  fc.assert(
    fc.property(fc.array(scenario, { minLength: 1, maxLength: 4 }), (steps) => {
      const doc = { steps: steps.map((s) => ({ [s.op]: s.args, ...s.mods })) };
      return parsesOrInputError(stringify(doc));
    }),
    { seed: 7, numRuns: RUNS },
  );
});
