/**
 * The two rate limits on the kernel's bad page reports, as the linux-mm
 * 7.3-rc5 tree applies them. Both allow a burst of 60 reports a minute;
 * they differ in what they print when they let reports through again:
 *
 * - bad_page() (mm/page_alloc.c) uses DEFINE_RATELIMIT_STATE(60 * HZ, 60)
 *   and __ratelimit() (lib/ratelimit.c, the v6.17 rework): the first call
 *   starts the interval; past its end the next call starts a new one and,
 *   if calls were missed, prints "bad_page: N callbacks suppressed" first.
 *   A suppressed bad_page() still clears PageBuddy and taints B.
 * - print_bad_page_map() (mm/memory.c) keeps its own counters
 *   (is_bad_page_map_ratelimited()): after 60 shown it stays quiet until a
 *   minute after the first of them, then prints "BUG: Bad page map: N
 *   messages suppressed" and starts counting again. A suppressed report
 *   returns before anything else, the taint included.
 *
 * Time is the machine's jiffies, which only an msleep step advances.
 */

/** include/linux/jiffies.h time_after(a, b) on unsigned long. */
function time_after(a: number, b: number): boolean {
  return b - a < 0;
}

/** struct ratelimit_state: the fields ___ratelimit() reads on one CPU with the lock taken. */
export class RatelimitState {
  begin = 0;
  initialized = false;
  n_left = 0;
  missed = 0;
  constructor(
    readonly interval: number,
    readonly burst: number,
  ) {}
}

/**
 * ___ratelimit(rs, func): whether the caller may print, and the line it
 * prints first (KERN_WARNING "func: N callbacks suppressed") when a new
 * interval begins after missed calls, else null.
 */
export function ___ratelimit(rs: RatelimitState, jiffies: number, func: string): { ok: boolean; line: string | null } {
  let line: string | null = null;
  if (!rs.initialized) {
    rs.begin = jiffies;
    rs.initialized = true;
    rs.n_left = rs.burst;
  }
  // time_is_before_jiffies(begin + interval)
  if (time_after(jiffies, rs.begin + rs.interval)) {
    rs.n_left = rs.burst;
    rs.begin = jiffies;
    const m = rs.missed;
    rs.missed = 0;
    if (m !== 0) line = `${func}: ${m} callbacks suppressed`;
  }
  if (rs.burst !== 0 && --rs.n_left >= 0) return { ok: true, line };
  rs.missed++;
  return { ok: false, line };
}

/** The static counters of is_bad_page_map_ratelimited() (mm/memory.c). */
export class BadPageMapRatelimit {
  resume = 0;
  nr_shown = 0;
  nr_unshown = 0;
}

/**
 * is_bad_page_map_ratelimited(): true when the report is to be dropped;
 * `line` is the "messages suppressed" line printed before a report that
 * ends a quiet minute.
 */
export function is_bad_page_map_ratelimited(st: BadPageMapRatelimit, jiffies: number, HZ: number): { limited: boolean; line: string | null } {
  let line: string | null = null;
  if (st.nr_shown === 60) {
    // time_before(jiffies, resume)
    if (time_after(st.resume, jiffies)) {
      st.nr_unshown++;
      return { limited: true, line: null };
    }
    if (st.nr_unshown !== 0) {
      line = `BUG: Bad page map: ${st.nr_unshown} messages suppressed`;
      st.nr_unshown = 0;
    }
    st.nr_shown = 0;
  }
  if (st.nr_shown++ === 0) st.resume = jiffies + 60 * HZ;
  return { limited: false, line };
}
