/**
 * One progress policy for every long command (src/util/progress.ts):
 * progress on stderr when stderr is a terminal, TERM is not "dumb" and CI
 * is not set; where stdout goes does not matter. fuzz used to want stdout
 * on a terminal too, so `pagesim fuzz | tee` showed nothing, and explore
 * went quiet under --json, while replay and bench looked at stderr alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { progressWanted } from '../src/util/progress.js';
import { CLI, spawnCli } from './helpers/cli.js';
import { repoRoot } from './helpers/machine.js';

const tty = { isTTY: true };

test('progressWanted: a terminal on stderr, outside CI, on a terminal that can rewrite a line', () => {
  assert.equal(progressWanted(tty, { TERM: 'xterm-256color' }), true);
  assert.equal(progressWanted(tty, {}), true);
  assert.equal(progressWanted(tty, { TERM: 'xterm', CI: '' }), true, 'CI set to nothing is not CI');
  assert.equal(progressWanted(tty, { TERM: 'xterm', CI: 'true' }), false);
  assert.equal(progressWanted(tty, { TERM: 'xterm', CI: '1' }), false);
  assert.equal(progressWanted(tty, { TERM: 'dumb' }), false);
  assert.equal(progressWanted({ isTTY: false }, { TERM: 'xterm' }), false);
  assert.equal(progressWanted({}, { TERM: 'xterm' }), false, 'a pipe or a file has no isTTY');
});

test('piped, the long commands print no progress byte on stderr', () => {
  const env = { CI: undefined, TERM: 'xterm' };
  const fuzz = spawnCli(['fuzz', '--runs', '40', '--jobs', '1'], { env });
  assert.equal(fuzz.status, 0, fuzz.stderr);
  assert.equal(fuzz.stderr, '');
  const explore = spawnCli(['explore', 'scenarios/seed-004-try-get-vs-last-put.yaml', '--json'], { env });
  assert.equal(explore.stderr, '');
  const run = spawnCli(['run', 'scenarios/double-free.yaml'], { env });
  assert.equal(run.stderr, '');
});

/** `script` (util-linux) runs a shell command on a pseudo-terminal and copies what it prints. */
const script = spawnSync('script', ['--version'], { encoding: 'utf8' });
const noPty = script.status === 0 && /util-linux/.test(script.stdout) ? false : 'no util-linux script(1) to give the command a terminal';

/** `pagesim fuzz` with stderr on a terminal and stdout piped into cat (whose output is dropped): what the terminal showed. */
function fuzzOnTerminal(env: Record<string, string | undefined>): string {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete e[k];
    else e[k] = v;
  }
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = `${q(process.execPath)} ${q(CLI)} fuzz --runs 40 --jobs 1 | cat >/dev/null`;
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', cwd: repoRoot, env: e, timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('fuzz with stdout piped (| tee) still shows progress on a terminal; CI or TERM=dumb silences it', { skip: noPty }, () => {
  assert.match(fuzzOnTerminal({ CI: undefined, TERM: 'xterm' }), /\rfuzz baseline: \d+ programs/);
  assert.equal(fuzzOnTerminal({ CI: 'true', TERM: 'xterm' }), '');
  assert.equal(fuzzOnTerminal({ CI: undefined, TERM: 'dumb' }), '');
});
