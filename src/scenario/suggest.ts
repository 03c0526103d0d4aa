/**
 * "Did you mean" hints for misspelt names (operations, parameters, keys,
 * gfp flags, errno names).
 */

/** Suggest only names this close: two typos, a swapped pair counts as two. */
const MAX_DISTANCE = 2;

/** Levenshtein distance (insertions, deletions and substitutions each cost 1). */
export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, substitute));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The closest candidate within MAX_DISTANCE (the first one on a tie), or
 * null. Case is ignored: `gfp_kernel` should find GFP_KERNEL.
 */
export function closest(word: string, candidates: Iterable<string>): string | null {
  const lower = word.toLowerCase();
  let best: string | null = null;
  let bestDistance = MAX_DISTANCE + 1;
  for (const c of candidates) {
    // The length difference bounds the distance from below: this skip keeps a
    // megabyte-long misspelt key from costing megabytes times every name.
    if (Math.abs(c.length - word.length) >= bestDistance) continue;
    const d = levenshtein(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** ` (did you mean "x"?)` when a candidate is close, else the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const c = closest(word, candidates);
  return c === null ? '' : ` (did you mean "${c}"?)`;
}
