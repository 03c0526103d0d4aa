import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootsLargeMachine, hugePageEnv, wantsRelaunch } from '../src/cli/hugepages.js';
import { spawnCli } from './helpers/cli.js';

const MADVISE = 'always [madvise] never\n';

test('the executable asks for huge pages once, on Linux with THP, unless told not to or already asked', () => {
  assert.equal(wantsRelaunch({}, 'linux', MADVISE), true);
  assert.equal(wantsRelaunch({}, 'linux', '[always] madvise never\n'), true);
  assert.equal(wantsRelaunch({}, 'linux', 'always madvise [never]\n'), false);
  assert.equal(wantsRelaunch({}, 'linux', undefined), false);
  assert.equal(wantsRelaunch({}, 'darwin', MADVISE), false);
  assert.equal(wantsRelaunch({ PAGESIM_HUGEPAGES: '0' }, 'linux', MADVISE), false);
  // The relaunched process has the tunable, so it never relaunches again.
  assert.equal(wantsRelaunch(hugePageEnv({}), 'linux', MADVISE), false);
  assert.equal(wantsRelaunch({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }, 'linux', MADVISE), false);
  assert.equal(wantsRelaunch({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, 'linux', MADVISE), true);
});

test("the tunable is added to the user's own, not put in their place", () => {
  assert.equal(hugePageEnv({ HOME: '/h' })['GLIBC_TUNABLES'], 'glibc.malloc.hugetlb=1');
  assert.equal(hugePageEnv({ HOME: '/h' })['HOME'], '/h');
  assert.equal(hugePageEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })['GLIBC_TUNABLES'], 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
});

test('only commands that may boot a large machine run themselves again: bench, replay, view, --memory of 4 GiB or more', () => {
  assert.equal(bootsLargeMachine(['bench']), true);
  assert.equal(bootsLargeMachine(['replay', 'trace.gz']), true);
  assert.equal(bootsLargeMachine(['view', 'trace.gz']), true);
  assert.equal(bootsLargeMachine(['proc', 'buddyinfo', '--memory', '8GiB']), true);
  assert.equal(bootsLargeMachine(['fuzz', '--memory=1TiB']), true);
  assert.equal(bootsLargeMachine(['fuzz', '--memory', '4GiB']), true);
  assert.equal(bootsLargeMachine(['fuzz', '--memory', '2GiB']), false);
  assert.equal(bootsLargeMachine(['fuzz', '--memory', '512MiB']), false);
  assert.equal(bootsLargeMachine(['run', 'scenarios/double-free.yaml']), false);
  assert.equal(bootsLargeMachine([]), false);
  assert.equal(bootsLargeMachine(['--help']), false);
});

test('the relaunched executable keeps the exit status, stdout and stderr of the command', () => {
  // npm test's own tunable (scripts/test.mjs) unset, so that the executable runs itself again.
  for (const env of [{ GLIBC_TUNABLES: undefined }, { GLIBC_TUNABLES: undefined, PAGESIM_HUGEPAGES: '0' }]) {
    // 4 GiB: the smallest machine that makes the executable run itself again.
    const ok = spawnCli(['proc', 'buddyinfo', '--memory', '4GiB'], { env });
    const bad = spawnCli(['replay', '--no-such-option'], { env });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^Node 0, zone {6}DMA /);
    assert.equal(bad.status, 2);
    assert.equal(bad.stdout, '');
    assert.equal(bad.stderr.split('\n').filter(Boolean).length, 1);
  }
});
