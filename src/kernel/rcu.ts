/**
 * kernel/rcu/tree.c: call_rcu() and callback invocation, in bytes.
 *
 * call_rcu(head, func) writes into the `struct callback_head` the caller
 * hands it (next at +0, func at +8): the callback's address really lands in
 * those bytes, whatever else overlays them (in struct page, rcu_head sits at
 * offset 8, over compound_head and lru). Each CPU keeps one callback list
 * whose head pointer lives in kernel data and whose links are the
 * callback_heads' own `next` fields.
 *
 * Grace periods: a grace period ends at a `synchronize_rcu` or
 * `rcu_barrier` step, and after every N steps when the scenario asks for
 * it (machine.rcu_grace_steps). Callbacks queued before the grace period
 * ended are then invoked in order, per CPU, from the RCU softirq of a timer
 * interrupt, as rcu_do_batch() would: the function pointer is read back from
 * the callback_head, so a callback_head that something overwrote calls
 * whatever the bytes now say (a wild pointer oopses as the CPU would).
 */

import { Slub } from './slub.js';
import { isCanonical } from './machine.js';
import { declareSymbols } from './symbols.js';
import { callTrace, dieHeader, formatFaultText } from '../report/oops.js';
import { KernelBug } from '../report/report.js';
import { hex16 } from '../util/hex.js';

declareSymbols('kernel/rcu/tree.c', ['call_rcu', 'synchronize_rcu', 'rcu_barrier', 'rcu_core']);
declareSymbols('kernel/rcu/tree.c', ['rcu_do_batch'], true);
declareSymbols('kernel/softirq.c', ['handle_softirqs', '__irq_exit_rcu', 'irq_exit_rcu']);
declareSymbols('arch/x86/kernel/apic/apic.c', ['sysvec_apic_timer_interrupt']);
declareSymbols('arch/x86/include/asm/idtentry.h', ['asm_sysvec_apic_timer_interrupt']);

/** Kernel functions that may be invoked as RCU callbacks (each is a method of the simulated kernel). */
const rcuCallbacks = new Set<string>();

export function declareRcuCallback(file: string, name: string): void {
  declareSymbols(file, [name]);
  rcuCallbacks.add(name);
}

/** Callbacks invoked per grace period and CPU at most (a limit on everything). */
const MAX_CALLBACKS_PER_BATCH = 1 << 20;

export abstract class Rcu extends Slub {
  /** Word of each CPU's callback list head pointer (kernel data). */
  private rcuHeadWord: number[] = [];
  /** Word of the pointer the next queued callback is linked through (the last `next`, or the head). */
  private rcuTailWord: number[] = [];
  private rcuLen: number[] = [];
  /** End a grace period every N scenario steps (0: only at synchronize_rcu / rcu_barrier). */
  rcuGraceSteps = 0;
  private stepsSinceGrace = 0;

