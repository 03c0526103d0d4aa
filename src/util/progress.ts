/**
 * When long work shows its progress: the one rule of every command (replay,
 * bench, fuzz, explore, run, diff, view). Progress is a line on stderr,
 * rewritten in place, so it is wanted when stderr is a terminal that can
 * do that (TERM is not "dumb") and the run is not in CI (CI set and not
 * empty, as CI services set it). Where stdout goes does not matter:
 * progress never goes there, so `pagesim fuzz ... | tee log` still shows
 * it, and piped or redirected stderr never gets a byte of it.
 */
export function progressWanted(stream: { readonly isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>): boolean {
  if (stream.isTTY !== true) return false;
  const ci = env['CI'];
  if (ci !== undefined && ci !== '') return false;
  return env['TERM'] !== 'dumb';
}
