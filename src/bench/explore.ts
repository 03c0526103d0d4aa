/**
 * `pagesim bench`'s explore figure (issue 9's targets): two CPUs with 12
 * atomic actions each, all on one page's refcount, explored exhaustively
 * (four folio_try_get()/folio_put() pairs a CPU under refcount-frozen-bit:
 * 1,240,484 schedules), target under 5 s; and the time to find the naive
 * frozen-bit variant's use-after-free in seed 004's try-get-vs-last-put
 * race, target under 1 s; and, without a target, the exhaustive search of
 * two munmap()s of one large folio's pages (rmap atomics, the TLB-gather
 * put and the unmap's lock sections: scenarios/unmap-race-large-folio.yaml).
 * The two races are the shipped scenarios. Medians of a few rounds, each
 * exploration in the same process as the other benchmarks (the explore
 * class is built once per variant, as a CLI run builds it).
 */

import { buildVariant } from '../engine/build.js';
import { opLookup } from '../engine/registry.js';
import { loadScenario, variantLookup } from '../engine/load.js';
import { parseScenario } from '../scenario/parse.js';
import { explore } from '../explore/search.js';
import { median } from './measure.js';
import { shippedScenarioPath } from '../util/package-root.js';
import type { Scenario } from '../scenario/types.js';

export interface ExploreBench {
  readonly scenario: string;
  readonly variant: string;
  readonly schedules: number;
  readonly states: number;
  readonly seconds: number;
  readonly schedules_per_second: number;
  readonly target_seconds: number;
  /** Finding and judging the naive variant's use-after-free (the whole exploration of that race). */
  readonly naive_uaf_seconds: number;
  readonly target_naive_uaf_seconds: number;
  /** Two CPUs unmapping the two pages of one folio (refcount-frozen-bit), exhaustive. */
  readonly unmap_schedules: number;
  readonly unmap_seconds: number;
  readonly met: boolean;
}

const TARGET_SECONDS = 5;
const TARGET_NAIVE_SECONDS = 1;

/** Two CPUs, each `pairs` folio_try_get()/folio_put() pairs on the page the setup holds. */
export function pairsScenario(pairs: number): string {
  const cpu = `  - - repeat:\n        times: ${pairs}\n        steps:\n          - folio_try_get: p\n          - folio_put: p\n`;
  return `name: explore-2x${3 * pairs}\nmachine: {memory: 64MiB, cpus: 2}\nsteps:\n  - alloc_pages: {gfp: GFP_KERNEL}\n    as: p\ncpus:\n${cpu}${cpu}`;
}

/** Exhaustive exploration of `scn` under variant `v`, `rounds` times, which must finish with no failing schedule: the median time and the search's counts. */
function exhaustClean(built: ReturnType<typeof buildVariant>, scn: Scenario, v: string, rounds: number): { seconds: number; schedules: number; states: number } {
  const times: number[] = [];
  let schedules = 0;
  let states = 0;
  for (let r = 0; r < rounds; r++) {
    const res = explore(built, scn, v);
    if (res.truncated || res.failing !== 0) throw new Error(`explore benchmark: the search of ${scn.name} did not finish clean`);
    times.push(res.elapsedMs / 1000);
    schedules = res.schedules;
    states = res.states;
  }
  return { seconds: median(times), schedules, states };
}

export function benchExplore(rounds: number): ExploreBench {
  const v = 'refcount-frozen-bit';
  const scn = parseScenario(pairsScenario(4), 'explore-2x12.yaml', opLookup, variantLookup);
  const built = buildVariant(v);
  const main = exhaustClean(built, scn, v, rounds);
  const naive = 'refcount-frozen-bit-naive';
  const race = loadScenario(shippedScenarioPath('seed-004-try-get-vs-last-put'));
  const naiveTimes: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const res = explore(buildVariant(naive), race, naive);
    naiveTimes.push((performance.now() - t0) / 1000);
    if (!res.failures.has('use-after-free')) throw new Error('explore benchmark: the naive variant\'s use-after-free was not found');
  }
  const unmap = exhaustClean(built, loadScenario(shippedScenarioPath('unmap-race-large-folio')), v, rounds);
  const seconds = main.seconds;
  const naiveSeconds = median(naiveTimes);
  return {
    scenario: scn.name,
    variant: v,
    schedules: main.schedules,
    states: main.states,
    seconds: Math.round(seconds * 1000) / 1000,
    schedules_per_second: Math.round(main.schedules / seconds),
    target_seconds: TARGET_SECONDS,
    naive_uaf_seconds: Math.round(naiveSeconds * 1000) / 1000,
    target_naive_uaf_seconds: TARGET_NAIVE_SECONDS,
    unmap_schedules: unmap.schedules,
    unmap_seconds: Math.round(unmap.seconds * 1000) / 1000,
    met: seconds < TARGET_SECONDS && naiveSeconds < TARGET_NAIVE_SECONDS,
  };
}

/** The bench report's line. */
export function formatExploreBench(e: ExploreBench): string {
  return `explore: 2 CPUs x 12 atomic actions on one refcount (${e.variant}), exhaustive: ${e.schedules.toLocaleString('en-US')} schedules (${e.states} states) in ${e.seconds.toFixed(2)} s, ${e.schedules_per_second.toLocaleString('en-US')} schedules/s (target < 5 s); the naive variant's use-after-free in ${e.naive_uaf_seconds.toFixed(2)} s (target < 1 s); two unmaps of one folio, exhaustive: ${e.unmap_schedules.toLocaleString('en-US')} schedules in ${e.unmap_seconds.toFixed(2)} s${e.met ? '' : '  *'}`;
}
