/**
 * Variants from outside the repository: `--variant-file FILE` loads a
 * JavaScript module (.js, .mjs) or a TypeScript one (.ts, .mts) that
 * exports one `Variant` or a list of them (the default export, or a named
 * `variant` or `variants` export), built on pagesim's public API (the
 * package's main export, src/api.ts). A loaded variant is registered under
 * its name: it can be named in --variant, stacked (`baseline+mine`,
 * `mine+netpp-v4`) and listed in a scenario's `variants:`.
 *
 * TypeScript: pagesim does not type-check a variant. It strips the types
 * with the `typescript` package (found from the variant's directory first,
 * then pagesim's own), writes the JavaScript next to the source so that its
 * imports resolve as the source's would, imports it and deletes it. Without
 * the typescript package, build the variant to .js and give that.
 *
 * `pagesim` and the subpaths its package.json exports (`pagesim/package.json`)
 * name the running pagesim wherever the file is: the text imported has each
 * such specifier replaced by the file URL of pagesim's own module (selfImports()),
 * so a file outside the repository, where Node would find no package
 * `pagesim`, loads as one inside it does. A JavaScript file that imports no
 * `pagesim` is imported as it is; one that does is imported from a rewritten
 * copy next to it, as a TypeScript file is.
 *
 * Loading the typescript package costs 1-2 s of CPU, far more than the
 * stripping, and every `--variant-file` process (each fuzz worker too) would
 * pay it: the JavaScript is kept in a cache (transpileCache()), keyed by the
 * source, the typescript package it came from and the options, so the same
 * file is stripped once and later loads never load the compiler.
 */

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';
import type { Variant } from './variant.js';
import { findVariant, registerVariant } from './index.js';
import { InputError } from '../util/errors.js';
import { readInputText } from '../util/input-file.js';
import { makeDirs } from '../util/make-dirs.js';
import { unwritable } from '../util/output-file.js';

/** Largest variant source file read (docs/limits.md). */
const VARIANT_FILE_BYTES_MAX = 4 * 2 ** 20;
const NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** What a TypeScript module needs from the typescript package. */
interface TypeScriptApi {
  transpileModule(input: string, options: { compilerOptions: Record<string, unknown>; fileName: string }): { outputText: string };
  ModuleKind: { ESNext: number };
  ScriptTarget: { ES2022: number };
}

/** Where the typescript package for a variant file is (its directory first, then pagesim's own), or null. */
function typescriptPath(file: string): string | null {
  for (const from of [file, import.meta.url]) {
    try {
      return createRequire(from).resolve('typescript');
    } catch {
      // Not found from there: try the next.
    }
  }
  return null;
}

async function typescriptAt(path: string, file: string): Promise<TypeScriptApi> {
  try {
    const mod = (await import(pathToFileURL(path).href)) as { default?: TypeScriptApi } & TypeScriptApi;
    return mod.default ?? mod;
  } catch {
    throw new InputError('a TypeScript variant needs the typescript package (npm install typescript where the file is), or build it to a .js file and give that', file);
  }
}

/** The typescript package's version, from its package.json beside lib/ ('' when it cannot be read). */
function typescriptVersion(path: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(path), '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '';
  } catch {
    return '';
  }
}

/**
 * The directory of transpiled variants: $PAGESIM_VARIANT_CACHE, else
 * $XDG_CACHE_HOME/pagesim/variants, else ~/.cache/pagesim/variants; null when
 * PAGESIM_VARIANT_CACHE is empty (no cache). A cache that cannot be read or
 * written is no cache: the file is stripped again.
 */
function transpileCache(): string | null {
  const own = process.env['PAGESIM_VARIANT_CACHE'];
  if (own !== undefined) return own === '' ? null : own;
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'pagesim', 'variants');
}

const COMPILER_OPTIONS = { sourceMap: false, inlineSourceMap: false } as const;

