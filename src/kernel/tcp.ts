/**
 * The receive side of one established TCP socket (net/ipv4/tcp.c, v7.3),
 * fed by a header-split NIC whose payload buffers come from a page_pool:
 * tcp_mmap() and TCP_ZEROCOPY_RECEIVE (tcp_zerocopy_receive, which maps
 * the skbs' page frags into the socket's VMA with vm_insert_pages()),
 * tcp_recvmsg() (copy and consume), and the skb release that hands each
 * frag back to its pool (skb->pp_recycle: napi_pp_put_page, net/core/skbuff.c).
 *
 * The NIC side (tcp_receive) stands for the driver's NAPI poll, GRO and
 * tcp_rcv_established(): each PAGE_SIZE of payload lands in one page_pool
 * page at offset 0 (a header-split NIC: headers go to a separate buffer,
 * which pagesim does not model), GRO puts up to MAX_SKB_FRAGS of them in
 * one skb, and the skb is queued in order, so rcv_nxt grows by the bytes.
 * A pool of order > 0 fills one frag per compound page; can_map_frag()
 * never maps those, as in the kernel.
 *
 * Simplified: one socket per machine, always established, no FIN, urgent
 * data, timestamps, copybuf or out-of-order queue; an skb consumed on
 * another CPU than the one that received it is freed at once
 * (skb_attempt_defer_free's deferral to the receiving CPU is not
 * modelled); skbs live in preallocated typed arrays, not in slab.
 */

import { PAGE_SIZE } from './config.js';
import { EINVAL, ERRNO } from './errno.js';
import { GFP_ATOMIC, __GFP_NOWARN } from './gfp.js';
import { PagePool, type PagePoolStruct } from './page_pool.js';
import { VM_EXEC, VM_MAYEXEC, VM_MAYREAD, VM_MAYWRITE, VM_MIXEDMAP, VM_READ, VM_WRITE, type MmStruct, type VmAreaStruct } from './mm_types.js';
import { declareSymbols } from './symbols.js';
import type { Site } from '../report/report.js';

declareSymbols('net/ipv4/tcp.c', [
  'tcp_mmap',
  'tcp_zerocopy_receive',
  'tcp_zerocopy_vm_insert_batch',
  'tcp_zerocopy_vm_insert_batch_error',
  'tcp_recv_skb',
  'tcp_recvmsg',
  'tcp_recvmsg_locked',
  'tcp_cleanup_rbuf',
  'tcp_close',
  '__tcp_close',
  'do_tcp_getsockopt',
  'find_tcp_vma',
  'tcp_receive',
]);
declareSymbols('net/ipv4/tcp.c', ['tcp_eat_recv_skb', 'skb_advance_to_frag', 'can_map_frag', 'find_next_mappable_frag', 'tcp_zc_handle_leftover', 'tcp_inq'], true);
declareSymbols('net/core/skbuff.c', ['napi_pp_put_page', '__kfree_skb', 'skb_release_data', 'skb_attempt_defer_free', 'kfree_skb_napi_cache']);
declareSymbols('include/linux/skbuff_ref.h', ['skb_page_unref', '__skb_frag_unref'], true);
declareSymbols('mm/memory.c', ['zap_vma_range']);

/** CONFIG_MAX_SKB_FRAGS default. */
export const MAX_SKB_FRAGS = 17;
/** #define TCP_ZEROCOPY_PAGE_BATCH_SIZE 32 (tcp.c:2196) */
export const TCP_ZEROCOPY_PAGE_BATCH_SIZE = 32;
/** include/uapi/linux/tcp.h */
export const TCP_ZEROCOPY_RECEIVE = 35;
export const TCP_RECEIVE_ZEROCOPY_FLAG_TLB_CLEAN_HINT = 0x1;

/** skbs the socket's receive queue may hold (the receive buffer's limit, as a count). */
export const MAX_TCP_SKBS = 1024;
/** Bytes one tcp_receive may deliver. */
export const MAX_TCP_RECEIVE_BYTES = 64 << 20;

const TCP_ESTABLISHED = 1;
const TCP_CLOSE = 7;

