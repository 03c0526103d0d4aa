/**
 * Progress of long work on a terminal: one line on stderr, rewritten in
 * place at most ten times a second, erased when the work is done. Nothing
 * at all unless progressWanted() (src/util/progress.ts): stderr piped or
 * redirected, under tests, in CI.
 */

import { progressWanted } from '../util/progress.js';

export class Progress {
  private last = 0;
  private shown = false;

  constructor(private readonly enabled: boolean = progressWanted(process.stderr, process.env)) {}

  /** Shows `message` (rate limited unless `force`). */
  update(message: string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const width = terminalWidth();
    process.stderr.write(`\r${message.slice(0, width - 1).padEnd(Math.min(width - 1, 60))}`);
    this.shown = true;
  }

  /** Erases the line. */
  done(): void {
    if (!this.enabled || !this.shown) return;
    process.stderr.write(`\r${' '.repeat(terminalWidth() - 1)}\r`);
    this.shown = false;
  }
}

/** Columns of the terminal; 80 when it does not say (some report 0). */
function terminalWidth(): number {
  const c = process.stderr.columns;
  return c !== undefined && c > 10 ? c : 80;
}

/** A byte count as MiB with one decimal. */
export function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
