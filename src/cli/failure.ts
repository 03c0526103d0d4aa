/**
 * How a command's error ends the command: its one line on stderr and the
 * exit status, 2 for bad input (InputError) and 3 for a pagesim bug.
 * Shared by cli() and main.ts's direct dispatch of `pagesim replay`.
 */

import { InputError } from '../util/errors.js';

/** The exit status and one line on stderr for an error a command threw. */
export function failure(e: unknown): number {
  if (e instanceof InputError) {
    process.stderr.write(`${e.oneLine()}\n`);
    return 2;
  } else {
    const err = e as Error;
    process.stderr.write(`pagesim: internal error: ${err?.message ?? String(e)} (this is a pagesim bug; please report it with the scenario)\n`);
    if (process.env['PAGESIM_DEBUG']) process.stderr.write(`${err?.stack ?? ''}\n`);
    return 3;
  }
}
