/**
 * Raw /proc/kpageflags and /proc/kpagecount images: one little-endian u64
 * per pfn from pfn 0 (fs/proc/page.c kpage_read()). Files may be gzipped
 * (recognised by the gzip magic bytes, not the name).
 *
 * An image is held as a Uint32Array of (low, high) word pairs: entry i is
 * words[2i] | words[2i+1] << 32. Every KPF bit a page-types summary looks at
 * is reachable without BigInt, which keeps a 6.5 Mi-pfn image fast.
 */

import { endianness } from 'node:os';
import { InputError } from '../util/errors.js';
import { gunzipLimited, readInputFile } from '../util/input-file.js';
import { writeOutputFile } from '../util/output-file.js';
import { LIMITS } from '../kernel/config.js';

/** One u64 per pfn, as (low, high) 32-bit word pairs. */
export interface KpageImage {
  /** Where it came from, for messages. */
  readonly file: string;
  /** Number of pfns (entries). */
  readonly count: number;
  readonly words: Uint32Array;
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
const HOST_LE = endianness() === 'LE';

function readBytes(file: string, what: string): Uint8Array {
  const raw = readInputFile(file, `${what} image`, LIMITS.imageBytesMax);
  if (raw.length >= 2 && raw[0] === GZIP_MAGIC_0 && raw[1] === GZIP_MAGIC_1) return gunzipLimited(raw, file, `${what} image`, LIMITS.imageBytesMax);
  return raw;
}

/** Wraps raw little-endian bytes as word pairs (copying only when alignment or byte order demands it). */
export function imageFromBytes(bytes: Uint8Array, file: string, what = 'kpageflags'): KpageImage {
  if (bytes.length % 8 !== 0) {
    throw new InputError(`${what} image is truncated: ${bytes.length} bytes is not a whole number of 8-byte entries`, file);
  }
  const count = bytes.length / 8;
  let words: Uint32Array;
  if (HOST_LE && bytes.byteOffset % 4 === 0) {
    words = new Uint32Array(bytes.buffer, bytes.byteOffset, count * 2);
  } else {
    words = new Uint32Array(count * 2);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let i = 0; i < count * 2; i++) words[i] = dv.getUint32(i * 4, true);
  }
  return { file, count, words };
}

/** Reads a kpageflags or kpagecount image (plain or gzip). */
export function readImage(file: string, what: 'kpageflags' | 'kpagecount' = 'kpageflags'): KpageImage {
  return imageFromBytes(readBytes(file, what), file, what);
}

/** Entry i as an unsigned 64-bit value. */
export function entryU64(img: KpageImage, i: number): bigint {
  return (BigInt(img.words[2 * i + 1]!) << 32n) | BigInt(img.words[2 * i]!);
}

/**
 * Entry i of a kpagecount image as a signed number. Old kernels wrote
 * page_mapcount() of a buddy page, whose _mapcount held PAGE_BUDDY_MAPCOUNT_VALUE
 * (-128), as -127 (see shared/reference/real-data-guide.md §3(d)); the u64 is
 * that int sign-extended, so it is read as a signed 64-bit value.
 */
export function countAt(img: KpageImage, i: number): number {
  return (img.words[2 * i + 1]! | 0) * 2 ** 32 + img.words[2 * i]!;
}

/** The little-endian bytes of an image (a view when the host is little-endian). */
export function imageBytes(img: KpageImage): Uint8Array {
  if (HOST_LE) return new Uint8Array(img.words.buffer, img.words.byteOffset, img.count * 8);
  const out = new Uint8Array(img.count * 8);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < img.count * 2; i++) dv.setUint32(i * 4, img.words[i]!, true);
  return out;
}

/** Writes an image as the kernel's file would read: raw, uncompressed. */
export function writeImage(file: string, img: KpageImage): void {
  writeOutputFile(file, 'the image', imageBytes(img));
}

/** Accepts the image shapes callers have: word pairs, or one BigUint64 per pfn. */
export function asWords(flags: Uint32Array | BigUint64Array): Uint32Array {
  if (flags instanceof Uint32Array) return flags;
  if (HOST_LE) return new Uint32Array(flags.buffer, flags.byteOffset, flags.length * 2);
  const out = new Uint32Array(flags.length * 2);
  for (let i = 0; i < flags.length; i++) {
    out[2 * i] = Number(flags[i]! & 0xffffffffn);
    out[2 * i + 1] = Number(flags[i]! >> 32n);
  }
  return out;
}
