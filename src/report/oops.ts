/**
 * The console text of BUG() and WARN() on x86_64, as a 2025-2026 kernel
 * prints it (arch/x86/kernel/dumpstack.c, kernel/panic.c, lib/dump_stack.c):
 *
 *   ------------[ cut here ]------------
 *   kernel BUG at mm/internal.h:597!
 *   Oops: invalid opcode: 0000 [#1] SMP NOPTI
 *   CPU: 0 UID: 0 PID: 1 Comm: pagesim Not tainted 7.3.0-rc5-pagesim #1 PREEMPT(voluntary)
 *   Hardware name: pagesim virtual machine, BIOS pagesim 01/01/2026
 *   RIP: 0010:__free_frozen_pages+0x1c0/0x4a0
 *   Call Trace:
 *    <TASK>
 *    __free_pages+0x30/0x70
 *    ...
 *    </TASK>
 *   Modules linked in:
 *   ---[ end trace 0000000000000000 ]---
 *
 * pagesim prints the non-inlined frames of its own simulated call stack;
 * the offsets inside functions are synthetic but stable. The register
 * block, the Code: line and the summary oops_end() prints after the end
 * marker (RIP and registers again) are omitted: they describe a CPU pagesim
 * does not simulate (docs/fidelity.md).
 *
 * A page fault in kernel mode (arch/x86/mm/fault.c page_fault_oops(),
 * linux-mm 7.3-rc5) prints show_fault_oops()'s lines and the page-table
 * walk before __die("Oops"), and CR2 before the end marker:
 *
 *   BUG: unable to handle page fault for address: ffffea017d804034
 *   #PF: supervisor read access in kernel mode
 *   #PF: error_code(0x0000) - not-present page
 *   PGD 0 P4D 0
 *   Oops: Oops: 0000 [#1] SMP NOPTI
 *   CPU: 0 UID: 0 ...
 *   ...
 *   Modules linked in:
 *   CR2: ffffea017d804034
 *   ---[ end trace 0000000000000000 ]---
 */

import type { Site } from './report.js';
import type { SymbolTable } from '../kernel/symbols.js';

export interface Task {
  comm: string;
  pid: number;
  cpu: number;
}

export const KERNEL_RELEASE = '7.3.0-rc5-pagesim';

/**
 * What an oops prints about the kernel that runs: init_utsname()'s release,
 * what dump_stack_print_info() (lib/dump_stack.c) prints after it on the
 * CPU line, and the flags __die_header() (arch/x86/kernel/dumpstack.c)
 * prints after the oops counter. A variant for another release gives its own.
 */
export interface KernelBuild {
  /** init_utsname()->release. */
  readonly release: string;
  /** The CPU line after the release and a space: the version up to its first space, then what that release adds. */
  readonly cpuTail: string;
  /** __die_header() after `[#n]`. */
  readonly dieFlags: string;
}

/**
 * The baseline's: the version `#1`, then the preempt model 6.13+ prints
 * (preempt_model_str(): a voluntary-preemption build); __die_header() with
 * CONFIG_SMP and PTI built in but off (NOPTI), no CONFIG_PREEMPTION.
 */
export const BUILD_7_3: KernelBuild = { release: KERNEL_RELEASE, cpuTail: '#1 PREEMPT(voluntary)', dieFlags: ' SMP NOPTI' };

/** __die_header()'s line: `Oops: STR: ERR [#n] FLAGS`, ERR four hex digits. */
export function dieHeader(str: string, err: string, oopsNr: number, build: KernelBuild): string {
  return `Oops: ${str}: ${err} [#${oopsNr}]${build.dieFlags}`;
}