const S = {
  cleanup_rbuf: { fn: 'tcp_cleanup_rbuf', file: 'net/ipv4/tcp.c', line: 1608, cond: "skb && !before(tp->copied_seq, TCP_SKB_CB(skb)->end_seq)" },
} satisfies Record<string, Site>;

/** struct tcp_zerocopy_receive (include/uapi/linux/tcp.h): the fields pagesim fills. */
export class TcpZerocopyReceive {
  address = 0;
  length = 0;
  recv_skip_hint = 0;
  inq = 0;
  err = 0;
  copybuf_len = 0;
  flags = 0;
  msg_flags = 0;
}

/** The socket: tcp_sock's sequence numbers and sk_receive_queue, its skbs in typed arrays. */
export class TcpSock {
  sk_state = TCP_ESTABLISHED;
  rcv_nxt = 0;
  copied_seq = 0;
  /** The receive queue: a ring of skb slots, oldest at head. */
  head = 0;
  count = 0;
  readonly seq = new Float64Array(MAX_TCP_SKBS);
  readonly len = new Float64Array(MAX_TCP_SKBS);
  readonly nr_frags = new Uint8Array(MAX_TCP_SKBS);
  readonly alloc_cpu = new Int32Array(MAX_TCP_SKBS);
  readonly pp_recycle = new Uint8Array(MAX_TCP_SKBS);
  /** skb_shinfo(skb)->frags[i]: netmem, size (offset is 0 for a header-split NIC). */
  readonly frag_netmem = new Int32Array(MAX_TCP_SKBS * MAX_SKB_FRAGS);
  readonly frag_size = new Int32Array(MAX_TCP_SKBS * MAX_SKB_FRAGS);
  /** do_tcp_getsockopt()'s own copy of the struct (the kernel's stack variable). */
  readonly zc = new TcpZerocopyReceive();
  /** The user's struct tcp_zerocopy_receive: what the caller passed, and what getsockopt copied back on success. */
  readonly zcUser = new TcpZerocopyReceive();

  /** Back to the state a new socket has (a machine put back to a checkpoint takes its socket again: see tcpSock()). */
  reset(): void {
    this.sk_state = TCP_ESTABLISHED;
    this.rcv_nxt = 0;
    this.copied_seq = 0;
    this.head = 0;
    this.count = 0;
    this.seq.fill(0);
    this.len.fill(0);
    this.nr_frags.fill(0);
    this.alloc_cpu.fill(0);
    this.pp_recycle.fill(0);
    this.frag_netmem.fill(0);
    this.frag_size.fill(0);
    Object.assign(this.zc, new TcpZerocopyReceive());
    Object.assign(this.zcUser, new TcpZerocopyReceive());
  }
}

/**
 * A machine's socket once made, by machine, kept outside it (a checkpoint
 * sees only what the machine reaches): a machine put back to a checkpoint
 * taken before its socket existed (the fuzzer's, before every program)
 * makes it again from this one, reset, instead of 160 KB of new arrays.
 */
const madeSocks = new WeakMap<object, TcpSock>();

export abstract class Tcp extends PagePool {
  private sock: TcpSock | null = null;
  /** tcp_zerocopy_receive()'s pages[] batch, one array per length so vm_insert_pages() sees exactly the pages to map. */
  private readonly zcBatch: number[][] = Array.from({ length: TCP_ZEROCOPY_PAGE_BATCH_SIZE + 1 }, (_, n) => new Array<number>(n).fill(-1));
  /** The out-parameters of tcp_zerocopy_receive's helpers (*address, *length, *seq; *off, *offset_frag). */
  private zcAddress = 0;
  private zcLength = 0;
  private zcSeq = 0;
  private off = 0;
  private offsetFrag = 0;

  /** The machine's socket, created established on first use. */
  tcpSock(): TcpSock {
    if (this.sock === null) {
      let sk = madeSocks.get(this);
      if (sk === undefined) madeSocks.set(this, (sk = new TcpSock()));
      else sk.reset();
      this.sock = sk;
    }
    return this.sock;
  }

  tcpSockIfAny(): TcpSock | null {
    return this.sock;
  }

  // ---- the receive queue -------------------------------------------------------

  private slot(sk: TcpSock, i: number): number {
    return (sk.head + i) % MAX_TCP_SKBS;
  }

