/**
 * `mkdir -p` for the output directories pagesim writes to (--out DIR).
 *
 * Node 20's mkdirSync(dir, { recursive: true }) never returns when the
 * parent exists but the kernel answers ENOENT for the child (a path under
 * /proc or /sys, `--out /proc/x`): it steps back to the parent on ENOENT
 * and forward again on EEXIST, for ever. This creates each missing
 * directory from the root down, once, and throws the first error as
 * mkdir(2) gave it (ENOENT, EEXIST for a file in the way of the last
 * directory, ENOTDIR for a file in the way of a parent, EACCES).
 */

import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function makeDirs(dir: string): void {
  const target = resolve(dir);
  const chain: string[] = [];
  for (let p = target; ; p = dirname(p)) {
    chain.push(p);
    if (dirname(p) === p) break;
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    const p = chain[i]!;
    try {
      mkdirSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let isDir = false;
      try {
        isDir = statSync(p).isDirectory();
      } catch {
        // A dangling symbolic link: not a directory.
      }
      if (isDir) continue;
      if (p === target) throw e;
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${chain[i - 1] ?? p}'`), { code: 'ENOTDIR' });
    }
  }
}
