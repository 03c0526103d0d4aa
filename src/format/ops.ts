/** `pagesim ops`: the operation registry as text or as the Markdown reference in docs/scenarios.md. */

import type { OpDef } from '../engine/ops.js';
import type { ParamDef } from '../scenario/types.js';
import { formatGfp } from '../kernel/gfp.js';

/** A parameter as `name: type = default`; an integer shows the C type its value is converted to. */
function param(p: ParamDef): string {
  const type = p.ctype?.name ?? p.type;
  if (p.default === undefined) return `${p.name}: ${type}`;
  const d = p.type === 'gfp' && typeof p.default === 'number' ? formatGfp(p.default) : typeof p.default === 'number' && p.default > 0xffff ? `0x${p.default.toString(16)}` : String(p.default);
  return `${p.name}: ${type} = ${d}`;
}

function groups(ops: readonly OpDef[]): Map<string, OpDef[]> {
  const g = new Map<string, OpDef[]>();
  for (const op of ops) g.set(op.group, [...(g.get(op.group) ?? []), op]);
  return g;
}

export function formatOpsText(ops: readonly OpDef[]): string {
  const out: string[] = [];
  for (const [group, list] of groups(ops)) {
    out.push(`${group}:`);
    for (const op of list) out.push(`  ${op.name}(${op.params.map(param).join(', ')}) -> ${op.result}${op.requires ? `   [variants providing ${op.requires}]` : ''}`);
  }
  return out.join('\n');
}

export function formatOpsMarkdown(ops: readonly OpDef[]): string {
  const out: string[] = [];
  for (const [group, list] of groups(ops)) {
    out.push(`### ${group}`, '', '| operation | parameters | result | what it does |', '|---|---|---|---|');
    for (const op of list) {
      const note = op.requires ? ` Only in variants that provide \`${op.requires}\`.` : '';
      out.push(`| \`${op.name}\` | ${op.params.map((p) => `\`${param(p).replace(/\|/g, '\\|')}\``).join(', ') || '-'} | ${op.result} | ${op.doc.replace(/\|/g, '\\|')}${note} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
