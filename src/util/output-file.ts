/**
 * Failed writes of files and directories the user named (--out DIR,
 * --html FILE, a kpageflags image, the transpiled copy of a variant file):
 * one InputError in one wording for every command,
 *
 *   PATH: cannot write the HTML file (ENOENT: no such file or directory)
 *   PATH: cannot create the output directory (EEXIST: exists and is not a directory)
 *
 * and exit status 2, as for any other bad input (docs/limits.md). Output
 * to stdout that fails is not this: src/cli/entry.ts ends the process with
 * status 4 for it.
 */

import { accessSync, constants, statSync, writeFileSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from './errors.js';
import { makeDirs } from './make-dirs.js';

/** What the system's answer means, in a few words, for the codes a write or mkdir commonly gets. */
const WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'exists and is not a directory',
  ENAMETOOLONG: 'file name too long',
};

/** `CODE: words` for an errno error (the code alone when it is not a common one); the message for any other error. */
export function writeProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && code !== '') {
    const words = WORDS[code];
    return words === undefined ? code : `${code}: ${words}`;
  }
  return (e as Error | undefined)?.message ?? String(e);
}

/**
 * The bad-input error for a write (or, with `create`, a mkdir) of `path`
 * that failed with `e`. `what` names the output: "the HTML file", "the
 * image", "the output directory".
 */
export function unwritable(path: string, what: string, e: unknown, create = false): InputError {
  return new InputError(`cannot ${create ? 'create' : 'write'} ${what} (${writeProblem(e)})`, path);
}

/**
 * makeDirs(dir), then a check that files can be made in it (a directory
 * that exists may be read-only, or not the user's), so that a command
 * finds out before its work rather than after; a failure as unwritable().
 */
export function makeOutputDir(dir: string): void {
  try {
    makeDirs(dir);
  } catch (e) {
    throw unwritable(dir, 'the output directory', e, true);
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw unwritable(dir, 'in the output directory', e);
  }
}

/**
 * For a command that writes `file` after long work (replay --html): its
 * directory made and the file found writable now, so that the work is not
 * done for nothing; a failure as unwritable(). Nothing is written.
 */
export function checkOutputFile(file: string, what: string): void {
  try {
    makeParentDirs(file);
    let st: Stats | undefined;
    try {
      st = statSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (st?.isDirectory() === true) throw Object.assign(new Error(`EISDIR: ${file}`), { code: 'EISDIR' });
    accessSync(st === undefined ? dirname(file) : file, constants.W_OK);
  } catch (e) {
    throw unwritable(file, what, e);
  }
}

/**
 * The directories `file` goes in, made. A file in the way of the last of
 * them is, for `file`, a part of its path that is not a directory (ENOTDIR,
 * as open(2) would say), not a directory that exists (EEXIST).
 */
function makeParentDirs(file: string): void {
  try {
    makeDirs(dirname(file));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw Object.assign(new Error(`ENOTDIR: ${dirname(file)}`), { code: 'ENOTDIR' });
    throw e;
  }
}

/** writeFileSync(file, data) (with `parents`, the directories it goes in made first), a failure as unwritable(). */
export function writeOutputFile(file: string, what: string, data: string | Uint8Array, parents = false): void {
  try {
    if (parents) makeParentDirs(file);
    writeFileSync(file, data);
  } catch (e) {
    throw unwritable(file, what, e);
  }
}
