/**
 * pagesim fuzz: the generator's programs are legal (under mainline they
 * never report, and the shrinker's replay accepts them), programs are pure
 * functions of (seed, index), a finding shrinks to a scenario that `pagesim
 * run` reproduces, a campaign finds the same whatever --jobs, and shards
 * merge to what one campaign finds. Kept small: speed and the seed targets
 * are measured by `pagesim fuzz --json` and `pagesim bench`, not here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './helpers/machine.js';
import { shownRuns } from './helpers/shown.js';
import '../src/engine/registry.js';
import { generateProgram, fuzzableOps } from '../src/fuzz/generate.js';
import { runOracles } from '../src/fuzz/oracle.js';
import { replay, shrink, findingScenario } from '../src/fuzz/shrink.js';
import { parseProgramYaml, programScenario } from '../src/fuzz/program.js';
import { runScenario } from '../src/engine/run.js';
import type { GStep } from '../src/fuzz/model.js';
import { mergeShards, runCampaign, type CampaignOptions } from '../src/fuzz/campaign.js';

const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

test('generated programs are legal: under baseline they never report, and their bodies replay through the specs', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: 10_000 }), (seed, index) => {
      const p = generateProgram(seed, index);
      assert.ok(p.body > 0 && p.steps.length > p.body, 'a body and a teardown');
      const { findings } = runOracles(p.steps, 'baseline');
      assert.deepEqual(findings, [], `seed ${seed} program ${index}`);
      const again = replay(p.steps.slice(0, p.body));
      assert.ok(again !== null, 'the body replays');
      // The teardown is made anew (its free choices, allow_direct say, drawn afresh): the same releases of the same objects.
      assert.deepEqual(again.map((s) => [s.op, Object.values(s.args).filter((v) => typeof v === 'object')]), p.steps.map((s) => [s.op, Object.values(s.args).filter((v) => typeof v === 'object')]));
    }),
    { numRuns: 12, seed: 8 },
  );
});

test('a program is a pure function of (seed, index)', () => {
  assert.deepEqual(generateProgram(5, 17), generateProgram(5, 17));
  assert.notDeepEqual(generateProgram(5, 17), generateProgram(5, 18));
  assert.notDeepEqual(generateProgram(5, 17), generateProgram(6, 17));
  assert.ok(fuzzableOps().length > 80, 'most operations are fuzzed');
});

test('a step that does not meet its needs is refused by the replay (a put without a reference)', () => {
  const body: GStep[] = [
    { op: 'alloc_pages', args: { gfp: { gfp: 'GFP_KERNEL' }, order: 0 }, as: 'p1' },
    { op: '__free_pages', args: { page: { h: 'p1' }, order: 0 } },
    { op: 'put_page', args: { page: { h: 'p1' } } },
  ];
  assert.equal(replay(body), null);
  assert.notEqual(replay(body.slice(0, 2)), null);
  // The wrong order is refused too: the spec derives it from the allocation.
  assert.equal(replay([body[0]!, { op: '__free_pages', args: { page: { h: 'p1' }, order: 1 } }]), null);
});

test('a pool destroyed under the socket: the program sleeps less than the 60 s after which the kernel rightly warns of a stalled shutdown', () => {
  // Seed 7's program 55642 of a baseline campaign, shrunk: the warning is the kernel's, right for this program, so it is no legal program.
  const stalled = (msecs: number, closeFirst: boolean): GStep[] => {
    const close: GStep = { op: 'tcp_close', args: {} };
    return [
      { op: 'page_pool_create', args: { order: 0 }, as: 'pool1' },
      { op: 'tcp_receive', args: { pool: { h: 'pool1' }, bytes: 1 } },
      { op: 'page_pool_destroy', args: { pool: { h: 'pool1' } } },
      ...(closeFirst ? [close, { op: 'msleep', args: { msecs } }] : [{ op: 'msleep', args: { msecs } }, close]),
    ];
  };
  const warns = (steps: GStep[]): string[] => runOracles(steps, 'baseline').findings.map((f) => f.signature);
  assert.equal(replay(stalled(61000, false)), null, 'a minute with the pages out is refused');
  // What the generator refuses is what the kernel warns about: the same steps run as given warn.
  assert.deepEqual(warns([...stalled(61000, false), { op: 'msleep', args: { msecs: 2000 } }]), ['model-bug printk page_pool_release_retry: stalled pool shutdown']);
  for (const ok of [stalled(1000, false), stalled(61000, true)]) {
    const full = replay(ok);
    assert.ok(full !== null, 'a second with the pages out, or a minute after they came back, is legal');
    assert.deepEqual(warns(full), []);
  }
  // Sixty sleeps of a second add up to the minute: the generator stops short of it.
  const many: GStep[] = stalled(1000, false).slice(0, 3);
  for (let i = 0; i < 61; i++) many.push({ op: 'msleep', args: { msecs: 1000 } });
  assert.equal(replay(many), null);
  assert.deepEqual(warns(many), ['model-bug printk page_pool_release_retry: stalled pool shutdown']);
  assert.notEqual(replay(many.slice(0, 3 + 59)), null);
});

test('free-keeps-type: a finding shrinks to a scenario that pagesim run reproduces', () => {
  let done = false;
  for (let i = 0; i < 60 && !done; i++) {
    const p = generateProgram(1, i);
    const f = runOracles(p.steps, 'free-keeps-type').findings.find((x) => x.reason === 'nonzero mapcount');
    if (f === undefined) continue;
    assert.equal(f.kind, 'bad_page');
    // Found on a 128 MiB machine with 2 CPUs, it shrinks to the least a scenario may name: 64 MiB, one CPU.
    const r = shrink(p.steps, p.body, 'free-keeps-type', f.signature, false, { mib: 128, cpus: 2 });
    assert.ok(r.steps.length <= 6, `shrunk to ${r.steps.length} steps`);
    assert.deepEqual(r.machine, { mib: 64, cpus: 1 });
    assert.ok(r.steps.some((s) => s.op.startsWith('__SetPage')), 'the typed page is kept');
    const sc = findingScenario(f, r.steps, 1, i, p.steps.length, r.machine);
    assert.equal(sc.reproduces, true);
    const scn = parseProgramYaml(sc.yaml, 'finding.yaml');
    assert.deepEqual([scn.machine.memoryBytes, scn.machine.cpus], [64 * 2 ** 20, 1]);
    assert.deepEqual(scn.variants, ['baseline', 'free-keeps-type']);
    assert.equal(runScenario(scn, 'baseline').outcome, 'ok');
    const under = runScenario(scn, 'free-keeps-type');
    assert.equal(under.expected, 'held');
    assert.ok(under.reports.some((x) => x.reason === 'nonzero mapcount'));
    done = true;
  }
  assert.ok(done, 'the finding came out of 60 programs');
});

test('netpp-v4: the differential oracle finds tcp_zerocopy_receive -EINVAL where baseline maps', () => {
  const steps: GStep[] = [
    { op: 'page_pool_create', args: { order: 0 }, as: 'pool1' },
    { op: 'mm_alloc', args: {}, as: 'm1' },
    { op: 'tcp_receive', args: { pool: { h: 'pool1' }, bytes: 4096 } },
    { op: 'tcp_mmap', args: { mm: { h: 'm1' }, addr: 0, len: 4096, write: false }, as: 'a1' },
    { op: 'tcp_zerocopy_receive', args: { mm: { h: 'm1' }, address: { ref: 'a1', add: 0 }, length: 4096 } },
  ];
  const full = replay(steps)!;
  assert.ok(full !== null);
  const { findings } = runOracles(full, 'netpp-v4');
  assert.deepEqual(
    findings.map((f) => [f.kind, f.function, f.step?.index]),
    [['differential', 'tcp_zerocopy_receive', 4]],
  );
  assert.equal(runScenario(programScenario(full, 'x', ['netpp-v4']), 'netpp-v4').steps[4]!.result, -22);
});

const base: CampaignOptions = { variant: 'free-keeps-type', seed: 1, runs: 10, jobs: 1, shard: { i: 0, n: 1 }, misuse: false, feedback: true, progress: false };
const comparable = (s: Awaited<ReturnType<typeof runCampaign>>): unknown => ({
  programs: s.summary.programs,
  ops: s.summary.ops,
  coverage: s.summary.coverage,
  functions: s.functions,
  findings: s.summary.findings.map((f) => [f.signature, f.program, f.steps, f.reproduces]),
});

test('a campaign finds the same whatever --jobs', async () => {
  const one = await runCampaign(base);
  const two = await runCampaign({ ...base, jobs: 2 });
  assert.ok(one.summary.findings.length > 0);
  assert.deepEqual(comparable(two), comparable(one));
});

test('shards keep their coverage feedback, and merged find what one campaign of as many lanes finds', async () => {
  // 48 programs in batches of 4 a lane: each shard's corpus feeds mutants after its first batch.
  const o = { ...base, runs: 48, batch: 4, shrink: false };
  const shards = [await runCampaign({ ...o, shard: { i: 0, n: 2 } }), await runCampaign({ ...o, shard: { i: 1, n: 2 }, jobs: 2 })];
  assert.ok(shards.every((s) => s.summary.mutants > 0), 'each shard ran mutants of its own corpus');
  const merged = mergeShards(shards);
  // One process running both lanes, batch by batch in index order: another path to the same programs.
  const lanes = await runCampaign({ ...o, lanes: 2 });
  assert.ok(lanes.summary.findings.length > 0);
  assert.equal(merged.summary.mutants, lanes.summary.mutants);
  assert.deepEqual(comparable(merged), comparable(lanes));
  // Feedback changes what runs: without it the same indexes are all fresh programs, and cover differently.
  const plain = await runCampaign({ ...o, lanes: 2, feedback: false });
  assert.equal(plain.summary.mutants, 0);
  assert.notDeepEqual(comparable(plain), comparable(lanes));
});

/** docs/variants.md's campaign of the TypeScript variant, which the docs test runs (test/helpers/shown.ts). */
const DOCS_FUZZ = 'pagesim fuzz --variant-file docs/examples/keep-type-on-free.ts --runs 40 --jobs 2 --out "${TMPDIR:-/tmp}/pagesim-fuzz-mine"';
interface FuzzSummary {
  variant: string;
  programs: number;
  findings: { kind: string; reason: string; variant: string; reproduces: boolean }[];
}

