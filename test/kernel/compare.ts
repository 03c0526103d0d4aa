/**
 * The comparison of a real kernel's console with `pagesim run --json` for
 * one scenario: the step results (`pagesim: step N op = value` lines against
 * the run's steps) and the report lines (page:, head:, flags:, page_type:,
 * raw:, page dumped because:, BUG:, kernel BUG at, WARNING:, Tainted:),
 * each side normalised first: what cannot be the same on two machines (pfns,
 * struct page and direct-map addresses, hashed pointers, user addresses,
 * timestamps, process names and pids, function offsets) becomes the
 * scenario's handle names or a placeholder, and the TEST taint KUnit adds is
 * dropped.
 */

import { getOp } from '../../src/engine/registry.js';

/** The prefixes of the lines compared (after `anon `/`ksm ` of a flags: line). */
const REPORT_PREFIXES = ['page:', 'head:', 'flags:', 'page_type:', 'raw:', 'page dumped because:', 'BUG:', 'kernel BUG at', 'WARNING:', 'Tainted:'];

const VMEMMAP = 0xffffea0000000000n;
const VMEMMAP_END = 0xffffeb0000000000n;
const DIRECT_MAP = 0xffff888000000000n;
const DIRECT_MAP_END = 0xffffc88000000000n;
const USER_TOP = 0x0000800000000000n;

/** A step as one side printed it. */
export interface SideStep {
  readonly index: number;
  readonly op: string;
  /** The value as printed, or null for a void step. */
  readonly value: string | null;
}

/** What the scenario says about a step index: its `as:` name (loop index expanded). */
export interface StepInfo {
  readonly as: string | null;
  readonly op: string;
}

/** A side's facts for normalisation: the names its bound handles got. */
export class Names {
  /** Page handles: name -> pfn. */
  readonly pages = new Map<string, number>();
  /** Objects and integers bound: printed value -> name. */
  readonly values = new Map<string, string>();
  /** User mappings: start address -> name. */
  readonly mappings: { start: bigint; name: string }[] = [];

  pageName(pfn: number): string | null {
    let best: string | null = null;
    let bestOff = Infinity;
    for (const [name, base] of this.pages) {
      const off = pfn - base;
      if (off >= 0 && off < 512 && off < bestOff) {
        best = off === 0 ? name : `${name}+${off}`;
        bestOff = off;
      }
    }
    return best;
  }

  exactPageName(pfn: number): string | null {
    for (const [name, base] of this.pages) if (base === pfn) return name;
    return null;
  }

  userName(addr: bigint): string | null {
    for (const m of this.mappings) {
      const off = addr - m.start;
      if (off >= 0n && off < 1n << 30n) return off === 0n ? m.name : `${m.name}+0x${off.toString(16)}`;
    }
    return null;
  }
}

/** A page's physical address (a DMA address under dma-direct) by the page's name. */
function dmaName(v: bigint, names: Names): string | null {
  if (v === 0n || (v & 0xfffn) !== 0n || v >= 1n << 40n) return null;
  const n = names.pageName(Number(v >> 12n));
  return n === null ? null : `<phys ${n}>`;
}

/** One hex word of a report line as a name where it can be one. */
function word(hex: string, names: Names): string {
  const v = BigInt(`0x${hex}`);
  if (v >= VMEMMAP && v < VMEMMAP_END) {
    const rel = v - VMEMMAP;
    const pfn = Number(rel / 64n);
    const off = Number(rel % 64n);
    // Only a handle's own page is named here: a list link to a neighbour on a
    // free list points wherever that machine's history put it.
    const n = names.exactPageName(pfn);
    return `<${n ?? 'page'}>${off ? `+${off}` : ''}`;
  }
  if (v >= DIRECT_MAP && v < DIRECT_MAP_END) return '<ptr>';
  return hex;
}

