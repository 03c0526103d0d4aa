/**
 * The executable's two ways to load (scripts/build-cli.mjs, src/cli/main.ts):
 * main.js runs the one-script bundle with its code cache while the bundle is
 * newer than every module in it, and the ES modules otherwise. A test runs
 * the bundle from this checkout's build, and the ES modules from a copy of
 * dist/src in a directory of its own made stale, so that the build the
 * other tests use is not touched.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './machine.js';

/** A copy of the built package in a new directory: dist/src copied with its files' times, the rest linked. */
export function copyOfBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-cli-bundle-'));
  mkdirSync(join(dir, 'dist'));
  cpSync(join(repoRoot, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true, preserveTimestamps: true });
  cpSync(join(repoRoot, 'package.json'), join(dir, 'package.json'));
  for (const d of ['node_modules', 'scenarios', 'schema', 'data', 'scripts']) symlinkSync(join(repoRoot, d), join(dir, d));
  return dir;
}

/** A copy of the build whose bundle is stale (one module rebuilt after it): its main.js loads the ES modules. */
export function staleCopyOfBuild(): string {
  const stale = copyOfBuild();
  const later = statSync(join(stale, 'dist', 'src', 'cli', 'main.bundle.cjs')).mtimeMs / 1000 + 10;
  utimesSync(join(stale, 'dist', 'src', 'util', 'errors.js'), later, later);
  return stale;
}

export interface PackageRun {
  status: number | null;
  stdout: string;
  /** stderr without the phase lines. */
  stderr: string;
  /** What main.js said it loaded: `CLI bundle, code cache taken|rejected|none` or `ES modules`. */
  loaded: string[];
}

/** What main.js said it loaded (PAGESIM_PHASES=1), and stderr without the phase lines. */
export function loadedBy(stderr: string): { loaded: string[]; rest: string } {
  const loaded: string[] = [];
  const rest = stderr
    .split('\n')
    .filter((line) => {
      const m = /^phase \S+ [\d.]+ (.*?) \(process CPU/.exec(line);
      if (m !== null && /^(CLI bundle|ES modules)/.test(m[1]!)) loaded.push(m[1]!);
      return m === null;
    })
    .join('\n');
  return { loaded, rest };
}

/** Runs the package at `pkg`'s main.js from the repository's root (PAGESIM_PHASES=1, PAGESIM_HUGEPAGES=0 unless `env` says), with the phase lines taken out of stderr. */
export function runPackage(pkg: string, args: readonly string[], env: NodeJS.ProcessEnv = { ...process.env, PAGESIM_PHASES: '1', PAGESIM_HUGEPAGES: '0' }): PackageRun {
  const r = spawnSync(process.execPath, [join(pkg, 'dist', 'src', 'cli', 'main.js'), ...args], { cwd: repoRoot, encoding: 'utf8', env, maxBuffer: 64 << 20 });
  const { loaded, rest } = loadedBy(r.stderr);
  return { status: r.status, stdout: r.stdout, stderr: rest, loaded };
}