  /** skb_peek(&sk->sk_receive_queue): the oldest skb's slot, or -1. */
  skb_peek(sk: TcpSock): number {
    return sk.count ? sk.head : -1;
  }

  /** skb->next in the queue, or -1 at the end. */
  private skbNext(sk: TcpSock, skb: number): number {
    const i = (skb - sk.head + MAX_TCP_SKBS) % MAX_TCP_SKBS;
    return i + 1 < sk.count ? this.slot(sk, i + 1) : -1;
  }

  /** tcp_inq(): bytes received and not yet read. */
  tcp_inq(sk: TcpSock): number {
    if (sk.sk_state === TCP_CLOSE) return 0;
    return (sk.rcv_nxt - sk.copied_seq) >>> 0;
  }

  /**
   * The NIC delivers `bytes` of in-order payload: each frag a page_pool
   * page (page_pool_dev_alloc_pages: GFP_ATOMIC | __GFP_NOWARN), up to
   * MAX_SKB_FRAGS per skb, marked for page_pool recycling, queued on the
   * socket. Returns the bytes queued (fewer when the pool runs dry: the
   * NIC drops the rest).
   */
  tcp_receive(pool: PagePoolStruct, bytes: number): number {
    const sk = this.tcpSock();
    const fragBytes = PAGE_SIZE << pool.p.order;
    let queued = 0;
    while (queued < bytes) {
      if (sk.count >= MAX_TCP_SKBS) break;
      const skb = this.slot(sk, sk.count);
      let len = 0;
      let nr = 0;
      while (nr < MAX_SKB_FRAGS && queued + len < bytes) {
        const netmem = this.page_pool_alloc_netmems(pool, GFP_ATOMIC | __GFP_NOWARN);
        if (!netmem) break;
        const size = Math.min(fragBytes, bytes - queued - len);
        sk.frag_netmem[skb * MAX_SKB_FRAGS + nr] = netmem;
        sk.frag_size[skb * MAX_SKB_FRAGS + nr] = size;
        nr++;
        len += size;
      }
      if (nr === 0) break;
      // skb_mark_for_recycle(), then tcp_queue_rcv(): in order, so rcv_nxt moves by len.
      sk.seq[skb] = sk.rcv_nxt;
      sk.len[skb] = len;
      sk.nr_frags[skb] = nr;
      sk.alloc_cpu[skb] = this.current.cpu;
      sk.pp_recycle[skb] = 1;
      sk.count++;
      sk.rcv_nxt = (sk.rcv_nxt + len) >>> 0;
      queued += len;
      if (nr < MAX_SKB_FRAGS && queued < bytes) break;
    }
    return queued;
  }

  // ---- skb release (net/core/skbuff.c, include/linux/skbuff_ref.h) --------------------

  /** napi_pp_put_page(): back to the pool if the page is a page_pool page; false otherwise. */
  napi_pp_put_page(netmem: number): boolean {
    netmem = this.netmem_compound_head(netmem);
    if (!this.netmem_is_pp(netmem)) return false;
    this.page_pool_put_full_netmem(this.netmem_get_pp(netmem)!, netmem, false);
    return true;
  }

  skb_page_unref(netmem: number, recycle: boolean): void {
    if (recycle && this.napi_pp_put_page(netmem)) return;
    this.put_netmem(netmem);
  }

  /** skb_release_data(): every frag's reference goes (to its pool when pp_recycle). */
  skb_release_data(sk: TcpSock, skb: number): void {
    const base = skb * MAX_SKB_FRAGS;
    const recycle = sk.pp_recycle[skb] !== 0;
    for (let i = 0; i < sk.nr_frags[skb]!; i++) this.skb_page_unref(sk.frag_netmem[base + i]!, recycle);
    sk.nr_frags[skb] = 0;
  }

  __kfree_skb(sk: TcpSock, skb: number): void {
    this.skb_release_data(sk, skb);
  }

  /** tcp_eat_recv_skb(): unlink the oldest skb and free it (skb_attempt_defer_free frees it here). */
  tcp_eat_recv_skb(sk: TcpSock, skb: number): void {
    if (skb !== sk.head) throw new Error('pagesim: tcp_eat_recv_skb of an skb that is not the oldest');
    sk.head = (sk.head + 1) % MAX_TCP_SKBS;
    sk.count--;
    this.skb_attempt_defer_free(sk, skb);
  }

