/**
 * What a simulated kernel prints when a check fires, as structured data plus
 * the exact console text.
 *
 * kind:
 *   BUG       BUG() / VM_BUG_ON*: the run stops (the kernel would oops).
 *   WARN      WARN*() / VM_WARN*: printed, the run continues.
 *   printk    a complaint printed at a log level (pr_warn, pr_alert; warn_alloc's
 *             pr_warn and dump_stack) without WARN()'s banner and without tainting
 *             the kernel: printed, the run continues.
 *   bad_page  "BUG: Bad page state": printed, the page is leaked, the run continues.
 *   check     pagesim's whole-machine checker found an inconsistency.
 *   oops      a fault the kernel would take (a wild pointer dereference);
 *             reported like a BUG and it stops the run.
 */

export type ReportKind = 'BUG' | 'WARN' | 'printk' | 'bad_page' | 'check';

export interface Report {
  readonly kind: ReportKind;
  /** The kernel function whose check fired (for `check`, the checker's name). */
  readonly function: string;
  /** The non-inlined function the RIP would point into: what syzbot names in its title. */
  readonly rip: string;
  /** For bad_page the reason string; for BUG/WARN the dumped condition; for check what is wrong. */
  readonly reason: string;
  /** A one-line summary: `kernel BUG at mm/internal.h:96!`, `BUG: Bad page state in process ...`. */
  readonly message: string;
  /** The page the report is about, when there is one. */
  readonly pfn: number | null;
  /** The full console text, exactly as the kernel would print it. */
  readonly text: string;
  /** Index of the scenario step during which it was reported (set by the runner). */
  step?: number;
  /** An oops taken in interrupt context (an RCU callback from the softirq): the kernel panics. */
  readonly irq?: boolean;
  /**
   * The kernel's rate limit kept it off the console (bad_page(),
   * print_bad_page_map(): 60 a minute): `text` is what it would have printed.
   */
  readonly suppressed?: boolean;
}

/**
 * Thrown to unwind the simulated kernel when it BUGs. The runner catches it,
 * records the report and ends the run with outcome `bug`. Never escapes the
 * engine.
 */
export class KernelBug extends Error {
  constructor(readonly report: Report) {
    super(report.message);
    this.name = 'KernelBug';
  }
}

/** A place in the kernel source where a check lives. */
export interface Site {
  /** The kernel function that contains the check. */
  readonly fn: string;
  readonly file: string;
  readonly line: number;
  /** The condition exactly as written in the source (what `#cond` stringifies to). */
  readonly cond: string;
}