/** dump_stack_print_info()'s CPU line. */
function cpuLine(task: Task, taint: string, build: KernelBuild): string {
  return `CPU: ${task.cpu} UID: 0 PID: ${task.pid} Comm: ${task.comm} ${taint} ${build.release} ${build.cpuTail}`;
}
/** The kernel-text symbol of pagesim's step runner: the caller of every operation a scenario runs. */
export const ROOT_FRAME = 'pagesim_run_step';
const HARDWARE = 'Hardware name: pagesim virtual machine, BIOS pagesim 01/01/2026';
export const CUT_HERE = '------------[ cut here ]------------';
/** print_oops_end_marker() (kernel/panic.c), called from oops_exit(). */
const END_TRACE = '---[ end trace 0000000000000000 ]---';

// kernel/panic.c taint_flags: the letter of each flag when set, in bit order ('G' for an unset P).
const TAINT_FLAGS = 'PFSRMBUDAWCIOELKXTNJ';
const TAINT_NAMES: Readonly<Record<string, string>> = { B: 'BAD_PAGE', D: 'DIE', W: 'WARN' };

/**
 * print_tainted(): "Not tainted", or "Tainted: " and one column per taint
 * flag (its letter when set, a space when not, 'G' for no proprietary
 * module), unpadded, as the kernel prints it into the CPU line; and the
 * v6.12+ legend line of print_tainted_verbose().
 */
function taintText(taints: ReadonlySet<string>): { inline: string; legend: string | null } {
  if (taints.size === 0) return { inline: 'Not tainted', legend: null };
  const cols = TAINT_FLAGS.split('').map((f) => (taints.has(f) ? f : f === 'P' ? 'G' : ' '));
  const legend = TAINT_FLAGS.split('')
    .filter((f) => taints.has(f))
    .map((f) => `[${f}]=${TAINT_NAMES[f] ?? f}`)
    .join(', ');
  return { inline: `Tainted: ${cols.join('')}`, legend: `Tainted: ${legend}` };
}

/** IRQ entry points: frames from one of these inwards ran in interrupt context. */
const IRQ_ENTRIES = new Set(['sysvec_apic_timer_interrupt']);
const IRQ_END = '</IRQ>';

/** Whether a call trace (callTrace()'s) was taken in interrupt context. */
export function inInterrupt(trace: readonly string[]): boolean {
  return trace.includes(IRQ_END);
}

/**
 * What panic() prints after an oops (kernel/panic.c vpanic(): no second
 * stack dump once TAINT_DIE is set; x86's panic notifier reports the
 * kernel offset, and pagesim's kernel text is not relocated).
 */
export function formatPanicText(reason: string): string[] {
  return [`Kernel panic - not syncing: ${reason}`, 'Kernel Offset: disabled', `---[ end Kernel panic - not syncing: ${reason} ]---`];
}

/** The Call Trace section: interrupt frames in <IRQ>, then the task's frames in <TASK>. */
function stackSection(trace: readonly string[]): string[] {
  const end = trace.indexOf(IRQ_END);
  const irq = end >= 0 ? [' <IRQ>', ...trace.slice(0, end).map((f) => ` ${f}`), ` ${IRQ_END}`] : [];
  const task = end >= 0 ? trace.slice(end + 1) : trace;
  return ['Call Trace:', ...irq, ' <TASK>', ...task.map((f) => ` ${f}`), ' </TASK>'];
}

/** The oops/warn body from the CPU line to the end marker. */
function body(task: Task, taints: ReadonlySet<string>, rip: string, trace: readonly string[], endTrace: boolean, build: KernelBuild): string[] {
  const t = taintText(taints);
  const lines = [cpuLine(task, t.inline, build)];
  if (t.legend !== null) lines.push(t.legend);
  lines.push(HARDWARE, `RIP: 0010:${rip}`, ...stackSection(trace), 'Modules linked in:');
  if (endTrace) lines.push(END_TRACE);
  return lines;
}

