/**
 * Network memory descriptors (include/net/netmem.h, v7.3): struct
 * netmem_desc, the page_pool view of struct page as its own type; struct
 * net_iov, a netmem_desc for memory without a struct page (dma-buf and
 * io_uring zero-copy receive areas); struct net_iov_area, the array of
 * them.
 *
 * In 7.3 a net_iov is { desc (48 bytes), enum net_iov_type type (at 48),
 * struct net_iov_area *owner (at 56) }: `type` sits at the offset of struct
 * page's page_type/_mapcount, which is what seed 000's patch relied on when
 * it cast a net_iov to a struct page (the netpp-v4 variant adds a
 * page_type member there and asserts the shared offset).
 *
 * The assertions are the kernel's NETMEM_DESC_ASSERT_OFFSET list; its
 * `sizeof(struct netmem_desc) <= offsetof(struct page, _refcount)` is not an
 * offset equality, so netmemSizeProblem() checks it (the build cannot
 * express it as a MATCH).
 */

import { atomic_long_t, field, ptr, struct, unsigned_long, type AggregateType, type ScalarType } from '../layout/ctype.js';
import { MATCH, type LayoutAssertion } from '../layout/assert.js';
import { offsetOf, type StructLayout } from '../layout/layout.js';

const NETMEM_H = 'include/net/netmem.h';

/** enum net_iov_type: NET_IOV_DMABUF, NET_IOV_IOURING (no NET_IOV_MAX in 7.3, so it is an int-sized enum). */
export const enum_net_iov_type: ScalarType = { kind: 'scalar', name: 'enum net_iov_type', size: 4, align: 4, signed: false, pointer: false };
export const NET_IOV_DMABUF = 0;
export const NET_IOV_IOURING = 1;

export const struct_netmem_desc: AggregateType = struct('netmem_desc', [
  field('_flags', unsigned_long),
  field('pp_magic', unsigned_long),
  field('pp', ptr('struct page_pool')),
  field('_pp_mapping_pad', unsigned_long),
  field('dma_addr', unsigned_long),
  field('pp_ref_count', atomic_long_t),
]);

export const struct_net_iov: AggregateType = struct('net_iov', [
  field('desc', struct_netmem_desc),
  field('type', enum_net_iov_type),
  field('owner', ptr('struct net_iov_area')),
]);

export const struct_net_iov_area: AggregateType = struct('net_iov_area', [
  field('niovs', ptr('struct net_iov')),
  field('num_niovs', unsigned_long),
  field('base_virtual', unsigned_long),
]);

/** NETMEM_DESC_ASSERT_OFFSET(pg, desc): struct netmem_desc mirrors struct page's page_pool words. */
export const netmemMatches: readonly LayoutAssertion[] = [
  MATCH('NETMEM_DESC_ASSERT_OFFSET', NETMEM_H, 'page', 'flags', 'netmem_desc', '_flags'),
  MATCH('NETMEM_DESC_ASSERT_OFFSET', NETMEM_H, 'page', 'pp_magic', 'netmem_desc', 'pp_magic'),
  MATCH('NETMEM_DESC_ASSERT_OFFSET', NETMEM_H, 'page', 'pp', 'netmem_desc', 'pp'),
  MATCH('NETMEM_DESC_ASSERT_OFFSET', NETMEM_H, 'page', '_pp_mapping_pad', 'netmem_desc', '_pp_mapping_pad'),
  MATCH('NETMEM_DESC_ASSERT_OFFSET', NETMEM_H, 'page', 'dma_addr', 'netmem_desc', 'dma_addr'),
  MATCH('NETMEM_DESC_ASSERT_OFFSET', NETMEM_H, 'page', 'pp_ref_count', 'netmem_desc', 'pp_ref_count'),
];

/** static_assert(sizeof(struct netmem_desc) <= offsetof(struct page, _refcount)): null when it holds, else gcc's message. */
export function netmemSizeProblem(structs: ReadonlyMap<string, StructLayout>): string | null {
  const desc = structs.get('netmem_desc');
  const page = structs.get('page');
  if (desc === undefined || page === undefined) return `${NETMEM_H}: error: no struct netmem_desc or struct page`;
  const refcount = offsetOf(page, '_refcount');
  if (desc.size <= refcount) return null;
  return `${NETMEM_H}: error: static assertion failed: "sizeof(struct netmem_desc) <= offsetof(struct page, _refcount)" (${desc.size} > ${refcount})`;
}
