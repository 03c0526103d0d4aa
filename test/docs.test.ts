/**
 * Docs cannot drift: every command shown in README.md and docs/*.md runs,
 * and what it prints must match what the document shows under it; every
 * file a document quotes must still say what is quoted. The convention is
 * in docs/writing-docs.md (and test/helpers/docs.ts). When this test fails,
 * update the example, not the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { repoRoot } from './helpers/machine.js';
import { codeBlocks, consoleCommands, matchOutput, strayCommand, type DocBlock } from './helpers/docs.js';
import { pagesim, runsInProcess } from './helpers/cli.js';
import { shownRuns, type ShownRun } from './helpers/shown.js';
// Keeps the shipped suite `npm start` runs here for test/scenarios.test.ts, run after this file in its process (scripts/test.mjs).
import './helpers/suite.js';

const LANGS = ['console', 'yaml', 'json', 'ts', 'text', 'sh'];

function documents(): string[] {
  const docs = readdirSync(join(repoRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

const blocks: DocBlock[] = documents().flatMap((f) => codeBlocks(f, readFileSync(join(repoRoot, f), 'utf8')));

/** A directory with a `pagesim` that runs this checkout's build, for the commands' PATH. */
function shimDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-docs-'));
  const shim = join(dir, 'pagesim');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, 'dist', 'src', 'cli', 'main.js')}" "$@"\n`);
  chmodSync(shim, 0o755);
  return dir;
}
const bin = shimDir();
/**
 * The commands' $TMPDIR: this run's own, so the files the documents write
 * under "${TMPDIR:-/tmp}" are not another checkout's, tested at the same time.
 */
const tmp = mkdtempSync(join(tmpdir(), 'pagesim-docs-tmp-'));

/** `npx pagesim ...` and `npm start [-- ...]` are the same binary. */
function normalise(command: string): string {
  return command.replace(/^npx pagesim\b/, 'pagesim').replace(/^npm start(?: --)?/, 'pagesim');
}

/**
 * The words of a plain `pagesim ARGS` (no quoting, variables, pipes or
 * redirection; `*` patterns are expanded by bash, as the shell would), or
 * null for any other command.
 */
function plainArgs(command: string): string[] | null {
  const plain = /^pagesim((?:\s+[\w./:,=+@%*-]+)*)\s*$/.exec(normalise(command));
  if (plain === null) return null;
  const words = plain[1]!.trim();
  if (!words.includes('*')) return words.split(/\s+/).filter((w) => w !== '');
  const r = spawnSync('bash', ['-c', `printf '%s\\0' ${words}`], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) return null;
  return r.stdout.split('\0').filter((w) => w !== '');
}

/**
 * What the plain commands run in this process printed, by their words: a
 * command that several documents show (the same words, reading only the
 * repository's files, which no command changes) runs once, and each
 * showing is compared with its output.
 */
const printed = new Map<string, ShownRun>();

/**
 * Runs a command from the repository root; stdout and stderr interleaved, as
 * a terminal shows them. A plain `pagesim ARGS` runs in this process
 * (test/helpers/cli.ts), what bash would run otherwise.
 */
