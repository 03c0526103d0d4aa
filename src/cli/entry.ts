/**
 * What the pagesim executable runs (main.ts loads it, from the CLI's bundle
 * where the build made one): cli() on the process's arguments, and the exit
 * status set; output errors are handled here, where the process's streams
 * are. Only the modules a command needs are loaded: `pagesim replay`, whose
 * time from process start to JSON out is a measured figure
 * (docs/performance.md), goes straight to its command, which starts
 * reading the trace and then loads the replay's modules alone (from their
 * bundle where the build made one), not every command's.
 */

import { failure } from './failure.js';
import { relaunchWanted, relaunchWithHugePages } from './hugepages.js';
import { phase } from '../replay/phases.js';

/** Exit status when the output cannot be written (docs/limits.md lists every status). */
const EXIT_OUTPUT = 4;

/**
 * Output that cannot be written. A reader that went away (EPIPE: `pagesim
 * run X | head`) ends the process quietly with the status so far, as cat
 * does; any other write error (a full disk) is one line on stderr and exit
 * status 4, never a stack trace. Errors writing stderr itself are dropped.
 */
function outputError(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  try {
    process.stderr.write(`pagesim: cannot write output: ${e.code ?? e.message}${e.code === 'ENOSPC' ? ' (no space left on device)' : ''}\n`);
  } catch {
    // stderr is gone too: the status says it.
  }
  process.exit(EXIT_OUTPUT);
}

/**
 * Runs the command line `argv` (the process's arguments after the script) of
 * the executable `script`; resolves to the exit status, which it has set.
 */
export async function main(script: string, argv: readonly string[]): Promise<number> {
  process.stdout.on('error', outputError);
  process.stderr.on('error', () => undefined);
  phase('main');
  // The machine's memory wants huge pages, which glibc grants only to a process
  // started with its tunable set: run once more with it (src/cli/hugepages.ts).
  // A replay's first process reads the trace for the second meanwhile (src/cli/cmd-replay.ts).
  const variantFile = argv.some((a) => a === '--variant-file' || a.startsWith('--variant-file='));
  const relaunched =
    argv[0] === 'replay' && !variantFile && relaunchWanted(argv)
      ? await import('./cmd-replay.js').then((m) => m.relaunchReplay(script, argv))
      : relaunchWithHugePages(script, argv);
  if (relaunched !== undefined) process.exit(relaunched);
  const status: Promise<number> =
    argv[0] === 'replay' && !variantFile
      ? import('./cmd-replay.js').then((m) => m.replayCommand(argv.slice(1), true)).catch(failure)
      : import('./cli.js').then((m) => m.cli(argv));
  return status.then((code) => (process.exitCode = code));
}
