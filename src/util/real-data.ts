/**
 * Where the real captures are. The repository carries a few of them
 * (data/, described in data/README.md); the rest (the /proc files of many
 * machines, kpageflags images, the larger traces, each listed with its
 * source in their SOURCES.md) live in a directory of their own:
 * $PAGESIM_REAL_DATA when it is set, else `shared/data/real` beside the
 * repository's root. Tests that need one of them say so and skip when it
 * is absent; `pagesim bench` prefers the repository's copy.
 */

import { resolve } from 'node:path';
import { packageRoot } from './package-root.js';

/** The directory of real captures: $PAGESIM_REAL_DATA, or shared/data/real beside the repository. */
export function realDataDir(): string {
  const env = process.env['PAGESIM_REAL_DATA'];
  if (env !== undefined && env !== '') return resolve(env);
  return resolve(packageRoot(), '..', 'shared', 'data', 'real');
}
