/**
 * The network operations' bad input: every limit and wrong handle is one
 * InputError at the step's line, never a crash; and operations a variant
 * adds exist only under it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario } from '../src/scenario/parse.js';
import { opLookup } from '../src/engine/registry.js';
import { variantLookup } from '../src/engine/load.js';
import { runScenario } from '../src/engine/run.js';
import { InputError } from '../src/util/errors.js';

function run(body: string, variant = 'baseline'): ReturnType<typeof runScenario> {
  const text = `machine: {memory: 256MiB}\nvariants: [${variant}]\nsteps:\n${body}`;
  return runScenario(parseScenario(text, 't.yaml', opLookup, variantLookup), variant);
}

function inputError(body: string, re: RegExp, variant = 'baseline'): void {
  assert.throws(
    () => run(body, variant),
    (e: unknown) => e instanceof InputError && re.test(e.oneLine()) && !e.oneLine().includes('\n'),
  );
}

const POOL = '  - page_pool_create: {}\n    as: pool\n';

test('bad arguments to the network operations are one-line InputErrors at their step', () => {
  inputError('  - page_pool_create: {order: 40}\n', /^t\.yaml:4: page_pool_create: order must be between 0 and 31/);
  inputError('  - page_pool_create: {flags: PP_FLAG_NAPI}\n', /^t\.yaml:4: flags: unknown flag "PP_FLAG_NAPI"/);
  inputError('  - page_pool_create: {nid: 3}\n', /nid must be -1 \(NUMA_NO_NODE\) or a node from 0 to 0/);
  inputError(`${POOL}  - tcp_receive: {pool: pool, bytes: 0}\n`, /^t\.yaml:6: tcp_receive: bytes must be between 1 and/);
  inputError(`${POOL}  - mm_alloc: {}\n    as: m\n  - tcp_receive: {pool: m, bytes: 10}\n`, /pool: expected a page_pool handle, got a mm/);
  inputError(`${POOL}  - page_pool_destroy: pool\n  - page_pool_alloc_pages: {pool: pool}\n`, /has been freed/);
  inputError(`${POOL}  - page_pool_alloc_pages: {pool: pool}\n    as: p\n  - page_pool_destroy: pool\n  - page_pool_alloc_pages: {pool: pool}\n`, /was destroyed \(page_pool_destroy\)/);
  inputError(`${POOL}  - page_pool_get_stats: {pool: pool, stat: rx_pp_alloc_fastest}\n`, /stat: expected one of rx_pp_alloc_fast/);
  inputError('  - tcp_close\n  - tcp_inq\n', /the TCP socket was closed by tcp_close/);
  inputError('  - msleep: 4000000\n', /msleep: msecs must be between 0 and 3600000/);
  inputError('  - net_devmem_bind_dmabuf: {size: 100}\n', /size must be a positive multiple of 4KiB/);
  inputError('  - global_node_page_state: {item: nr_mappedd}\n', /unknown node counter "nr_mappedd"/);
  inputError('  - repeat:\n      times: 17\n      steps:\n        - page_pool_create: {}\n', /at most 16 page pools may be alive at once/);
});

test('PageNetpp and folio_test_rmappable exist only where a variant provides them', () => {
  inputError('  - alloc_pages: {}\n    as: p\n  - PageNetpp: p\n', /PageNetpp does not exist in variant baseline/);
  assert.equal(run('  - alloc_pages: {}\n    as: p\n  - PageNetpp: p\n    expect: false\n', 'netpp-v4').failures.length, 0);
  assert.equal(run('  - alloc_pages: {}\n    as: p\n  - folio_test_rmappable: p\n    expect: false\n  - folio_alloc: {}\n    as: f\n  - folio_test_rmappable: f\n    expect: true\n', 'notrmappable').failures.length, 0);
});
