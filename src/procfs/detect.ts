/**
 * Recognise which /proc file a text is from by its first line, so tools can
 * take a capture without being told its kind.
 */
export type ProcFileKind = 'buddyinfo' | 'pagetypeinfo' | 'zoneinfo' | 'vmstat' | 'meminfo';

/** First-line patterns, tried in order; zoneinfo before buddyinfo, whose rows extend its header. */
const SIGNATURES: readonly [ProcFileKind, RegExp][] = [
  ['pagetypeinfo', /^Page block order: \d+$/],
  ['zoneinfo', /^Node \d+, zone +\S+$/],
  ['buddyinfo', /^Node \d+, zone +\S+( +\d+)+ $/],
  ['meminfo', /^[^:\s][^:]*: +\d+( kB)?$/],
  ['vmstat', /^[a-z][a-z0-9_]* \d+$/],
];

export function detectProcFile(text: string): ProcFileKind | null {
  const end = text.indexOf('\n');
  const first = end === -1 ? text : text.slice(0, end);
  return SIGNATURES.find(([, pattern]) => pattern.test(first))?.[0] ?? null;
}