  skb_attempt_defer_free(sk: TcpSock, skb: number): void {
    this.__kfree_skb(sk, skb);
  }

  /** tcp_recv_skb(): the skb holding seq (its offset in this.off), eating the ones wholly before it. */
  tcp_recv_skb(sk: TcpSock, seq: number): number {
    let skb: number;
    while ((skb = this.skb_peek(sk)) >= 0) {
      const offset = (seq - sk.seq[skb]!) >>> 0;
      if (offset < sk.len[skb]!) {
        this.off = offset;
        return skb;
      }
      this.tcp_eat_recv_skb(sk, skb);
    }
    return -1;
  }

  tcp_cleanup_rbuf(sk: TcpSock, copied: number): void {
    void copied;
    const skb = this.skb_peek(sk);
    if (skb >= 0 && ((sk.copied_seq - (sk.seq[skb]! + sk.len[skb]!)) | 0) >= 0) {
      const msg = `cleanup rbuf bug: copied ${sk.copied_seq.toString(16).toUpperCase()} seq ${((sk.seq[skb]! + sk.len[skb]!) >>> 0).toString(16).toUpperCase()} rcvnxt ${sk.rcv_nxt.toString(16).toUpperCase()}`;
      this.WARN(S.cleanup_rbuf, null, [], `WARN(${S.cleanup_rbuf.cond})`, [msg]);
    }
  }

  // ---- tcp_mmap and the zero-copy receive ----------------------------------------------------

  /** tcp_mmap(): the socket's mmap handler: read-only, never writable or executable later, VM_MIXEDMAP, tcp_vm_ops. */
  tcp_mmap(vma: VmAreaStruct): number {
    if (vma.vm_flags & (VM_WRITE | VM_EXEC)) return -ERRNO.get('EPERM')!;
    vma.vm_flags &= ~(VM_MAYWRITE | VM_MAYEXEC);
    vma.vm_flags |= VM_MIXEDMAP;
    vma.vm_ops = 'tcp';
    return 0;
  }

  /**
   * mmap(NULL, len, PROT_READ [| PROT_WRITE], MAP_SHARED, fd, 0) of the
   * socket: do_mmap's flags for a file open for reading and writing, then
   * the socket's handler, which may refuse (the VMA is then unmapped and
   * freed, as mmap_region does). The address, or -errno.
   */
  sock_mmap(mm: MmStruct, addr: number, len: number, prot_write: boolean): number {
    this.tcpSock();
    const flags = VM_READ | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | (prot_write ? VM_WRITE : 0);
    const a = this.mmap_file(mm, addr, len, flags, 'tcp');
    if (a < 0) return a;
    const vma = mm.find_vma(a)!;
    const err = this.tcp_mmap(vma);
    if (err) {
      this.remove_vma(vma);
      return err;
    }
    return a;
  }

  /** find_tcp_vma(): the VMA at address, only if it is a TCP socket's. */
  find_tcp_vma(mm: MmStruct, address: number): VmAreaStruct | null {
    const vma = mm.find_vma(address);
    if (vma === null || vma.vm_ops !== 'tcp') return null;
    return vma;
  }

  /** zap_vma_range() (mm/memory.c in 7.3; pagesim's Memory keeps its older name, zap_page_range_single). */
  zap_vma_range(vma: VmAreaStruct, address: number, size: number): void {
    this.zap_page_range_single(vma, address, size);
  }

  /** skb_advance_to_frag(): the frag holding offset_skb (this.offsetFrag: the offset inside it), or -1. */
  skb_advance_to_frag(sk: TcpSock, skb: number, offset_skb: number): number {
    if (offset_skb >= sk.len[skb]!) return -1;
    // skb_headlen() is 0: a header-split NIC puts all payload in frags.
    let f = 0;
    while (offset_skb) {
      const size = sk.frag_size[skb * MAX_SKB_FRAGS + f]!;
      if (size > offset_skb) {
        this.offsetFrag = offset_skb;
        return f;
      }
      offset_skb -= size;
      f++;
    }
    this.offsetFrag = 0;
    return f;
  }

