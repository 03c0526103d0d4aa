/**
 * __stringify(cond) (include/linux/stringify.h) as VM_BUG_ON_PAGE(),
 * VM_BUG_ON_FOLIO() and the VM_WARN_ON*_PAGE/FOLIO() macros use it
 * (include/linux/mmdebug.h): unlike #cond, it expands the macros in the
 * condition before turning it into the text dump_page() prints after
 * "page dumped because:".
 *
 * pagesim expands the macros whose expansion is fixed for the machine it
 * models (x86_64, CONFIG_NODES_SHIFT=10 as Debian builds), written as the
 * preprocessor writes them (checked against gcc -E of a 6.12 build; the
 * definitions are unchanged in the 7.3.0-rc5 tree): MAX_PAGE_ORDER,
 * MAX_NUMNODES, UINT_MAX, test_bit(). A condition holding a macro whose
 * expansion it cannot reproduce stays as written, whole:
 * PAGE_FLAGS_CHECK_AT_PREP expands through min() into __UNIQUE_ID_x_N
 * names numbered per compilation, and data_race() has changed shape from
 * one release to the next (docs/fidelity.md).
 */

/** Object-like macros: name -> expansion. */
const OBJECT_MACROS: Readonly<Record<string, string>> = {
  MAX_PAGE_ORDER: '10',
  MAX_NUMNODES: '(1 << 10)',
  UINT_MAX: '(~0U)',
};

/** Macros pagesim knows it cannot expand the way a kernel build does. */
const UNEXPANDABLE = /\b(PAGE_FLAGS_CHECK_AT_PREP|PAGE_FLAGS_CHECK_AT_FREE|data_race)\b/;

/** bitop(op, nr, addr) of include/linux/bitops.h, as test_bit(nr, addr) expands. */
function bitop(op: string, nr: string, addr: string): string {
  return (
    `((__builtin_constant_p(${nr}) && __builtin_constant_p((uintptr_t)(${addr}) != (uintptr_t)((void *)0)) && ` +
    `(uintptr_t)(${addr}) != (uintptr_t)((void *)0) && __builtin_constant_p(*(const unsigned long *)(${addr}))) ? ` +
    `const${op}(${nr}, ${addr}) : ${op}(${nr}, ${addr}))`
  );
}

/** Splits a macro call's arguments at top-level commas; the index after the closing parenthesis, or null. */
function callArgs(s: string, open: number): { args: string[]; end: number } | null {
  let depth = 0;
  let start = open + 1;
  const args: string[] = [];
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) {
        args.push(s.slice(start, i).trim());
        return { args, end: i + 1 };
      }
    } else if (c === ',' && depth === 1) {
      args.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  return null;
}

/** The text __stringify(cond) gives for a condition as written in the kernel source. */
export function __stringify(cond: string): string {
  if (UNEXPANDABLE.test(cond)) return cond;
  let out = cond.replace(/\b[A-Z_][A-Z0-9_]*\b/g, (m) => OBJECT_MACROS[m] ?? m);
  for (let at = out.search(/\btest_bit\(/); at >= 0; at = out.search(/\btest_bit\(/)) {
    const call = callArgs(out, at + 'test_bit'.length);
    if (call === null || call.args.length !== 2) return cond;
    out = out.slice(0, at) + bitop('_test_bit', call.args[0]!, call.args[1]!) + out.slice(call.end);
  }
  return out;
}
