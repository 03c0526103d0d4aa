/**
 * The fuzz figure of `pagesim bench`: the throughput of a campaign, as
 * `pagesim fuzz --variant netpp-v4 --seed 1 --jobs 1` runs one (programs
 * generated and mutated, each under netpp-v4 and baseline on kept
 * machines, every oracle on, coverage followed, findings shrunk), in
 * operations (steps under both stacks) per CPU second of the process.
 *
 * The first seconds of a campaign in a fresh process are mostly the
 * compiler's: the kernel's code, the generator's and the checker's are
 * compiled and compiled again as programs reach new paths. Those seconds
 * are the warm-up, reported apart; the figure is what the campaign does
 * after them, the median of windows of CPU time (a window that met a burst
 * of other work counts once, as any other).
 */

import { runCampaign } from './campaign.js';

export interface CampaignBench {
  readonly variant: string;
  /** The warm-up: CPU seconds, programs and operations, and its operations per CPU second. */
  readonly warmup: { readonly cpu_seconds: number; readonly programs: number; readonly ops: number; readonly ops_per_second: number };
  /** After the warm-up: CPU seconds, programs, operations, and the median of the windows' operations per CPU second. */
  readonly cpu_seconds: number;
  readonly programs: number;
  readonly ops: number;
  readonly ops_per_second: number;
  readonly windows: readonly number[];
}

function cpuSeconds(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

/** A campaign run for `warmup` CPU seconds, then `windows` windows of `window` CPU seconds each. */
export async function benchCampaign(warmup: number, windows: number, window: number): Promise<CampaignBench> {
  const variant = 'netpp-v4';
  const start = cpuSeconds();
  let warm: CampaignBench['warmup'] | null = null;
  const rates: number[] = [];
  let at = { cpu: start, programs: 0, ops: 0 };
  let from = at;
  await runCampaign({
    variant,
    seed: 1,
    jobs: 1,
    shard: { i: 0, n: 1 },
    misuse: false,
    feedback: true,
    progress: false,
    onBatch: (programs, ops) => {
      const cpu = cpuSeconds();
      if (warm === null) {
        if (cpu - start < warmup) return true;
        warm = { cpu_seconds: round(cpu - start), programs, ops, ops_per_second: Math.round(ops / (cpu - start)) };
        at = from = { cpu, programs, ops };
        return true;
      }
      if (cpu - at.cpu < window) return true;
      rates.push(Math.round((ops - at.ops) / (cpu - at.cpu)));
      at = { cpu, programs, ops };
      return rates.length < windows;
    },
  });
  const sorted = [...rates].sort((a, b) => a - b);
  return {
    variant,
    warmup: warm ?? { cpu_seconds: 0, programs: 0, ops: 0, ops_per_second: 0 },
    cpu_seconds: round(at.cpu - from.cpu),
    programs: at.programs - from.programs,
    ops: at.ops - from.ops,
    ops_per_second: sorted.length === 0 ? 0 : sorted[(sorted.length - 1) >> 1]!,
    windows: rates,
  };
}

function round(s: number): number {
  return Math.round(s * 100) / 100;
}
