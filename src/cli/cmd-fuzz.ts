/**
 * `pagesim fuzz`: generate legal programs, run them under a design and its
 * base, shrink what the oracles find to scenarios (src/fuzz).
 */

import { availableParallelism } from 'node:os';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, parseSize } from './args.js';
import { DEFAULT_FUZZ_MACHINE, type FuzzMachine } from '../fuzz/program.js';
import { machineConfigProblem } from '../kernel/mm_init.js';
import { checkVariants } from './cmd-run.js';
import { InputError } from '../util/errors.js';
import { makeOutputDir } from '../util/output-file.js';
import { progressWanted } from '../util/progress.js';
import { mergeShards, runCampaign, type ShardFile, type Summary } from '../fuzz/campaign.js';
import { loadScenario, scenarioFiles } from '../engine/load.js';
import { runScenario } from '../engine/run.js';

export const FUZZ_HELP = `usage: pagesim fuzz [--variant V]... [--seed N] (--runs N | --time SECONDS) [--jobs N]
                   [--shard I/N] [--out DIR] [--json] [--misuse] [--no-feedback]
                   [--memory SIZE] [--cpus N]
       pagesim fuzz --replay DIR
       pagesim fuzz --merge FILE...

Generates legal programs from the operation registry (each operation says what
it needs and gives), runs each under the variant stack and under its base
(baseline, or A for a stack A+B), and reports what the oracles find: a BUG,
WARN, bad page or checker report the base does not make, a step result that
differs from the base's, pages not back after the teardown, and any report
under baseline itself (a model bug). Each finding is shrunk to a scenario that
'pagesim run' reproduces, written to --out DIR. Program i of a seed is the same
whatever --jobs; --shard I/N runs the indexes i % N == I (with coverage
feedback from its own programs) and --merge joins the shard files the shards
wrote to their --out.
--replay DIR runs the scenarios a campaign wrote (exit 1 if one no longer
holds). Programs run on a machine of --memory (default 64MiB) and --cpus (default
2); findings shrink to the fewest CPUs and least memory that still show them.
--runs defaults to 200. docs/fuzz.md explains it all.

Exit status: 1 when a campaign reported a finding (as libFuzzer and AFL exit
non-zero on a crash), 0 when it found nothing, 2 for bad input; --merge exits 1
when a shard it joins found something; --replay exits 1 when a scenario no
longer holds.`;

function intOption(a: ReturnType<typeof parseArgs>, name: string, min: number, max: number): number | undefined {
  const vs = a.options.get(name);
  if (vs === undefined) return undefined;
  if (vs.length > 1) throw new InputError(`fuzz: give --${name} once`);
  const v = vs[0]!;
  if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) throw new InputError(`fuzz: --${name} must be an integer from ${min} to ${max}, got "${v}"`);
  return Number(v);
}

export async function fuzzCommand(argv: readonly string[], help: (cmd: string) => number): Promise<number> {
  const a = parseArgs(argv, { flags: ['json', 'help', 'misuse', 'no-feedback'], options: ['variant', 'seed', 'runs', 'time', 'jobs', 'shard', 'out', 'replay', 'merge', 'memory', 'cpus'] }, 'fuzz');
  if (a.flags.has('help')) return help('fuzz');
  if (a.options.has('replay')) return replayDir(a.options.get('replay')!);
  if (a.options.has('merge')) {
    const files = [...a.options.get('merge')!, ...a.positional];
    const merged = mergeShards(files.map(readShard));
    printSummary(merged.summary, a.flags.has('json'));
    return findingsStatus([merged.summary]);
  }
  if (a.positional.length > 0) throw new InputError(`fuzz: unexpected argument "${a.positional[0]}"`);
  const variants = a.options.get('variant') ?? ['baseline'];
  checkVariants(variants);
  const seed = intOption(a, 'seed', 0, 2 ** 32 - 1) ?? 1;
  const time = intOption(a, 'time', 1, 7 * 86400);
  let runs = intOption(a, 'runs', 1, 100_000_000);
  if (time !== undefined && runs !== undefined) throw new InputError('fuzz: give --runs or --time, not both');
  if (time === undefined && runs === undefined) runs = 200;
  const jobs = intOption(a, 'jobs', 1, 64) ?? availableParallelism();
  const shard = parseShard(a.options.get('shard'));
  const machine = machineOption(a);
  const out = a.options.get('out');
  if (out !== undefined && out.length > 1) throw new InputError('fuzz: give --out once');
  const dirOf = (variant: string): string | undefined => (out === undefined ? undefined : variants.length > 1 ? join(out[0]!, variant) : out[0]!);
  // Every directory before the first campaign: one that cannot be written is refused before any work is done.
  for (const variant of variants) {
    const dir = dirOf(variant);
    if (dir !== undefined) makeOutputDir(dir);
  }
  const summaries: Summary[] = [];
  for (const variant of variants) {
    const dir = dirOf(variant);
    const r = await runCampaign({
      variant,
      seed,
      ...(runs !== undefined ? { runs } : {}),
      ...(time !== undefined ? { time } : {}),
      jobs,
      shard,
      misuse: a.flags.has('misuse'),
      feedback: !a.flags.has('no-feedback'),
      machine,
      ...(dir !== undefined ? { out: dir } : {}),
      // On stderr: stdout piped (`pagesim fuzz ... | tee`) does not silence it.
      progress: progressWanted(process.stderr, process.env),
    });
    summaries.push(r.summary);
    if (!a.flags.has('json')) printSummary(r.summary, false);
  }
  if (a.flags.has('json')) process.stdout.write(`${JSON.stringify(summaries.length === 1 ? summaries[0] : { campaigns: summaries }, null, 2)}\n`);
  return findingsStatus(summaries);
}

