/**
 * `pagesim replay ARGS` in one process (no relaunch for huge pages,
 * PAGESIM_PHASES=1), this checkout's build, as test/early-inflate.test.ts
 * and test/replay-pipe.test.ts run it: a replay of the THP capture is a
 * second of CPU or more, and both files replay it with the same arguments.
 * scripts/test.mjs runs the two in one process, and the replay is made once
 * for both; alone, each makes its own.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './machine.js';

export interface ReplayRun {
  readonly status: number;
  readonly stdout: string;
  /** With the phase lines (PAGESIM_PHASES=1). */
  readonly stderr: string;
}

/** The capture both files replay whole. */
export const THP_CAPTURE = join(repoRoot, 'data', 'ftrace', 'firecracker-vm-6.18.44-x86_64-2cpu-24GB-thp-32x2MB');

/** The runs made here, by their arguments. */
const made = new Map<string, ReplayRun>();

/** Runs `pagesim replay ARGS` in one process, from `pkg`'s build (default this checkout's); this checkout's runs are made once per process. */
export function replayInOneProcess(args: readonly string[], pkg = repoRoot): ReplayRun {
  const key = args.join('\0');
  const kept = pkg === repoRoot ? made.get(key) : undefined;
  if (kept !== undefined) return kept;
  const env: NodeJS.ProcessEnv = { ...process.env, PAGESIM_PHASES: '1', PAGESIM_HUGEPAGES: '0' };
  delete env['GLIBC_TUNABLES'];
  const r = spawnSync(process.execPath, [join(pkg, 'dist', 'src', 'cli', 'main.js'), 'replay', ...args], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  const run = { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  if (pkg === repoRoot) made.set(key, run);
  return run;
}
