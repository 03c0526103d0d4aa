/**
 * What `pagesim replay` leaves out of its fixed cost (docs/performance.md,
 * "Boot and replay's fixed cost") without changing what it does.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hugePageEnv } from '../src/cli/hugepages.js';

test('the process run again for huge pages starts without the extra CA certificates Node would parse at its start, and keeps the rest of the environment', () => {
  const env = hugePageEnv({ HOME: '/h', NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt', NODE_OPTIONS: '--max-old-space-size=4096', GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' });
  assert.equal('NODE_EXTRA_CA_CERTS' in env, false);
  assert.deepEqual(env, { HOME: '/h', NODE_OPTIONS: '--max-old-space-size=4096', GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1' });
  // The caller's own environment is not changed.
  const mine = { NODE_EXTRA_CA_CERTS: '/x.pem' };
  hugePageEnv(mine);
  assert.equal(mine.NODE_EXTRA_CA_CERTS, '/x.pem');
});