/**
 * A campaign of the TypeScript variant in two worker threads: docs/variants.md's,
 * where the docs test ran it in this process (scripts/test.mjs), read from the
 * summary it wrote (the same object --json prints), else one of 12 programs
 * run here with --json.
 */
function variantFileCampaign(): { summary: FuzzSummary; programs: number } {
  const shown = shownRuns.get(DOCS_FUZZ);
  const written = shown?.tmpdir === undefined ? undefined : join(shown.tmpdir, 'pagesim-fuzz-mine', 'shard-0-of-1.json');
  if (shown !== undefined && written !== undefined && existsSync(written)) {
    const summary = (JSON.parse(readFileSync(written, 'utf8')) as { summary: FuzzSummary }).summary;
    // A campaign that reports a finding exits 1 (docs/fuzz.md, "Exit status").
    assert.equal(shown.status, summary.findings.length > 0 ? 1 : 0, shown.output);
    // Nothing on stderr: what it printed is the summary's line and one line per finding.
    assert.equal(shown.output.trimEnd().split('\n').length, 1 + summary.findings.length, shown.output);
    return { summary, programs: 40 };
  }
  const r = spawnSync(process.execPath, [CLI, 'fuzz', '--variant-file', 'docs/examples/keep-type-on-free.ts', '--runs', '12', '--jobs', '2', '--json'], {
    encoding: 'utf8',
    cwd: repoRoot,
  });
  assert.equal(r.stderr, '');
  return { summary: JSON.parse(r.stdout) as FuzzSummary, programs: 12 };
}

test('a design loaded with --variant-file is fuzzed in worker threads like a shipped one', () => {
  const { summary, programs } = variantFileCampaign();
  assert.equal(summary.variant, 'keep-type-on-free');
  assert.equal(summary.programs, programs);
  const typed = summary.findings.find((f) => f.reason === 'nonzero mapcount');
  assert.ok(typed, `findings: ${summary.findings.map((f) => f.reason).join('; ')}`);
  assert.equal(typed.kind, 'bad_page');
  assert.equal(typed.reproduces, true);
});
