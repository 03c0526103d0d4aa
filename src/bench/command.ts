/** `pagesim bench [--memory SIZE] [--json]`. */

import { parseArgs, parseSize } from '../cli/args.js';
import { InputError } from '../util/errors.js';
import { progressWanted } from '../util/progress.js';
import { formatBench, runBench } from './bench.js';
import { machineConfigProblem } from '../kernel/mm_init.js';

export async function benchCommand(argv: readonly string[]): Promise<number> {
  const a = parseArgs(argv, { flags: ['json'], options: ['memory'] }, 'bench');
  if (a.positional.length > 0) throw new InputError(`bench: unexpected argument "${a.positional[0]}"`);
  const memoryBytes = parseSize(a.options.get('memory')?.at(-1) ?? '16GiB', 'bench: --memory');
  const problem = machineConfigProblem({ memoryBytes, cpus: 2, nodes: 1 });
  if (problem !== null) throw new InputError(`bench: --memory: ${problem}`);
  // Progress on stderr, as every command shows it (src/util/progress.ts): never piped or in CI.
  const shown = progressWanted(process.stderr, process.env);
  const progress = shown ? (msg: string): void => void process.stderr.write(`\r\x1b[Kbench: ${msg}...`) : (): void => {};
  const report = await runBench(memoryBytes, progress);
  if (shown) process.stderr.write('\r\x1b[K');
  process.stdout.write(a.flags.has('json') ? `${JSON.stringify(report, null, 2)}\n` : `${formatBench(report)}\n`);
  return 0;
}
