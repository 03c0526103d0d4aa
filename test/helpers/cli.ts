/**
 * `pagesim ARGS` as a test sees it: exit status, stdout, stderr. Commands
 * that finish synchronously (most) run in this process, through the same
 * cli() the executable calls, with the process's output captured: what a
 * spawn would show, without starting Node and loading every module again
 * for each command (about 0.4 s of CPU a spawn, a third of the suite's
 * time). Commands that load variant files or start workers (fuzz, replay,
 * bench, --variant-file) are spawned, as are the tests of the executable
 * itself (exit status on a closed pipe or a full disk, `node main.js`).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cli } from '../../src/cli/cli.js';
import { repoRoot } from './machine.js';

export const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  /** In-process: stdout and stderr in the order they were written, as `2>&1` shows them (spawned: stdout, then stderr). */
  readonly output: string;
}

export interface CliOptions {
  /** Environment variables to set for the command (undefined: unset). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory to run in (default: the repository root). */
  readonly cwd?: string;
}

/** Commands that go asynchronous (workers, streamed input, loaded modules): spawned. */
const SPAWNED = new Set(['fuzz', 'replay', 'bench']);

/** Whether pagesim() runs these arguments in this process (else it spawns them). `bench --help` only prints. */
export function runsInProcess(args: readonly string[]): boolean {
  const printsHelp = args[0] === 'bench' && args.includes('--help');
  return (printsHelp || !SPAWNED.has(args[0] ?? '')) && !args.some((a) => a === '--variant-file' || a.startsWith('--variant-file='));
}

/** Runs `pagesim ARGS` and gives its status and output. */
export function pagesim(args: readonly string[], opts: CliOptions = {}): CliResult {
  return runsInProcess(args) ? inProcess(args, opts) : spawnCli(args, opts);
}

/** Runs `node dist/src/cli/main.js ARGS` in a child process. */
export function spawnCli(args: readonly string[], opts: CliOptions = {}): CliResult {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: opts.cwd ?? repoRoot, env, maxBuffer: 256 << 20 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, output: r.stdout + r.stderr };
}

type Write = typeof process.stdout.write;

function inProcess(args: readonly string[], opts: CliOptions): CliResult {
  const out: string[] = [];
  const err: string[] = [];
  const both: string[] = [];
  const capture = (into: string[]): Write =>
    ((chunk: string | Uint8Array, encoding?: BufferEncoding | ((e?: Error | null) => void), cb?: (e?: Error | null) => void): boolean => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      into.push(text);
      both.push(text);
      const done = typeof encoding === 'function' ? encoding : cb;
      if (done !== undefined) queueMicrotask(() => done(null));
      return true;
    }) as Write;
  const saved = { out: process.stdout.write, err: process.stderr.write, cwd: process.cwd(), env: new Map<string, string | undefined>() };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    saved.env.set(k, process.env[k]);
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const cwd = opts.cwd ?? repoRoot;
  if (cwd !== saved.cwd) process.chdir(cwd);
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  let status: number | Promise<number>;
  try {
    status = cli(args);
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    if (cwd !== saved.cwd) process.chdir(saved.cwd);
    for (const [k, v] of saved.env) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  if (typeof status !== 'number') throw new Error(`pagesim ${args.join(' ')} went asynchronous: add its command to SPAWNED in test/helpers/cli.ts`);
  return { status, stdout: out.join(''), stderr: err.join(''), output: both.join('') };
}