/** A report line with everything machine-specific replaced. */
export function normaliseReportLine(line: string, names: Names): string {
  let s = line;
  s = s.replace(/pfn:(0x)?([0-9a-f]+)/g, (_m, _x: string | undefined, h: string) => `pfn:${names.pageName(parseInt(h, 16)) ?? '<pfn>'}`);
  s = s.replace(/mapping:([0-9a-f]{16})/g, (_m, h: string) => (/^0+$/.test(h) ? `mapping:${h}` : /^ffff/.test(h) ? `mapping:${word(h, names)}` : 'mapping:<hashed>'));
  // anon folios: index is the user address >> PAGE_SHIFT; page_pool pages keep
  // their DMA address there, the physical address under dma-direct
  s = s.replace(/index:0x([0-9a-f]+)/g, (m, h: string) => {
    const v = BigInt(`0x${h}`);
    const dma = dmaName(v, names);
    if (dma !== null) return `index:${dma}`;
    const u = names.userName(v << 12n);
    return u === null ? m : `index:<${u}>`;
  });
  s = s.replace(/\b[0-9a-f]{16}\b/g, (h) => {
    const v = BigInt(`0x${h}`);
    const dma = line.startsWith('raw:') || line.startsWith('head:') ? dmaName(v, names) : null;
    if (dma !== null) return dma;
    if (v > 0n && v < USER_TOP >> 12n && (line.startsWith('raw:') || line.startsWith('head:'))) {
      const u = names.userName(v << 12n);
      if (u !== null) return `<${u}>`;
    }
    return word(h, names);
  });
  s = s.replace(/in process \S+/, 'in process <comm>');
  s = s.replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+/g, '+<off>');
  s = s.replace(/PID: \d+/g, 'PID: <pid>').replace(/CPU#\d+: \S+\/\d+/, 'CPU#0: <comm>');
  if (s.startsWith('Tainted:')) {
    s = s
      .replace(/,? ?\[N\]=TEST/, '')
      .replace(/^Tainted: ,\s*/, 'Tainted: ')
      .trimEnd();
  }
  return s;
}

export function isReportLine(line: string): boolean {
  const l = line.replace(/^(anon|ksm) (?=flags:)/, '');
  return REPORT_PREFIXES.some((p) => l.startsWith(p));
}

/** A normalised step value: pages and objects by handle name, bound integers by name. */
export function normaliseValue(value: string | null, info: StepInfo | undefined, names: Names): string | null {
  if (value === null) return null;
  if (value === 'NULL') return 'NULL';
  const pfn = /^pfn (0x[0-9a-f]+)$/.exec(value);
  if (pfn !== null) {
    if (info?.as) return `page ${info.as}`;
    return `page ${names.pageName(parseInt(pfn[1]!, 16)) ?? '?'}`;
  }
  const obj = /^([a-z_]+) (\S+)/.exec(value);
  if (obj !== null) {
    if (info?.as) return `${obj[1]} ${info.as}`;
    return `${obj[1]} ${names.values.get(value) ?? names.values.get(`${obj[1]} ${obj[2]}`) ?? '?'}`;
  }
  if (info?.as && /^-?\d+$/.test(value) && !/^-\d{1,4}$/.test(value)) return `= ${info.as}`;
  return value;
}

/** Records what a side bound (names for later steps and report lines). */
export function learn(names: Names, step: SideStep, info: StepInfo | undefined): void {
  if (info?.as === null || info?.as === undefined || step.value === null || step.value === 'NULL') return;
  const pfn = /^pfn (0x[0-9a-f]+)$/.exec(step.value);
  if (pfn !== null) {
    names.pages.set(info.as, parseInt(pfn[1]!, 16));
    return;
  }
  const obj = /^([a-z_]+) (\S+)/.exec(step.value);
  if (obj !== null) {
    names.values.set(`${obj[1]} ${obj[2]}`, info.as);
    const hex = /^(?:0x)?([0-9a-f]{16})$/.exec(obj[2]!);
    // a ptdesc is a struct page: its address names a page too
    if (hex !== null) {
      const v = BigInt(`0x${hex[1]}`);
      if (v >= VMEMMAP && v < VMEMMAP_END) names.pages.set(info.as, Number((v - VMEMMAP) / 64n));
    }
    return;
  }
  if (/^\d+$/.test(step.value) && /mmap/.test(info.op)) names.mappings.push({ start: BigInt(step.value), name: info.as });
}

