/**
 * Editing a declaration the way a patch edits a header: a variant that
 * changes a struct says which member it adds, removes or replaces, and the
 * layout is recomputed from the edited declaration. Offsets are never
 * written by hand.
 *
 * Members are found by name anywhere in the tree, descending through
 * anonymous structs and unions (as C member lookup does); anonymous
 * aggregates are found by their label.
 */

import type { AggregateType, CType, Member } from './ctype.js';

type Where = { kind: 'after' | 'before' | 'replace' | 'remove'; name: string };

function matches(m: Member, name: string): boolean {
  if (m.name !== undefined) return m.name === name;
  return (m.type.kind === 'struct' || m.type.kind === 'union') && m.type.label === name;
}

function edit(t: AggregateType, where: Where, add: readonly Member[]): { type: AggregateType; done: boolean } {
  const idx = t.members.findIndex((m) => matches(m, where.name));
  if (idx >= 0) {
    const members = [...t.members];
    switch (where.kind) {
      case 'after':
        members.splice(idx + 1, 0, ...add);
        break;
      case 'before':
        members.splice(idx, 0, ...add);
        break;
      case 'replace':
        members.splice(idx, 1, ...add);
        break;
      case 'remove':
        members.splice(idx, 1);
        break;
    }
    return { type: { ...t, members }, done: true };
  }
  for (let i = 0; i < t.members.length; i++) {
    const m = t.members[i]!;
    if (m.name !== undefined) continue; // only anonymous members share our namespace
    const mt = m.type;
    if (mt.kind !== 'struct' && mt.kind !== 'union') continue;
    const r = edit(mt, where, add);
    if (r.done) {
      const members = [...t.members];
      members[i] = { ...m, type: r.type };
      return { type: { ...t, members }, done: true };
    }
  }
  return { type: t, done: false };
}

function apply(t: AggregateType, where: Where, add: readonly Member[]): AggregateType {
  const r = edit(t, where, add);
  if (!r.done) throw new Error(`no member ${where.name} in ${t.tag ?? t.label ?? 'anonymous aggregate'}`);
  return r.type;
}

export function insertAfter(t: AggregateType, name: string, ...add: Member[]): AggregateType {
  return apply(t, { kind: 'after', name }, add);
}

export function insertBefore(t: AggregateType, name: string, ...add: Member[]): AggregateType {
  return apply(t, { kind: 'before', name }, add);
}

export function replaceMember(t: AggregateType, name: string, ...add: Member[]): AggregateType {
  return apply(t, { kind: 'replace', name }, add);
}

export function removeMember(t: AggregateType, name: string): AggregateType {
  return apply(t, { kind: 'remove', name }, []);
}

/** Appends members to the end of the anonymous aggregate labelled `label` (or to `t` itself if label is its tag). */
export function appendTo(t: AggregateType, label: string, ...add: Member[]): AggregateType {
  if (t.tag === label || t.label === label) return { ...t, members: [...t.members, ...add] };
  for (let i = 0; i < t.members.length; i++) {
    const m = t.members[i]!;
    const mt: CType = m.type;
    if (mt.kind !== 'struct' && mt.kind !== 'union') continue;
    if (mt.label === label || (m.name === undefined && mt.label !== undefined)) {
      try {
        const inner = appendTo(mt, label, ...add);
        const members = [...t.members];
        members[i] = { ...m, type: inner };
        return { ...t, members };
      } catch {
        // not in this branch
      }
    }
  }
  throw new Error(`no aggregate labelled ${label}`);
}
