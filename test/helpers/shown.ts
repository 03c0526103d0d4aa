/**
 * The commands the docs test (test/docs.test.ts) ran in this process (in
 * it, or spawned), by their words as the document shows them: what they
 * printed (stdout and stderr interleaved, as a terminal shows them) and
 * their exit status. A
 * test of the same command run in the same process after the docs test
 * (scripts/test.mjs, `TOGETHER`) asserts on this run instead of making its
 * own; where the docs test did not run here, or its command has changed,
 * the test runs the command itself.
 */
export interface ShownRun {
  readonly status: number | null;
  readonly output: string;
  /** A command run in bash: the $TMPDIR it ran with, where the files it wrote under "${TMPDIR:-/tmp}" are. */
  readonly tmpdir?: string;
}

export const shownRuns = new Map<string, ShownRun>();