  /** can_map_frag(): a whole page at offset 0, not a net_iov, not compound, no mapping. */
  can_map_frag(sk: TcpSock, skb: number, f: number): boolean {
    const i = skb * MAX_SKB_FRAGS + f;
    if (sk.frag_size[i] !== PAGE_SIZE) return false;
    const netmem = sk.frag_netmem[i]!;
    if (this.netmem_is_net_iov(netmem)) return false;
    const page = this.__netmem_to_page(netmem);
    if (this.PageCompound(page) || !this.mappingIsNull(page)) return false;
    return true;
  }

  /** find_next_mappable_frag(): 0 if this frag can be mapped, else the bytes before the next one that can. */
  find_next_mappable_frag(sk: TcpSock, skb: number, f: number, remaining_in_skb: number): number {
    let offset = 0;
    if (this.can_map_frag(sk, skb, f)) return 0;
    while (offset < remaining_in_skb && f < sk.nr_frags[skb]! && !this.can_map_frag(sk, skb, f)) {
      offset += sk.frag_size[skb * MAX_SKB_FRAGS + f]!;
      f++;
    }
    return offset;
  }

  /** A batch array of exactly n pages: the first n of `from`, starting at `start`. */
  private batchOf(from: readonly number[], start: number, n: number): number[] {
    const b = this.zcBatch[n]!;
    for (let i = 0; i < n; i++) b[i] = from[start + i]!;
    return b;
  }

  tcp_zerocopy_vm_insert_batch_error(vma: VmAreaStruct, pending: readonly number[], pending_start: number, pages_remaining: number, zc: TcpZerocopyReceive, total_bytes_to_map: number, err: number): number {
    if (err === -ERRNO.get('EBUSY')! && zc.flags & TCP_RECEIVE_ZEROCOPY_FLAG_TLB_CLEAN_HINT) {
      const maybe_zap_len = total_bytes_to_map - this.zcLength + pages_remaining * PAGE_SIZE;
      this.zap_vma_range(vma, this.zcAddress, maybe_zap_len);
      err = 0;
    }
    if (!err) {
      const leftover_pages = pages_remaining;
      const [e, left] = this.vm_insert_pages(vma, this.zcAddress, this.batchOf(pending, pending_start, pages_remaining));
      err = e;
      pages_remaining = left;
      const bytes_mapped = PAGE_SIZE * (leftover_pages - pages_remaining);
      this.zcSeq = (this.zcSeq + bytes_mapped) >>> 0;
      this.zcAddress += bytes_mapped;
    }
    if (err) {
      const bytes_not_mapped = PAGE_SIZE * pages_remaining;
      this.zcLength -= bytes_not_mapped;
      zc.recv_skip_hint += bytes_not_mapped;
    }
    return err;
  }

  /** tcp_zerocopy_vm_insert_batch(): map the batch; what mapped advances seq and address even on error. */
  tcp_zerocopy_vm_insert_batch(vma: VmAreaStruct, pages: readonly number[], pages_to_map: number, zc: TcpZerocopyReceive, total_bytes_to_map: number): number {
    const [err, pages_remaining] = this.vm_insert_pages(vma, this.zcAddress, this.batchOf(pages, 0, pages_to_map));
    const pages_mapped = pages_to_map - pages_remaining;
    const bytes_mapped = PAGE_SIZE * pages_mapped;
    this.zcSeq = (this.zcSeq + bytes_mapped) >>> 0;
    this.zcAddress += bytes_mapped;
    if (!err) return 0;
    return this.tcp_zerocopy_vm_insert_batch_error(vma, pages, pages_mapped, pages_remaining, zc, total_bytes_to_map, err);
  }

  /** tcp_zc_handle_leftover(): copy straggler bytes into the copy buffer (pagesim's callers give none). */
  tcp_zc_handle_leftover(zc: TcpZerocopyReceive, copybuf_len: number): number {
    const copylen = Math.min(copybuf_len, zc.recv_skip_hint);
    if (!copylen) return 0;
    zc.recv_skip_hint -= copylen;
    this.zcSeq = (this.zcSeq + copylen) >>> 0;
    zc.copybuf_len = copylen;
    return copylen;
  }

