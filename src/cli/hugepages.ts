/**
 * Huge pages for the simulated machine's memory.
 *
 * A machine's memmap is one large ArrayBuffer (1 GiB of struct pages for a
 * 64 GiB machine) that boot writes from end to end. Node allocates such
 * buffers with glibc's calloc, which maps them with 4 KiB pages; where the
 * host's transparent huge pages are in `madvise` mode (Debian's and most
 * distributions' default) nothing asks for more, and a 64 GiB boot spends
 * most of its time in 262,144 page faults and the TLB misses after them.
 * glibc's tunable `glibc.malloc.hugetlb=1` makes malloc advise huge pages
 * (MADV_HUGEPAGE) for the chunks it maps, much as the kernel maps its own
 * vmemmap with PMD-sized pages. Tunables are read only when a process starts,
 * so the executable runs itself once more with the tunable set
 * (docs/performance.md, "Boot and replay's fixed cost", has the figures).
 *
 * Not done when: the host is not Linux, THP is `never`, the environment
 * already names the tunable (the user's choice wins), PAGESIM_HUGEPAGES=0,
 * or the command boots no large machine: the second start costs about 90 ms
 * (Node and the modules loaded twice), more than huge pages save below a few
 * GiB, and the shipped scenarios' machines are 64-512 MiB.
 */

import type { Writable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * node:child_process, loaded when a relaunch happens: asking whether to
 * relaunch is on the way of every `pagesim replay`, before its reader
 * thread starts (src/cli/main.ts), and loading the module costs some 7 ms
 * there when no relaunch follows (the environment names the tunable, as in
 * the bench's replays).
 */
function childProcess(): typeof import('node:child_process') {
  return createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
}

const TUNABLE = 'glibc.malloc.hugetlb';

/** The host's THP setting as /sys shows it (`always [madvise] never`), or undefined without THP. */
/** The host's transparent huge page setting (`always [madvise] never`), or undefined where it has none. */
export function thpSetting(): string | undefined {
  try {
    return readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8');
  } catch {
    return undefined;
  }
}

/** Machines from this size up boot faster with huge pages than the relaunch costs. */
const LARGE_MACHINE_BYTES = 4 * 2 ** 30;

/**
 * Whether the command line may boot a large machine: bench (64 GiB),
 * replay and view (the traced machine, 24 GiB for the shipped capture), or
 * any command given `--memory` of 4 GiB or more. A scenario file that
 * declares a large machine itself runs without huge pages unless
 * GLIBC_TUNABLES names the tunable (docs/performance.md).
 */
export function bootsLargeMachine(args: readonly string[]): boolean {
  if (args[0] === 'bench' || args[0] === 'replay' || args[0] === 'view') return true;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = a === '--memory' ? args[i + 1] : a.startsWith('--memory=') ? a.slice('--memory='.length) : undefined;
    const m = value === undefined ? null : /^(\d+)\s*([GT])iB$/i.exec(value);
    if (m !== null && Number(m[1]) * 2 ** (m[2]!.toUpperCase() === 'T' ? 40 : 30) >= LARGE_MACHINE_BYTES) return true;
  }
  return false;
}

/** Whether a process with this environment, on this host, should run itself again with huge pages advised. */
export function wantsRelaunch(env: NodeJS.ProcessEnv, platform: string, thp: string | undefined): boolean {
  if (platform !== 'linux' || env['PAGESIM_HUGEPAGES'] === '0') return false;
  if ((env['GLIBC_TUNABLES'] ?? '').includes(TUNABLE)) return false;
  return thp !== undefined && !thp.includes('[never]');
}

/**
 * Node reads the certificates NODE_EXTRA_CA_CERTS names, and with them
 * builds its store of every root certificate, at its start, on the main
 * thread, before any script runs (Node 20): 60-70 ms of CPU on the 2-core
 * VM for a bundle of some 140 (docs/performance.md, "Boot and replay's
 * fixed cost"). pagesim makes no TLS connection, so the process it runs
 * again for huge pages starts without it.
 */
const TLS_ONLY = 'NODE_EXTRA_CA_CERTS';

/** The environment of the relaunched process: the tunable appended to any the user set, and nothing only TLS reads. */
export function hugePageEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const tunables = env['GLIBC_TUNABLES'];
  const out: NodeJS.ProcessEnv = { ...env, GLIBC_TUNABLES: tunables ? `${tunables}:${TUNABLE}=1` : `${TUNABLE}=1` };
  delete out[TLS_ONLY];
  return out;
}

/** Whether this command line, in this process and on this host, is to run again with huge pages advised. */
export function relaunchWanted(args: readonly string[]): boolean {
  return bootsLargeMachine(args) && wantsRelaunch(process.env, process.platform, thpSetting());
}

/**
 * Runs the executable again with huge pages advised and gives the exit status
 * to end with, or undefined when this process should do the work itself (not
 * wanted, or the child could not be started). A child killed by a signal
 * kills this process with the same signal, so the shell sees what happened.
 */
export function relaunchWithHugePages(script: string, args: readonly string[]): number | undefined {
  if (!relaunchWanted(args)) return undefined;
  const child = childProcess().spawnSync(process.execPath, [...process.execArgv, script, ...args], { stdio: 'inherit', env: hugePageEnv(process.env) });
  if (child.error !== undefined) return undefined;
  if (child.signal !== null) process.kill(process.pid, child.signal);
  return child.status ?? 1;
}

/**
 * The same relaunch (the caller checked relaunchWanted()), with `env` added
 * and a pipe to the child as its descriptor 3, which `feed` writes to while
 * the child runs: `pagesim replay` reads its trace here for the child
 * (src/cli/cmd-replay.ts). Resolves to the exit status, or undefined when
 * the child could not be started.
 */
export function relaunchFeeding(script: string, args: readonly string[], env: NodeJS.ProcessEnv, feed: (pipe: Writable) => void): Promise<number | undefined> {
  const child = childProcess().spawn(process.execPath, [...process.execArgv, script, ...args], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'], env: { ...hugePageEnv(process.env), ...env } });
  return new Promise((resolve) => {
    child.once('error', () => resolve(undefined));
    child.once('spawn', () => feed(child.stdio[3] as Writable));
    child.once('exit', (code, signal) => {
      if (signal !== null) process.kill(process.pid, signal);
      resolve(code ?? 1);
    });
  });
}
