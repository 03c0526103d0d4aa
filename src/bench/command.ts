/** `pagesim bench`: placeholder until the benchmarks land (src/bench/bench.ts). */
import { InputError } from '../util/errors.js';

export function benchCommand(argv: readonly string[]): number {
  void argv;
  throw new InputError('bench: not built yet');
}