/** The JavaScript of a TypeScript variant: from the cache, or stripped by the typescript package (and cached). */
async function transpile(source: string, abs: string, file: string): Promise<string> {
  const tsPath = typescriptPath(abs);
  if (tsPath === null) throw new InputError('a TypeScript variant needs the typescript package (npm install typescript where the file is), or build it to a .js file and give that', file);
  const dir = transpileCache();
  const key = createHash('sha256').update(JSON.stringify([tsPath, typescriptVersion(tsPath), extname(abs), COMPILER_OPTIONS, source])).digest('hex');
  const cached = dir === null ? null : join(dir, `${key}.mjs`);
  if (cached !== null) {
    try {
      return readFileSync(cached, 'utf8');
    } catch {
      // Not cached yet.
    }
  }
  const ts = await typescriptAt(tsPath, file);
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, ...COMPILER_OPTIONS },
    fileName: abs,
  });
  if (cached !== null) {
    // Written whole under another name, then renamed: a process reading the cache at the same time sees all of it or nothing.
    const tmp = `${cached}.${process.pid}-${threadId}.tmp`;
    try {
      makeDirs(dir!);
      writeFileSync(tmp, outputText);
      renameSync(tmp, cached);
    } catch {
      try {
        unlinkSync(tmp);
      } catch {
        // Never written.
      }
    }
  }
  return outputText;
}

