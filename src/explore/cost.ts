/**
 * The cost side of seed 004 ("improve folio refcount scalability"): for
 * each design, the atomic read-modify-writes and failed compare-and-swaps
 * per successful get, averaged over the schedules of N CPUs that each take
 * a speculative reference (folio_try_get) to one page and drop it again
 * while the page stays allocated. A CAS loop pays a failed cmpxchg and
 * another try whenever another CPU changed the count between its read and
 * its cmpxchg; an optimistic atomic_add_return never retries.
 *
 * Every N is explored exhaustively: every action is on the same word, so
 * partial-order reduction does not shrink the schedules (422 million for
 * four CPUs through the CAS loop), but they reach few distinct states, and
 * the search counts a state's schedules once (search.ts), cost counters
 * included.
 */

import { buildVariant } from '../engine/build.js';
import { opLookup } from '../engine/ops.js';
import '../engine/registry.js';
import { variantLookup } from '../engine/load.js';
import { parseScenario } from '../scenario/parse.js';
import { explore } from './search.js';

export interface CostRow {
  readonly variant: string;
  readonly cpus: number;
  /** 'stopped': the search reached its schedule limit, so the average is over the schedules run. */
  readonly mode: 'exhaustive' | 'stopped';
  readonly schedules: number;
  readonly gets: number;
  readonly rmwPerGet: number;
  readonly failedCasPerGet: number;
  readonly failing: number;
}

/** The scenario: the setup holds the page; each CPU gets and puts it. */
export function costScenario(n: number): string {
  const cpu = '  - - folio_try_get: p\n    - folio_put: p\n';
  return `name: cost-${n}-cpus\nmachine: {memory: 64MiB, cpus: ${n}}\nsteps:\n  - alloc_pages: {gfp: GFP_KERNEL}\n    as: p\ncpus:\n${cpu.repeat(n)}`;
}

export function costTable(variants: readonly string[], ns: readonly number[]): CostRow[] {
  const rows: CostRow[] = [];
  for (const n of ns) {
    const scn = parseScenario(costScenario(n), `cost-${n}.yaml`, opLookup, variantLookup);
    for (const v of variants) {
      const res = explore(buildVariant(v), scn, v);
      rows.push({
        variant: v,
        cpus: n,
        mode: res.truncated ? 'stopped' : 'exhaustive',
        schedules: res.schedules,
        gets: res.gets,
        rmwPerGet: res.gets === 0 ? 0 : res.rmw / res.gets,
        failedCasPerGet: res.gets === 0 ? 0 : res.failedCas / res.gets,
        failing: res.failing,
      });
    }
  }
  return rows;
}

export function formatCostTable(rows: readonly CostRow[]): string {
  const w = Math.max(6, ...rows.map((r) => r.variant.length));
  const out = [`${'design'.padEnd(w)}  CPUs  schedules           RMW/get  failed CAS/get  failing`];
  for (const r of rows) {
    const sched = `${r.schedules}${r.mode === 'stopped' ? ' (stopped)' : ''}`;
    out.push(`${r.variant.padEnd(w)}  ${String(r.cpus).padStart(4)}  ${sched.padEnd(18)}  ${r.rmwPerGet.toFixed(3).padStart(7)}  ${r.failedCasPerGet.toFixed(3).padStart(14)}  ${String(r.failing).padStart(7)}`);
  }
  out.push('RMW: atomic read-modify-writes (cmpxchg counted whether or not it wins), gets and puts together, per successful folio_try_get.');
  return out.join('\n');
}
