/**
 * Child process of `pagesim bench`: boots a 64 GiB machine and prints its
 * boot time and the resident memory it added, per simulated page, as JSON.
 */

import { buildVariant, createMachine } from '../engine/build.js';

const built = buildVariant('baseline');
// Warm the code paths on a small machine so the measurement is of the steady state.
createMachine(built, { memoryBytes: 256 * 2 ** 20, cpus: 2, nodes: 1 });
const rss0 = process.memoryUsage().rss;
const t0 = process.hrtime.bigint();
const k = createMachine(built, { memoryBytes: 64 * 2 ** 30, cpus: 2, nodes: 1 });
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const rss1 = process.memoryUsage().rss;
process.stdout.write(`${JSON.stringify({ seconds, rssPerPage: (rss1 - rss0) / k.nr_pages })}\n`);
