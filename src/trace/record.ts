/**
 * The event record handed to `onEvent`, and the event kinds.
 */

/** Normalised event kinds (one per kmem page tracepoint, old names folded in). */
export type EventKind = 'alloc' | 'free' | 'free_batched' | 'alloc_zone_locked' | 'pcpu_drain' | 'extfrag';

/** All kinds, indexed by their numeric code (`TraceEvent.kindCode`). */
export const EVENT_KINDS: readonly EventKind[] = ['alloc', 'free', 'free_batched', 'alloc_zone_locked', 'pcpu_drain', 'extfrag'];

export const KIND_ALLOC = 0;
export const KIND_FREE = 1;
export const KIND_FREE_BATCHED = 2;
export const KIND_ZONE_LOCKED = 3;
export const KIND_PCPU_DRAIN = 4;
export const KIND_EXTFRAG = 5;

/**
 * One parsed event.
 *
 * The parser owns a single instance and overwrites it for every event, so a
 * record is VALID ONLY DURING THE `onEvent` CALLBACK: copy the fields you
 * need (or call `clone()`) before returning. Unknown numeric values are -1,
 * unknown booleans null.
 *
 * Failed allocations: an `mm_page_alloc` whose page is NULL (printed as
 * `page=(null)`, or as `pfn=0`, which is what 4.1+ kernels print for the
 * -1UL "no page" pfn) is reported with `failed = true` and `pfn = -1`. It is
 * still an 'alloc' event (counted in `byEvent.alloc` and `failedAllocs`); a
 * replayer should skip it.
 */
export class TraceEvent {
  /** Normalised kind. */
  event: EventKind = 'alloc';
  /** Index of `event` in EVENT_KINDS (handy for switch statements and arrays). */
  kindCode = 0;
  /** Tracepoint name as printed, e.g. `mm_page_free_direct` for a pre-3.3 trace. */
  name = '';
  /** Page frame number, or -1 when the line gives no way to know it. */
  pfn = -1;
  /** `order=`, or -1 when the event has none (extfrag has alloc/fallback orders instead). */
  order = -1;
  /** `migratetype=`, or -1 when absent. */
  migratetype = -1;
  /** Numeric gfp mask (see gfp.ts for how names and raw hex are treated), -1 when the event has no gfp_flags. */
  gfp = -1;
  /** `gfp_flags=` text as printed ('' when absent or empty). */
  gfpText = '';
  /** `percpu_refill=` of mm_page_alloc_zone_locked (before 5.19 it is just `order == 0`), else null. */
  percpuRefill: boolean | null = null;
  /** `cold=` of mm_page_free_batched / mm_pagevec_free (removed in 4.15), else null. */
  cold: boolean | null = null;
  /** Allocation failed (page NULL); pfn is then -1. */
  failed = false;
  /** Vendor `nr_free=` field (some Android 4.14 kernels), else -1. */
  nrFree = -1;
  /** CPU from the `[cpu]` column, -1 when the line has no prefix. */
  cpu = -1;
  /** Task pid (thread id), -1 when unknown. */
  pid = -1;
  /** Task comm as printed (`<...>` when ftrace no longer knew it), '' when the line has no prefix. */
  comm = '';
  /** Timestamp in microseconds, -1 when the line has none. Clocks printed as a bare integer (counter, x86-tsc) are passed through unscaled. */
  timestampUs = -1;
  /** 1-based line number in the input. */
  lineNo = 0;
  // mm_page_alloc_extfrag fields (-1 / null for other events).
  allocOrder = -1;
  fallbackOrder = -1;
  pageblockOrder = -1;
  allocMigratetype = -1;
  fallbackMigratetype = -1;
  fragmenting: boolean | null = null;
  changeOwnership: boolean | null = null;

  /** Clears the per-event fields (the prefix fields are overwritten by the prefix parser). */
  resetFields(): void {
    this.pfn = -1;
    this.order = -1;
    this.migratetype = -1;
    this.gfp = -1;
    this.gfpText = '';
    this.percpuRefill = null;
    this.cold = null;
    this.failed = false;
    this.nrFree = -1;
    this.allocOrder = -1;
    this.fallbackOrder = -1;
    this.pageblockOrder = -1;
    this.allocMigratetype = -1;
    this.fallbackMigratetype = -1;
    this.fragmenting = null;
    this.changeOwnership = null;
  }

  /** A copy that stays valid after the callback returns. */
  clone(): TraceEvent {
    return Object.assign(new TraceEvent(), this);
  }
}