/** Full text of a VM_BUG_ON or BUG(): the page dump (if any), then the oops. */
export function formatBugText(dumped: readonly string[], site: Site, task: Task, taints: ReadonlySet<string>, rip: string, trace: readonly string[], oopsNr: number, build: KernelBuild): string[] {
  return [...dumped, CUT_HERE, `kernel BUG at ${site.file}:${site.line}!`, dieHeader('invalid opcode', '0000', oopsNr, build), ...body(task, taints, rip, trace, true, build)];
}

/**
 * An oops that is not a BUG(): a fault on a wild pointer. `header` is what
 * comes before the CPU line (for a page fault, show_fault_oops()'s lines and
 * __die()'s "Oops:" line); `cr2` the line page_fault_oops() prints after
 * __die() and before oops_end() prints the end marker.
 */
export function formatFaultText(header: readonly string[], task: Task, taints: ReadonlySet<string>, rip: string, trace: readonly string[], build: KernelBuild, cr2?: string): string[] {
  const lines = [...header, ...body(task, taints, rip, trace, false, build)];
  if (cr2 !== undefined) lines.push(cr2);
  lines.push(END_TRACE);
  return lines;
}

/**
 * Full text of a WARN: the page dump (if any), "cut here", the condition
 * of a WARN_ON(cond) or a WARN() message, then the v6.19+ banner
 * `WARNING: file:line at func+off/size, CPU#n: comm/pid`, and the end
 * marker (no register dump: see the top of this file). The condition line
 * is the kernel's only with CONFIG_DEBUG_BUGVERBOSE_DETAILED=y (lib/Kconfig.debug
 * of linux-mm 7.3-rc5: "Verbose WARN_ON_ONCE() reporting", default n);
 * pagesim prints it: a known difference from a default build (docs/fidelity.md).
 */
export function formatWarnText(dumped: readonly string[], banner: string, before: readonly string[], task: Task, taints: ReadonlySet<string>, rip: string, trace: readonly string[], build: KernelBuild): string[] {
  return [...dumped, CUT_HERE, ...before, banner, 'Modules linked in:', ...body(task, taints, rip, trace, true, build).filter((l) => l !== 'Modules linked in:')];
}

/** A stack dump (dump_stack()) as bad_page() and warn_alloc() print it. */
export function formatDumpStack(task: Task, taints: ReadonlySet<string>, trace: readonly string[], build: KernelBuild): string[] {
  const t = taintText(taints);
  const lines = [cpuLine(task, t.inline, build)];
  if (t.legend !== null) lines.push(t.legend);
  lines.push(HARDWARE, ...stackSection(trace));
  return lines;
}

function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Turns the simulated stack (innermost first, all kernel functions) into
 * the RIP frame and the printed call trace: inlined functions vanish into
 * their callers, as in a real oops.
 */
export function callTrace(stack: readonly string[], symbols: SymbolTable): { rip: string; trace: string[] } {
  const frames: string[] = [];
  let irqFrames = -1;
  let caller = '';
  // Every simulated call starts from a scenario step: the outermost frame, like a syscall entry.
  const full = [...stack, ROOT_FRAME];
  for (let i = full.length - 1; i >= 0; i--) {
    const name = full[i]!;
    const sym = symbols.get(name);
    if (sym === undefined || sym.inline) continue;
    // Offset of the call site: stable, inside the function, 1-byte granular like real return addresses.
    const off = (fnv(`${caller}>${name}`) % (sym.size - 8)) + 5;
    frames.unshift(`${name}+0x${off.toString(16)}/0x${sym.size.toString(16)}`);
    if (IRQ_ENTRIES.has(name)) irqFrames = frames.length;
    caller = name;
  }
  const trace = frames.slice(1);
  // Frames pushed after the interrupt entry (it included) ran in the interrupt: the first ones printed.
  if (irqFrames >= 0) {
    const inIrq = frames.length - irqFrames + 1;
    trace.splice(inIrq - 1, 0, IRQ_END);
  }
  return { rip: frames[0]!, trace };
}
