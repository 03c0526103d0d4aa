/**
 * Child process of `pagesim bench`, for the measurements that need a
 * process of their own, so that no other benchmark's machines, heap or
 * compiled code share it. Prints one JSON object.
 *
 *   boot-64g       boots a 64 GiB machine (after a warm-up boot of a small one):
 *                  {"seconds", "rssPerPage"}
 *   replay-loop    the exact replay's event loop alone: benchReplayLoop()
 *   multi-variant  the baseline pcp pair in this fresh process, then again after
 *                  every shipped scenario has run under each of its variants and
 *                  every shipped variant has booted and run pairs: MultiVariantResult
 *   fuzz           a fuzz campaign, its warm-up and then windows of it: benchCampaign()
 */

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';
import { buildVariant, createMachine } from '../engine/build.js';
import { loadScenario } from '../engine/load.js';
import { runScenario } from '../engine/run.js';
import { VARIANTS } from '../variants/index.js';
import { benchReplayLoop } from '../replay/bench.js';
import { pcpPairs, type MultiVariantResult } from './measure.js';
import { benchCampaign } from '../fuzz/bench.js';

// More, shorter rounds (the same pairs in all): at a load average of 15 one child's fresh
// median of 9 rounds of 100,000 pairs ranged from 74 to 129 ns.
const PAIRS = 60_000;
const ROUNDS = 15;

function multiVariant(): MultiVariantResult {
  const machine = (v: string): ReturnType<typeof createMachine> => createMachine(buildVariant(v), { memoryBytes: 2 ** 30, cpus: 2, nodes: 1 });
  const fresh = pcpPairs(machine('baseline'), PAIRS, ROUNDS);
  const stacks = new Set<string>();
  const dir = join(packageRoot(), 'scenarios');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) {
    const scn = loadScenario(join(dir, f));
    for (const v of scn.variants) {
      runScenario(scn, v);
      stacks.add(v);
    }
  }
  for (const v of VARIANTS) {
    pcpPairs(machine(v.name), 20_000, 1);
    stacks.add(v.name);
  }
  const after = pcpPairs(machine('baseline'), PAIRS, ROUNDS);
  return { fresh, after, stacks: stacks.size };
}

async function main(what: string | undefined): Promise<unknown> {
  if (what === 'replay-loop') return benchReplayLoop(5);
  if (what === 'multi-variant') return multiVariant();
  if (what === 'fuzz') return benchCampaign(6, 5, 1.2);
  if (what !== 'boot-64g') throw new Error(`unknown measurement ${String(what)}`);
  const built = buildVariant('baseline');
  createMachine(built, { memoryBytes: 256 * 2 ** 20, cpus: 2, nodes: 1 });
  const rss0 = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  const k = createMachine(built, { memoryBytes: 64 * 2 ** 30, cpus: 2, nodes: 1 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const rss1 = process.memoryUsage().rss;
  return { seconds, rssPerPage: (rss1 - rss0) / k.nr_pages };
}

process.stdout.write(`${JSON.stringify(await main(process.argv[2]))}\n`);
