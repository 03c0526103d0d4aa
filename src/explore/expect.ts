/**
 * A scenario's `explore:` expectations judged against what the explorer
 * found: the failure signatures (each a substring of one found; `ok` means
 * no failing schedule) and, when stated, the numbers of schedules and end
 * states.
 */

import type { Scenario } from '../scenario/types.js';
import type { ExploreResult } from './search.js';

/** Expectations that did not hold, one sentence each; null when the scenario states none for the variant. */
export function judgeExplore(scn: Scenario, res: ExploreResult): string[] | null {
  const want = scn.exploreExpect?.get(res.variant);
  if (want === undefined) return null;
  const out: string[] = [];
  const found = [...res.failures.keys()];
  const where = `${scn.file}:${want.line}`;
  if (want.failures === 'ok') {
    if (found.length > 0) out.push(`${where}: expected no failing schedule under ${res.variant}, found ${found.join('; ')}`);
  } else {
    for (const sig of want.failures) if (!found.some((f) => f.includes(sig))) out.push(`${where}: expected a failing schedule with ${JSON.stringify(sig)} under ${res.variant}; ${found.length === 0 ? 'every schedule passed' : `found ${found.join('; ')}`}`);
    for (const f of found) if (!want.failures.some((sig) => f.includes(sig))) out.push(`${where}: under ${res.variant} a schedule failed with ${f}, which explore: does not list`);
  }
  if (want.schedules !== undefined && want.schedules !== res.schedules) out.push(`${where}: expected ${want.schedules} schedules under ${res.variant}, explored ${res.schedules}`);
  if (want.endStates !== undefined && want.endStates !== res.endStates.size) out.push(`${where}: expected ${want.endStates} end states under ${res.variant}, found ${res.endStates.size}`);
  return out;
}