/** The kernel's console for one suite: its step lines and report lines, in order. */
export interface KernelSide {
  readonly steps: SideStep[];
  readonly lines: { readonly afterStep: number; readonly text: string }[];
  readonly skipped: Set<number>;
}

const TIMESTAMP = /^\[\s*\d+\.\d+\]\s?/;

/** Splits kunit.py's raw console into suites by `# Subtest: NAME`. */
export function splitSuites(console: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] | null = null;
  for (const raw of console.split('\n')) {
    const line = raw.replace(TIMESTAMP, '').replace(/\r$/, '');
    const sub = /^\s*# Subtest: (\S+)/.exec(line);
    if (sub !== null && sub[1]!.startsWith('pagesim_') && !out.has(sub[1]!)) {
      cur = [];
      out.set(sub[1]!, cur);
      continue;
    }
    if (cur !== null && /^(not )?ok \d+ pagesim_/.test(line)) {
      cur = null;
      continue;
    }
    cur?.push(line);
  }
  return out;
}

export function parseKernelSuite(lines: readonly string[]): KernelSide {
  const steps: SideStep[] = [];
  const out: { afterStep: number; text: string }[] = [];
  const skipped = new Set<number>();
  for (const line of lines) {
    const m = /^pagesim: step (\d+) (\S+)(?: = (.*)|( skipped))?$/.exec(line);
    if (m !== null) {
      const index = Number(m[1]);
      if (m[4] !== undefined) skipped.add(index);
      else steps.push({ index, op: m[2]!, value: m[3] ?? null });
      continue;
    }
    if (isReportLine(line.trimStart())) out.push({ afterStep: steps.length === 0 && skipped.size === 0 ? 0 : Math.max(steps[steps.length - 1]?.index ?? 0, ...skipped), text: line.trimStart() });
  }
  return { steps, lines: out, skipped };
}

/** pagesim's side from `pagesim run --json` (one run). */
export interface PagesimRun {
  readonly outcome: string;
  readonly steps: readonly { readonly index: number; readonly op: string; readonly line: number; readonly iteration?: readonly number[]; readonly result: unknown; readonly reports: readonly { readonly kind: string; readonly text: string }[] }[];
}

/** pagesim's steps printed as the exported C prints them, and its report lines. */
export function pagesimSide(run: PagesimRun): KernelSide {
  const steps: SideStep[] = [];
  const lines: { afterStep: number; text: string }[] = [];
  const skipped = new Set<number>();
  for (const s of run.steps) {
    const bugged = s.reports.some((r) => r.kind === 'BUG');
    if (s.op === 'check' || s.op === 'proc') skipped.add(s.index);
    else if (!bugged) steps.push({ index: s.index, op: s.op, value: printed(s.op, s.result) });
    if (s.op === 'dump_page' && typeof s.result === 'string') for (const l of s.result.split('\n')) if (isReportLine(l)) lines.push({ afterStep: s.index, text: l });
    for (const r of s.reports) for (const l of r.text.split('\n')) if (isReportLine(l)) lines.push({ afterStep: bugged ? s.index - 1 : s.index, text: l });
  }
  return { steps, lines, skipped };
}

