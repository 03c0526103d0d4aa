/**
 * A `--variant-file` outside pagesim's repository, where Node finds no
 * package `pagesim`: its `import ... from 'pagesim'` names the running
 * pagesim (src/variants/load-file.ts selfImports()), for TypeScript and
 * JavaScript files, in `run` and in fuzz's worker threads.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pagesim } from './helpers/cli.js';
import { repoRoot } from './helpers/machine.js';
import { selfImports } from '../src/variants/load-file.js';
import { InputError } from '../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'pagesim-variant-anywhere-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ts = join(dir, 'keep-type-on-free.ts');
copyFileSync(join(repoRoot, 'docs', 'examples', 'keep-type-on-free.ts'), ts);
// The same design as plain JavaScript, importing pagesim only for defineVariant().
const mjs = join(dir, 'keep-type-on-free-js.mjs');
writeFileSync(
  mjs,
  [
    "import { defineVariant } from 'pagesim';",
    'export default defineVariant({',
    "  name: 'keep-type-on-free-js',",
    "  description: 'out of tree: the free path does not reset page_type',",
    "  seed: 'none: a test',",
    '  kernel: (Base) => class extends Base { free_pages_reset_type(page) { void page; } },',
    '});',
    '',
  ].join('\n'),
);
/** The transpiled text goes to this run's cache, not the user's. */
const env = { PAGESIM_VARIANT_CACHE: join(dir, 'cache') };

test('the directory is outside the repository, where Node resolves no "pagesim"', () => {
  assert.ok(relative(repoRoot, dir).startsWith('..'), dir);
});

for (const [file, name] of [
  [ts, 'keep-type-on-free'],
  [mjs, 'keep-type-on-free-js'],
] as const) {
  test(`run loads ${file.endsWith('.ts') ? 'a TypeScript' : 'a JavaScript'} variant file from outside the repository`, () => {
    const r = pagesim(['run', 'scenarios/typed-page-free.yaml', '--variant-file', file], { env });
    assert.equal(r.status, 0, r.output);
    assert.match(r.stdout, new RegExp(`^=== typed-page-free \\[${name}\\]`, 'm'));
    assert.match(r.stdout, /^outcome: bad_page \(nonzero mapcount \(\+2\)\); expected: held$/m);
    // The rewritten copy imported in its place is gone.
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.mjs') && f !== 'keep-type-on-free-js.mjs'), []);
  });
}

test('fuzz --jobs 2 loads a variant file from outside the repository in its workers', () => {
  const r = pagesim(['fuzz', '--variant-file', ts, '--runs', '8', '--jobs', '2', '--json', '--out', join(dir, 'findings')], { env });
  assert.equal(r.stderr, '');
  const summary = JSON.parse(r.stdout) as { variant: string; programs: number; findings: { reason: string; reproduces: boolean }[] };
  assert.equal(summary.variant, 'keep-type-on-free');
  assert.equal(summary.programs, 8);
  const typed = summary.findings.find((f) => f.reason === 'nonzero mapcount');
  assert.ok(typed, r.stdout);
  assert.equal(typed.reproduces, true);
});

test('pagesim and the subpaths its package exports become the running pagesim; other subpaths are bad input', () => {
  const pkg = pathToFileURL(join(repoRoot, 'package.json')).href;
  const api = pathToFileURL(join(repoRoot, 'dist', 'src', 'api.js')).href;
  assert.deepEqual(
    selfImports(["import { defineVariant } from 'pagesim';", 'export * from "pagesim";', "import 'pagesim';", "const m = await import( 'pagesim/package.json' );", "import x from 'pagesimple';"].join('\n'), 'v.js').split('\n'),
    [`import { defineVariant } from '${api}';`, `export * from "${api}";`, `import '${api}';`, `const m = await import( '${pkg}' );`, "import x from 'pagesimple';"],
  );
  const text = "import { a } from 'other';\n";
  assert.equal(selfImports(text, 'v.js'), text);
  assert.throws(() => selfImports("import { a } from 'pagesim/dist/src/kernel/mm.js';", 'v.js'), (e: unknown) => e instanceof InputError && /"pagesim\/dist\/src\/kernel\/mm\.js" is not a module pagesim exports \(it exports "pagesim", "pagesim\/package\.json"\)/.test(e.message));
});
