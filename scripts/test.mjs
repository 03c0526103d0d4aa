// npm test's runner: the test files of this checkout, two at a time (the
// machine's two cores). A file runs when its source exists: for each
// test/**/X.test.ts, dist/test/**/X.test.js. tsc does not delete the output
// of a source that is gone, so running every .js under dist/test/ could test
// a stale file, and would start Node for the helpers, which hold no tests.
// Arguments are passed to node --test (npm test -- --test-name-pattern=...).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function testSources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testSources(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

const files = testSources(join(root, 'test'))
  .map((f) => join('dist', relative(root, f)).replace(/\.ts$/, '.js'))
  .sort();
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-reporter=dot', ...process.argv.slice(2), ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