  override boot(): void {
    super.boot();
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      const w = this.kdataAlloc(16);
      this.setNull(w);
      this.rcuHeadWord.push(w);
      this.rcuTailWord.push(w);
      this.rcuLen.push(0);
    }
  }

  /** Callbacks waiting on each CPU. */
  rcuPending(): number {
    return this.rcuLen.reduce((a, b) => a + b, 0);
  }

  /**
   * The callbacks queued and not yet invoked, per CPU in queue order, read
   * from the lists' bytes without writing (for observers: `run --leaks`).
   * `func` is the callback's name, or its address in hex when it names no
   * callback; a link that points nowhere ends the walk.
   */
  rcuQueued(): { cpu: number; head: number; func: string }[] {
    const out: { cpu: number; head: number; func: string }[] = [];
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      let w = this.rcuHeadWord[cpu]!;
      for (let i = 0; i < this.rcuLen[cpu]! && !this.isNull(w); i++) {
        const head = this.wordOfAddr(this.m32[w + 1]!, this.m32[w]!);
        if (head < 0) break;
        const addr = this.read64(head + 2);
        const found = this.symbols.lookup(addr);
        out.push({ cpu, head, func: found !== undefined && found.offset === 0 && rcuCallbacks.has(found.sym.name) ? found.sym.name : `0x${hex16(addr)}` });
        w = head;
      }
    }
    return out;
  }

  /**
   * The pages a queued callback will free (for `run --leaks`): what the
   * callback knows, where a subclass defines the callback; else the page
   * its callback_head is in (a struct page's, or the page's own bytes).
   */
  rcuCallbackPages(head: number, func: string): number[] {
    void func;
    return [head < this.nr_pages * this.PW ? this.pfnOfWord(head) : this.virt_to_pfn(head)];
  }

  /** call_rcu(head, func): queue `func` to run on `head` after a grace period. */
  call_rcu(head: number, func: string): void {
    const cpu = this.current.cpu;
    this.setNull(head);
    this.write64(head + 2, this.symbols.addr(func));
    this.storeAddrOf(this.rcuTailWord[cpu]!, head);
    this.rcuTailWord[cpu] = head;
    this.rcuLen[cpu]!++;
  }

  /** synchronize_rcu(): a full grace period; the callbacks it makes ready run on return from the next interrupt. */
  synchronize_rcu(): void {
    this.rcuGracePeriod();
  }

  /** rcu_barrier(): every callback queued so far has been invoked when it returns. */
  rcu_barrier(): void {
    this.rcuGracePeriod();
  }

  /** Called by the runner after each step: ends a grace period every rcuGraceSteps steps. */
  rcuStep(): void {
    if (this.rcuGraceSteps <= 0) return;
    if (++this.stepsSinceGrace >= this.rcuGraceSteps) this.rcuGracePeriod();
  }

  private rcuGracePeriod(): void {
    this.stepsSinceGrace = 0;
    const ready = this.rcuLen.slice();
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      if (ready[cpu] === 0) continue;
      const saved = this.current.cpu;
      this.current.cpu = cpu;
      try {
        this.asm_sysvec_apic_timer_interrupt(ready[cpu]!);
      } finally {
        this.current.cpu = saved;
      }
    }
  }

  // The path a timer interrupt takes to the RCU softirq: kept as separate
  // kernel functions so that a report from a callback shows the kernel's stack.
  asm_sysvec_apic_timer_interrupt(n: number): void {
    this.sysvec_apic_timer_interrupt(n);
  }

  sysvec_apic_timer_interrupt(n: number): void {
    this.irq_exit_rcu(n);
  }

  irq_exit_rcu(n: number): void {
    this.__irq_exit_rcu(n);
  }

  __irq_exit_rcu(n: number): void {
    this.handle_softirqs(n);
  }

  handle_softirqs(n: number): void {
    this.rcu_core(n);
  }

  rcu_core(n: number): void {
    this.rcu_do_batch(n);
  }

  /** rcu_do_batch(): detach the first n callbacks of this CPU, then invoke each, reading next and func from its bytes. */
  rcu_do_batch(n: number): void {
    const cpu = this.current.cpu;
    const headW = this.rcuHeadWord[cpu]!;
    // Detach the ready callbacks: walk n links from the list head.
    let first = this.isNull(headW) ? -1 : this.derefWord(headW);
    let rest = first;
    let last = -1;
    for (let i = 0; i < n && rest >= 0; i++) {
      last = rest;
      rest = this.isNull(rest) ? -1 : this.derefWord(rest);
    }
    if (rest < 0) {
      this.setNull(headW);
      this.rcuTailWord[cpu] = headW;
    } else {
      this.storeAddrOf(headW, rest);
    }
    if (last >= 0) this.setNull(last);
    this.rcuLen[cpu]! -= n;
    let count = 0;
    while (first >= 0) {
      if (++count > MAX_CALLBACKS_PER_BATCH) throw new RangeError('RCU callback list loops');
      const rhp = first;
      first = this.isNull(rhp) ? -1 : this.derefWord(rhp);
      const fhi = this.m32[rhp + 3]!;
      const flo = this.m32[rhp + 2]!;
      this.invokeRcuCallback(rhp, fhi, flo);
    }
  }

  /** Calls the function whose address the callback_head holds. */
  private invokeRcuCallback(rhp: number, hi: number, lo: number): void {
    const addr = (BigInt(hi) << 32n) | BigInt(lo);
    const found = this.symbols.lookup(addr);
    if (found !== undefined && found.offset === 0 && rcuCallbacks.has(found.sym.name)) {
      const fn = (this as unknown as Record<string, (head: number) => void>)[found.sym.name];
      if (typeof fn === 'function') {
        fn.call(this, rhp);
        return;
      }
    }
    this.oopsCall(addr);
  }

  /** The CPU jumped to a bad address: NULL, a non-text address, or the middle of a function. */
  private oopsCall(addr: bigint): never {
    const hex = hex16(addr);
    const stack = this.kernelStack();
    const { rip: caller, trace } = callTrace(stack, this.symbols);
    const inText = this.symbols.lookup(addr) !== undefined;
    const canonical = isCanonical(addr);
    // The middle of a function: invalid opcode. A canonical address outside the text: an instruction-fetch page fault
    // (arch/x86/mm/fault.c page_fault_oops(), linux-mm 7.3-rc5). A non-canonical one: #GP, whose instruction (an
    // indirect jump through a register) names no memory operand, so exc_general_protection() (arch/x86/kernel/traps.c) gives no hint.
    const lines = inText
      ? [dieHeader('invalid opcode', '0000', this.nextOops(), this.kernelBuild())]
      : canonical
        ? this.pageFaultHeader(addr, true)
        : [dieHeader('general protection fault', '0000', this.nextOops(), this.kernelBuild())];
    const header = lines.find((l) => l.startsWith('BUG: ')) ?? lines[0]!;
    const rip = inText ? this.symbols.format(addr) : `0x${hex}`;
    const text = formatFaultText(lines, this.current, this.taints, rip, [caller, ...trace], this.kernelBuild(), !inText && canonical ? `CR2: ${hex}` : undefined);
    this.printk(text);
    // Callbacks run from the RCU softirq: an oops there is in interrupt context.
    const r = { kind: 'BUG' as const, function: 'rcu_do_batch', rip, reason: 'bad RCU callback pointer', message: header, pfn: null, text: text.join('\n'), irq: true };
    this.record(r);
    throw new KernelBug(r);
  }
}