function printed(op: string, v: unknown): string | null {
  if (op === 'dump_page') return null;
  if (v === null || v === undefined) {
    const r = getOp(op)?.result;
    return r === 'page' || r === 'handle' ? 'NULL' : null;
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return /^-?\d+$/.test(v) ? v : v;
  if (typeof v === 'object' && v !== null && 'pfn' in v) return `pfn 0x${(v as { pfn: number }).pfn.toString(16)}`;
  if (typeof v === 'object' && v !== null && 'handle' in v) {
    const h = (v as { handle: string }).handle;
    return h.replace(/^(\S+) ([0-9a-f]{16})\b.*$/, '$1 $2');
  }
  return JSON.stringify(v);
}

export interface Difference {
  readonly what: string;
  readonly kernel: string;
  readonly pagesim: string;
}

export interface Comparison {
  readonly agree: boolean;
  readonly steps: number;
  readonly reportLines: number;
  /** Lines equal but for a pointer the page's previous user left (staleEqual()). */
  readonly staleLines: number;
  readonly differences: Difference[];
}

/** Compares the two sides of one scenario; info maps a step index to what the scenario says of it. */
export function compareSides(kernel: KernelSide, ps: KernelSide, info: ReadonlyMap<number, StepInfo>): Comparison {
  const kn = new Names();
  const pn = new Names();
  const diffs: Difference[] = [];
  const kSteps = kernel.steps.filter((s) => !ps.skipped.has(s.index));
  const pSteps = ps.steps.filter((s) => !kernel.skipped.has(s.index));
  const n = Math.max(kSteps.length, pSteps.length);
  const kv: string[] = [];
  const pv: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = kSteps[i];
    const p = pSteps[i];
    const kInfo = k === undefined ? undefined : info.get(k.index);
    const pInfo = p === undefined ? undefined : info.get(p.index);
    const kt = k === undefined ? '(not reached)' : `step ${k.index} ${k.op}${k.value === null ? '' : ` = ${normaliseValue(k.value, kInfo, kn)}`}`;
    const pt = p === undefined ? '(not reached)' : `step ${p.index} ${p.op}${p.value === null ? '' : ` = ${normaliseValue(p.value, pInfo, pn)}`}`;
    if (k !== undefined) learn(kn, k, kInfo);
    if (p !== undefined) learn(pn, p, pInfo);
    kv.push(kt);
    pv.push(pt);
    if (kt !== pt) diffs.push({ what: 'step', kernel: kt, pagesim: pt });
  }
  const kl = kernel.lines.map((l) => normaliseReportLine(l.text, kn)).filter((l) => l !== 'Tainted:');
  const pl = ps.lines.map((l) => normaliseReportLine(l.text, pn)).filter((l) => l !== 'Tainted:');
  const m = Math.max(kl.length, pl.length);
  let stale = 0;
  for (let i = 0; i < m; i++) {
    const k = kl[i] ?? '(none)';
    const p = pl[i] ?? '(none)';
    if (k === p) continue;
    if (staleEqual(k, p)) stale++;
    else diffs.push({ what: 'report', kernel: k, pagesim: p });
  }
  void kv;
  void pv;
  return { agree: diffs.length === 0, steps: n, reportLines: m, staleLines: stale, differences: diffs };
}

/**
 * Whether two report lines differ only where the kernel shows a pointer the
 * page's previous user left and pagesim's fresh machine a zero: the
 * allocator clears neither page->index nor the words a slab (its freelist)
 * or a page table (pt_mm) kept there, so a page's dump in a kernel that has
 * run for a while carries its history. Two forms of it: a word that is a
 * 32-bit field and padding (struct folio's _folio_nr_pages in 6.12), where
 * the field was written and the padding half kept the old pointer's top,
 * so the kernel's word reads as a pointer and pagesim's has a zero top
 * half; and a tail page's `index:`, the head's stale index plus the page's
 * place in the folio. Nothing else is forgiven.
 */
export function staleEqual(kernel: string, pagesim: string): boolean {
  const k = kernel.split(' ');
  const p = pagesim.split(' ');
  if (k.length !== p.length) return false;
  let forgiven = 0;
  for (let i = 0; i < k.length; i++) {
    if (k[i] === p[i]) continue;
    if (k[i] === '<ptr>' && /^00000000[0-9a-f]{8}$/.test(p[i]!)) forgiven++;
    else if (staleIndex(k[i]!, p[i]!)) forgiven++;
    else return false;
  }
  return forgiven > 0;
}

/** `index:0x<stale pointer + n>` against `index:0x<n>`, n a page's place in its folio (under 512). */
function staleIndex(kernel: string, pagesim: string): boolean {
  const km = /^index:0x(ffff888[0-9a-f]{9})$/.exec(kernel);
  const pm = /^index:0x([0-9a-f]+)$/.exec(pagesim);
  if (km === null || pm === null) return false;
  const n = BigInt(`0x${pm[1]}`);
  const base = BigInt(`0x${km[1]}`) - n;
  return n < 512n && base >= DIRECT_MAP && base < DIRECT_MAP_END;
}
