/**
 * Child process of `pagesim bench`, for the measurements that need a
 * process of their own, so that no other benchmark's machines, heap or
 * compiled code share it. Prints one JSON object.
 *
 *   boot-64g   boots a 64 GiB machine (after a warm-up boot of a small one):
 *              {"seconds", "rssPerPage"}
 *   replay     exact replay throughput, as `pagesim replay` sees it in its
 *              own process: the BenchReplayResult of benchReplay()
 */

import { buildVariant, createMachine } from '../engine/build.js';
import { benchReplay } from '../replay/bench.js';

async function main(what: string | undefined): Promise<unknown> {
  if (what === 'replay') return benchReplay(5);
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
