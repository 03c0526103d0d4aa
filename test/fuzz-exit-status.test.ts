/**
 * pagesim fuzz's exit status (docs/fuzz.md, "Exit status"): 1 when a
 * campaign reported a finding, 0 when it found nothing, as libFuzzer and
 * AFL exit non-zero on a crash; --merge likewise for the shards it joins;
 * 2 for bad input; --replay 0 when every scenario it replays holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { spawnCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pagesim-fuzz-status-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** docs/fuzz.md's campaign: free-keeps-type's first program at seed 28 is a finding. */
const found = spawnCli(['fuzz', '--variant', 'free-keeps-type', '--seed', '28', '--runs', '1', '--jobs', '1', '--json', '--out', join(dir, 'found')]);
const clean = spawnCli(['fuzz', '--seed', '28', '--runs', '1', '--jobs', '1', '--json', '--out', join(dir, 'clean')]);

test('a campaign that reports a finding exits 1, its summary printed all the same', () => {
  assert.equal(found.stderr, '');
  const summary = JSON.parse(found.stdout) as { findings: { reason: string }[] };
  assert.deepEqual(summary.findings.map((f) => f.reason), ['nonzero mapcount']);
  assert.equal(found.status, 1);
});

test('a campaign that finds nothing exits 0', () => {
  assert.equal(clean.stderr, '');
  assert.deepEqual((JSON.parse(clean.stdout) as { findings: unknown[] }).findings, []);
  assert.equal(clean.status, 0);
});

test('--merge exits 1 when a shard it joins found something, else 0', () => {
  const merged = spawnCli(['fuzz', '--merge', join(dir, 'found', 'shard-0-of-1.json')]);
  assert.match(merged.stdout, /; 1 finding\n/);
  assert.equal(merged.status, 1, merged.stderr);
  const none = spawnCli(['fuzz', '--merge', join(dir, 'clean', 'shard-0-of-1.json')]);
  assert.match(none.stdout, /; 0 findings\n/);
  assert.equal(none.status, 0, none.stderr);
});

test('--replay of the findings exits 0 while they hold; bad input exits 2', () => {
  const replay = spawnCli(['fuzz', '--replay', join(dir, 'found')]);
  assert.match(replay.stdout, /^2 held, 0 failed$/m);
  assert.equal(replay.status, 0, replay.stderr);
  const bad = spawnCli(['fuzz', '--runs', '0']);
  assert.equal(bad.status, 2);
  assert.equal(bad.stdout, '');
  assert.equal(bad.stderr, 'fuzz: --runs must be an integer from 1 to 100000000, got "0"\n');
});