  /**
   * tcp_zerocopy_receive(): map whole-page frags of the queued skbs at
   * zc->address (mm is current->mm). Zaps the range first (unless the TLB
   * clean hint), maps 32 pages per vm_insert_pages() call and never across
   * an skb boundary. Returns 0 or -errno; zc->length is what was mapped,
   * zc->recv_skip_hint the bytes to read() before mapping can go on. A
   * failure after anything was mapped is swallowed (the consumed part is
   * still released).
   */
  tcp_zerocopy_receive(sk: TcpSock, zc: TcpZerocopyReceive, mm: MmStruct): number {
    const copybuf_len = zc.copybuf_len;
    const pages = this.zcBatch[TCP_ZEROCOPY_PAGE_BATCH_SIZE]!;
    const inq = this.tcp_inq(sk);
    let skb = -1;
    let frag = -1;
    let offset = 0;
    let pages_to_map = 0;
    let copylen = 0;
    let ret = 0;
    this.zcAddress = zc.address;
    this.zcLength = 0;
    this.zcSeq = sk.copied_seq;
    zc.copybuf_len = 0;
    zc.msg_flags = 0;
    if (zc.address % PAGE_SIZE) return -EINVAL;
    // TCP_LISTEN (-ENOTCONN) and receive_fallback_to_copy() (inq fits the copy buffer) cannot happen:
    // the socket is established and callers pass no copy buffer.
    if (inq < PAGE_SIZE) {
      zc.length = 0;
      zc.recv_skip_hint = inq;
      return 0;
    }
    const vma = this.find_tcp_vma(mm, zc.address);
    if (vma === null) return -EINVAL;
    const vma_len = Math.min(zc.length, vma.vm_end - zc.address);
    const avail_len = Math.min(vma_len, inq);
    const total_bytes_to_map = avail_len - (avail_len % PAGE_SIZE);
    if (total_bytes_to_map) {
      if (!(zc.flags & TCP_RECEIVE_ZEROCOPY_FLAG_TLB_CLEAN_HINT)) this.zap_vma_range(vma, zc.address, total_bytes_to_map);
      zc.length = total_bytes_to_map;
      zc.recv_skip_hint = 0;
    } else {
      zc.length = avail_len;
      zc.recv_skip_hint = avail_len;
    }
    out: {
      while (this.zcLength + PAGE_SIZE <= zc.length) {
        if (zc.recv_skip_hint < PAGE_SIZE) {
          if (skb >= 0) {
            if (zc.recv_skip_hint > 0) break;
            skb = this.skbNext(sk, skb);
            if (skb < 0) break;
            offset = (this.zcSeq - sk.seq[skb]!) >>> 0;
          } else {
            skb = this.tcp_recv_skb(sk, this.zcSeq);
            if (skb < 0) break;
            offset = this.off;
          }
          zc.recv_skip_hint = sk.len[skb]! - offset;
          frag = this.skb_advance_to_frag(sk, skb, offset);
          if (frag < 0 || this.offsetFrag) break;
        }
        const mappable_offset = this.find_next_mappable_frag(sk, skb, frag, zc.recv_skip_hint);
        if (mappable_offset) {
          zc.recv_skip_hint = mappable_offset;
          break;
        }
        pages[pages_to_map++] = this.__netmem_to_page(sk.frag_netmem[skb * MAX_SKB_FRAGS + frag]!);
        this.zcLength += PAGE_SIZE;
        zc.recv_skip_hint -= PAGE_SIZE;
        frag++;
        if (pages_to_map === TCP_ZEROCOPY_PAGE_BATCH_SIZE || zc.recv_skip_hint < PAGE_SIZE) {
          ret = this.tcp_zerocopy_vm_insert_batch(vma, pages, pages_to_map, zc, total_bytes_to_map);
          if (ret) break out;
          pages_to_map = 0;
        }
      }
      if (pages_to_map) ret = this.tcp_zerocopy_vm_insert_batch(vma, pages, pages_to_map, zc, total_bytes_to_map);
    }
    if (!ret) copylen = this.tcp_zc_handle_leftover(zc, copybuf_len);
    if (this.zcLength + copylen) {
      sk.copied_seq = this.zcSeq;
      this.tcp_recv_skb(sk, this.zcSeq);
      this.tcp_cleanup_rbuf(sk, this.zcLength + copylen);
      ret = 0;
      if (this.zcLength === zc.length) zc.recv_skip_hint = 0;
    }
    zc.length = this.zcLength;
    return ret;
  }