/**
 * A campaign's exit status: 1 when it reported a finding, 0 when it found
 * nothing, as a fuzzer's is (libFuzzer and AFL exit non-zero on a crash),
 * so that CI notices without reading the summary; `run` and the matrix
 * exit 1 on a failed expectation alike.
 */
function findingsStatus(summaries: readonly Summary[]): number {
  return summaries.some((s) => s.findings.length > 0) ? 1 : 0;
}

function machineOption(a: ReturnType<typeof parseArgs>): FuzzMachine {
  const mem = a.options.get('memory');
  if (mem !== undefined && mem.length > 1) throw new InputError('fuzz: give --memory once');
  const bytes = mem === undefined ? DEFAULT_FUZZ_MACHINE.mib * 2 ** 20 : parseSize(mem[0]!, '--memory');
  const cpus = intOption(a, 'cpus', 1, 64) ?? DEFAULT_FUZZ_MACHINE.cpus;
  const problem = machineConfigProblem({ memoryBytes: bytes, cpus, nodes: 1 });
  if (problem !== null) throw new InputError(`fuzz: ${problem}`);
  return { mib: bytes / 2 ** 20, cpus };
}

function parseShard(v: string[] | undefined): { i: number; n: number } {
  if (v === undefined) return { i: 0, n: 1 };
  const m = /^([0-9]+)\/([0-9]+)$/.exec(v[v.length - 1]!);
  if (m === null || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2]) || Number(m[2]) > 100_000) throw new InputError(`fuzz: --shard must be I/N with 0 <= I < N, got "${v[v.length - 1]}"`);
  return { i: Number(m[1]), n: Number(m[2]) };
}

function readShard(file: string): ShardFile {
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new InputError('give the shard-I-of-N.json files, not their directory', file);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError('cannot read the shard file (no such file)', file);
  }
  try {
    const s = JSON.parse(text) as ShardFile;
    if (typeof s.summary?.programs !== 'number' || !Array.isArray(s.functions)) throw new Error('shape');
    return s;
  } catch {
    throw new InputError('not a shard file pagesim fuzz --out wrote (shard-I-of-N.json)', file);
  }
}

function printSummary(s: Summary, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    return;
  }
  const lines = [`fuzz ${s.variant} (seed ${s.seed}, shard ${s.shard}): ${s.programs} programs, ${s.ops} operations (${s.ops_per_cpu_second} per CPU second), coverage ${s.coverage.functions} functions, ${s.coverage.sites} sites; ${s.findings.length} finding${s.findings.length === 1 ? '' : 's'}`];
  for (const f of s.findings) lines.push(`  ${f.signature}  [${f.variant}; program ${f.program}, ${f.from_steps} -> ${f.steps} steps${f.file !== null ? `: ${f.file}` : ''}]`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Runs the scenarios a campaign wrote: each under its variants, its expectations judged. */
function replayDir(dirs: readonly string[]): number {
  let failed = 0;
  let n = 0;
  const lines: string[] = [];
  for (const dir of dirs) {
    let files: string[];
    try {
      files = scenarioFiles(dir);
    } catch {
      throw new InputError('--replay: not a directory of scenarios', dir);
    }
    for (const file of files) {
      const scn = loadScenario(file);
      for (const v of scn.variants) {
        n++;
        const r = runScenario(scn, v);
        if (r.expected === 'failed') failed++;
        lines.push(`${r.expected === 'failed' ? 'FAILED' : 'held  '}  ${scn.name} [${v}]${r.expected === 'failed' ? `: ${r.failures[0]}` : ''}`);
      }
    }
  }
  lines.push(`${n - failed} held, ${failed} failed`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return failed > 0 ? 1 : 0;
}