/** Where an import names pagesim: `from 'pagesim'`, `import 'pagesim'`, `import('pagesim')`, and subpaths. */
const SELF_IMPORT = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)(['"])(pagesim(?:\/[^'"\s]*)?)\2/g;

/** The running pagesim's package directory, as a URL (this module is dist/src/variants/load-file.js). */
const PACKAGE_ROOT = new URL('../../../', import.meta.url);

/** pagesim's exported modules by specifier ('pagesim', 'pagesim/package.json'), as file URLs; read from package.json "exports" once. */
let selfModules: Map<string, string> | null = null;
function selfSpecifiers(): Map<string, string> {
  if (selfModules !== null) return selfModules;
  const map = new Map<string, string>();
  try {
    const pkg = JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as { exports?: unknown };
    const exp = pkg.exports;
    const entries: [string, unknown][] = typeof exp === 'string' ? [['.', exp]] : exp !== null && typeof exp === 'object' ? Object.entries(exp) : [];
    for (const [sub, target] of entries) {
      // A target is a path, or conditions ({ import, default }) whose first path is taken.
      const path = typeof target === 'string' ? target : target !== null && typeof target === 'object' ? ((target as Record<string, unknown>)['import'] ?? (target as Record<string, unknown>)['default']) : undefined;
      if (typeof path !== 'string' || sub.includes('*')) continue;
      map.set(sub === '.' ? 'pagesim' : `pagesim/${sub.replace(/^\.\//, '')}`, new URL(path, PACKAGE_ROOT).href);
    }
  } catch {
    // No package.json beside the build: the entry module alone.
  }
  if (!map.has('pagesim')) map.set('pagesim', new URL('dist/src/api.js', PACKAGE_ROOT).href);
  selfModules = map;
  return map;
}

/**
 * TEXT with each import of `pagesim` (or a subpath pagesim exports) made an
 * import of the running pagesim's module, by file URL; TEXT itself when it
 * has none. A subpath pagesim does not export is bad input.
 */
export function selfImports(text: string, file: string): string {
  if (!text.includes('pagesim')) return text;
  return text.replace(SELF_IMPORT, (whole, lead: string, quote: string, spec: string) => {
    const url = selfSpecifiers().get(spec);
    if (url === undefined) throw new InputError(`"${spec}" is not a module pagesim exports (it exports ${[...selfSpecifiers().keys()].map((k) => `"${k}"`).join(', ')})`, file);
    return `${lead}${quote}${url}${quote}`;
  });
}

/** The module's exports, imported (TypeScript transpiled first). */
async function importModule(file: string): Promise<Record<string, unknown>> {
  // An empty path resolves to the working directory; like open(2), it names no file.
  if (file === '') throw new InputError('cannot read variant file (no such file)', file);
  const abs = resolve(file);
  const ext = extname(abs);
  if (!['.js', '.mjs', '.ts', '.mts'].includes(ext)) throw new InputError(`a variant file is a JavaScript (.js, .mjs) or TypeScript (.ts, .mts) module, not "${ext || basename(abs)}"`, file);
  if (!existsSync(abs)) throw new InputError('cannot read variant file (no such file)', file);
  if (!statSync(abs).isFile()) throw new InputError('cannot read variant file (not a regular file)', file);
  const source = readInputText(file, 'variant file', VARIANT_FILE_BYTES_MAX);
  let outputText: string;
  if (ext === '.js' || ext === '.mjs') {
    outputText = selfImports(source, file);
    // Nothing to rewrite: imported where it is, as Node would.
    if (outputText === source) return load(pathToFileURL(abs).href, file);
  } else {
    // The cache holds the stripped text as written; the rewrite is applied at each load, for the pagesim that runs.
    outputText = selfImports(await transpile(source, abs, file), file);
  }
  // The thread id too: fuzz workers of one process load the same file at once.
  const js = join(dirname(abs), `.${basename(abs, ext)}.pagesim-${process.pid}-${threadId}.mjs`);
  try {
    writeFileSync(js, outputText);
  } catch (e) {
    // Named by the variant file the user gave: the JavaScript's own name is made up (process and thread ids).
    throw unwritable(file, ext === '.js' || ext === '.mjs' ? 'its copy with the pagesim imports rewritten next to it' : 'its transpiled JavaScript next to it', e);
  }
  try {
    return await load(pathToFileURL(js).href, file);
  } finally {
    unlinkSync(js);
  }
}

async function load(url: string, file: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    const err = e as Error;
    throw new InputError(`cannot load the variant module: ${err.name === 'SyntaxError' ? 'SyntaxError: ' : ''}${(err.message ?? String(e)).split('\n')[0]}`, file);
  }
}

/** Why `v` is not a variant pagesim can register, or null. */
function variantShapeProblem(v: unknown): string | null {
  if (v === null || typeof v !== 'object') return 'an export is not a variant object';
  const o = v as Record<string, unknown>;
  if (typeof o['name'] !== 'string' || !NAME.test(o['name'])) return `a variant's name must be lower-case letters, digits, "-", "." or "_" (got ${JSON.stringify(o['name'])})`;
  for (const key of ['description', 'seed'] as const) if (typeof o[key] !== 'string' || o[key] === '') return `variant "${o['name']}" needs a non-empty string "${key}"`;
  if (o['base'] !== undefined && typeof o['base'] !== 'string') return `variant "${o['name']}": base must be a variant name`;
  for (const key of ['structs', 'assertions', 'kernel'] as const) if (o[key] !== undefined && typeof o[key] !== 'function') return `variant "${o['name']}": ${key} must be a function`;
  if (o['symbols'] !== undefined && !Array.isArray(o['symbols'])) return `variant "${o['name']}": symbols must be a list`;
  return null;
}

/** Files loaded so far (absolute), for loadedVariantFiles(). */
const loaded: string[] = [];

/**
 * Loads the variants of FILE and registers them; returns their names.
 * Every problem (no such file, a module that does not load, an export that
 * is not a variant, a name already taken) is an InputError naming the file.
 */
export async function loadVariantFile(file: string): Promise<string[]> {
  const mod = await importModule(file);
  const exported = mod['default'] ?? mod['variants'] ?? mod['variant'];
  if (exported === undefined) throw new InputError('the module exports no variant (export default a Variant or a list of them, or export "variant" or "variants")', file);
  const list = Array.isArray(exported) ? (exported as unknown[]) : [exported];
  if (list.length === 0) throw new InputError('the module exports an empty list of variants', file);
  const names: string[] = [];
  for (const v of list) {
    const problem = variantShapeProblem(v);
    if (problem !== null) throw new InputError(problem, file);
    const variant = v as Variant;
    if (findVariant(variant.name) !== undefined) throw new InputError(`variant "${variant.name}" is already defined (a shipped variant, or one loaded before); give yours another name`, file);
    registerVariant(variant);
    names.push(variant.name);
  }
  loaded.push(resolve(file));
  for (const name of names) {
    const base = findVariant(name)!.base;
    if (base !== undefined && findVariant(base) === undefined) throw new InputError(`variant "${name}": its base "${base}" is not a known variant`, file);
  }
  return names;
}

/** The variant files loaded so far, absolute, in order: worker threads load them again (a thread has its own registry). */
export function loadedVariantFiles(): readonly string[] {
  return loaded;
}


/** Loads several files in order (a later file may build on an earlier one's variants); the names, in order. */
export async function loadVariantFiles(files: readonly string[]): Promise<string[]> {
  const names: string[] = [];
  for (const f of files) names.push(...(await loadVariantFile(f)));
  return names;
}