function run(command: string): Promise<string> {
  const args = plainArgs(command);
  if (args !== null && runsInProcess(args)) {
    // A path outside the repository (/tmp/...) may be a file an earlier command wrote: run every time.
    const key = args.some((a) => isAbsolute(a)) ? null : args.join('\0');
    let shown = key === null ? undefined : printed.get(key);
    if (shown === undefined) {
      const r = pagesim(args, { env: { COLUMNS: undefined } });
      shown = { status: r.status, output: r.output };
    }
    if (key !== null) printed.set(key, shown);
    shownRuns.set(normalise(command), shown);
    return Promise.resolve(shown.output);
  }
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}`, TMPDIR: tmp };
    // The output a document shows is the output of a pipe of no particular width.
    delete env['COLUMNS'];
    const child = spawn('bash', ['-c', `exec 2>&1; ${normalise(command)}`], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      const output = Buffer.concat(chunks).toString('utf8');
      shownRuns.set(normalise(command), { status, output, tmpdir: tmp });
      resolve(output);
    });
  });
}

/** The first word of a command that names a program by path (a tool CI builds), when that program is absent. */
function missingTool(command: string): string | null {
  const first = command.trim().split(/\s+/)[0]!;
  if (!first.includes('/')) return null;
  try {
    readFileSync(join(repoRoot, first));
    return null;
  } catch {
    return first;
  }
}

test('every code block says what it is (console, yaml, json, ts, text or sh)', () => {
  const bad = blocks.filter((b) => !LANGS.includes(b.lang)).map((b) => `${b.file}:${b.line}: code block tagged "${b.lang}"; tag it ${LANGS.join(', ')} (docs/writing-docs.md)`);
  assert.deepEqual(bad, []);
});

test('pagesim commands are shown only in console blocks, where they are run', () => {
  const bad: string[] = [];
  for (const b of blocks) {
    if (b.lang === 'console') continue;
    b.lines.forEach((l, i) => {
      if (strayCommand(l)) bad.push(`${b.file}:${b.line + 1 + i}: ${l.trim()} (show it as "$ command" and its output in a console block)`);
    });
  }
  assert.deepEqual(bad, []);
});

test('blocks that quote a file (file=PATH) match the file', () => {
  const bad: string[] = [];
  for (const b of blocks) {
    const path = b.attrs.get('file');
    if (path === undefined) continue;
    let text: string;
    try {
      text = readFileSync(join(repoRoot, path), 'utf8');
    } catch {
      bad.push(`${b.file}:${b.line}: ${path} does not exist`);
      continue;
    }
    const m = matchOutput(b.lines, text.split('\n'));
    if (!m.ok) bad.push(`${b.file}:${b.line + 1 + m.expectedLine}: differs from ${path}: ${m.why}`);
  }
  assert.deepEqual(bad, []);
});

test('the commands the documents show print what the documents say', { concurrency: 2 }, async (t) => {
  const consoleBlocks = blocks.filter((x) => x.lang === 'console');
  // A document's blocks run one after another (a file one writes is there
  // for the next); documents run two at a time. Subtests start in order, so
  // the block one waits for has started.
  const previous = new Map<string, Promise<unknown>>();
  await Promise.all(consoleBlocks.map((b) => {
    const before = previous.get(b.file) ?? Promise.resolve();
    const done = t.test(`${b.file}:${b.line}`, async (st) => {
      await before;
      for (const c of consoleCommands(b)) {
        assert.doesNotMatch(c.command, /^npm (test|ci|install)\b/, `${b.file}:${c.line}: npm test/ci cannot run inside the tests; show it in an sh block`);
        const tool = missingTool(c.command);
        if (tool !== null) {
          st.skip(`${tool} is not built here (CI builds it)`);
          return;
        }
        const out = await run(c.command);
        const m = matchOutput(c.expected, out.replace(/\n$/, '').split('\n'));
        if (!m.ok) {
          assert.fail(`${b.file}:${c.line + 1 + m.expectedLine}: $ ${c.command}\n${m.why}\n--- it prints:\n${out}`);
        }
      }
    });
    previous.set(b.file, done.catch(() => undefined));
    return done;
  }));
});

test('the matcher: "..." spans lines, "[...]" spans text, anything else must be equal', () => {
  assert.deepEqual(matchOutput(['a', '...', 'd'], ['a', 'b', 'c', 'd']), { ok: true });
  assert.deepEqual(matchOutput(['a', '...', 'b'], ['a', 'b']), { ok: true });
  assert.deepEqual(matchOutput(['x [...] z'], ['x 1.23 s z']), { ok: true });
  assert.deepEqual(matchOutput(['a  '], ['a']), { ok: true });
  assert.equal(matchOutput(['a', 'b'], ['a', 'c']).ok, false);
  assert.equal(matchOutput(['a'], ['a', 'b']).ok, false);
  assert.equal(matchOutput(['x [...] z'], ['x 1 y']).ok, false);
  assert.equal(matchOutput(['a.c'], ['abc']).ok, false);
  const m = matchOutput(['a', 'b', 'c'], ['a', 'b', 'x']);
  assert.ok(!m.ok && m.expectedLine === 2);
});

test('console blocks: commands, continuations and their output', () => {
  const [b] = codeBlocks('x.md', ['```console', '$ pagesim run a \\', '    --json', 'out 1', '$ pagesim ops', '...', '```'].join('\n'));
  assert.deepEqual(consoleCommands(b!), [
    { line: 2, command: 'pagesim run a --json', expected: ['out 1'] },
    { line: 5, command: 'pagesim ops', expected: ['...'] },
  ]);
  assert.ok(strayCommand('pagesim run x.yaml'));
  assert.ok(strayCommand('$ ls'));
  assert.ok(!strayCommand('  - alloc_pages: {}'));
});