  /**
   * do_tcp_getsockopt(sk, SOL_TCP, TCP_ZEROCOPY_RECEIVE, ...): copy the
   * user's struct in, run tcp_zerocopy_receive() (mm is current->mm), fill
   * err and inq, and copy the struct back to the user only on success (a
   * failing getsockopt leaves the user's struct as it was). Returns 0 or
   * -errno.
   */
  do_tcp_getsockopt(sk: TcpSock, optname: number, user: TcpZerocopyReceive, mm: MmStruct): number {
    if (optname !== TCP_ZEROCOPY_RECEIVE) return -ERRNO.get('ENOSYS')!;
    const zc = sk.zc;
    zc.address = user.address;
    zc.length = user.length;
    zc.recv_skip_hint = user.recv_skip_hint;
    zc.inq = user.inq;
    zc.err = user.err;
    zc.copybuf_len = user.copybuf_len;
    zc.flags = user.flags;
    zc.msg_flags = user.msg_flags;
    const err = this.tcp_zerocopy_receive(sk, zc, mm);
    if (!err) zc.err = 0;
    zc.inq = this.tcp_inq(sk);
    if (!err) {
      user.length = zc.length;
      user.recv_skip_hint = zc.recv_skip_hint;
      user.inq = zc.inq;
      user.err = zc.err;
      user.copybuf_len = zc.copybuf_len;
      user.msg_flags = zc.msg_flags;
    }
    return err;
  }

  /**
   * tcp_recvmsg() (non-blocking, no flags): copy up to len bytes out of
   * the queue, freeing each skb that is read to its end. The bytes copied,
   * or -EAGAIN when nothing is queued.
   */
  tcp_recvmsg(sk: TcpSock, len: number): number {
    if (sk.sk_state !== TCP_ESTABLISHED) return -ERRNO.get('ENOTCONN')!;
    // read(fd, buf, 0) returns 0 before the socket is looked at.
    if (len === 0) return 0;
    let copied = 0;
    let seq = sk.copied_seq;
    while (len > 0) {
      const skb = this.skb_peek(sk);
      if (skb < 0) break;
      const offset = (seq - sk.seq[skb]!) >>> 0;
      if (offset >= sk.len[skb]!) {
        this.tcp_eat_recv_skb(sk, skb);
        continue;
      }
      const used = Math.min(sk.len[skb]! - offset, len);
      // skb_copy_datagram_msg(): page contents are not modelled; the copy is the byte count.
      seq = (seq + used) >>> 0;
      sk.copied_seq = seq;
      copied += used;
      len -= used;
      if (used + offset < sk.len[skb]!) continue;
      this.tcp_eat_recv_skb(sk, skb);
    }
    if (!copied) return -ERRNO.get('EAGAIN')!;
    this.tcp_cleanup_rbuf(sk, copied);
    return copied;
  }

  /** tcp_close(): the receive queue is freed (each skb's frags back to their pools); the socket is gone. */
  tcp_close(sk: TcpSock): void {
    let skb: number;
    while ((skb = this.skb_peek(sk)) >= 0) this.tcp_eat_recv_skb(sk, skb);
    sk.sk_state = TCP_CLOSE;
  }

  /** Whether the socket was closed (operations on it are then bad input). */
  tcpClosed(): boolean {
    return this.sock !== null && this.sock.sk_state === TCP_CLOSE;
  }

  /** The pages and pools the socket's queue holds, for checks: every frag netmem. */
  tcpQueuedNetmems(): number[] {
    const sk = this.sock;
    const out: number[] = [];
    if (sk === null) return out;
    for (let i = 0; i < sk.count; i++) {
      const skb = this.slot(sk, i);
      for (let f = 0; f < sk.nr_frags[skb]!; f++) out.push(sk.frag_netmem[skb * MAX_SKB_FRAGS + f]!);
    }
    return out;
  }
}
