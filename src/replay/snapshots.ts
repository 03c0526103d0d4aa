/**
 * The /proc snapshots a replay starts from (--initial, t0_*) and compares
 * with (--compare, t1_*): read, recognised by content (detectProcFile), and
 * parsed with src/procfs, whose errors already name the file and line.
 */

import { existsSync } from 'node:fs';
import { readInputText } from '../util/input-file.js';
import { LIMITS } from '../kernel/config.js';
import { basename, dirname, join } from 'node:path';
import { detectProcFile, parseBuddyInfo, parsePageTypeInfo, parseZoneInfo } from '../procfs/index.js';
import type { BuddyInfo, PageTypeInfo, ZoneInfo } from '../procfs/index.js';
import { InputError } from '../util/errors.js';

export interface Snapshot {
  /** Files read, in the order given. */
  readonly files: readonly string[];
  readonly buddyinfo?: BuddyInfo;
  readonly pagetypeinfo?: PageTypeInfo;
  readonly zoneinfo?: ZoneInfo;
}

export const EMPTY_SNAPSHOT: Snapshot = { files: [] };

const KINDS = ['buddyinfo', 'pagetypeinfo', 'zoneinfo'] as const;
type Kind = (typeof KINDS)[number];

/** Reads a comma-separated list of /proc files given to `option`. */
export function loadSnapshot(list: string, option: string): Snapshot {
  const files = list.split(',').map((f) => f.trim()).filter((f) => f !== '');
  if (files.length === 0) throw new InputError(`${option}: no file given (expected a comma-separated list such as t0_buddyinfo,t0_pagetypeinfo,t0_zoneinfo)`);
  return loadFiles(files, option);
}

function loadFiles(files: readonly string[], option: string): Snapshot {
  const out: { buddyinfo?: BuddyInfo; pagetypeinfo?: PageTypeInfo; zoneinfo?: ZoneInfo } = {};
  const seen = new Map<Kind, string>();
  for (const file of files) {
    let text: string;
    try {
      text = readInputText(file, '/proc file', LIMITS.procFileBytesMax);
    } catch (err) {
      throw new InputError(`${option}: ${(err as InputError).message}`, file);
    }
    const kind = detectProcFile(text);
    if (kind === null) throw new InputError(`${option}: not a buddyinfo, pagetypeinfo or zoneinfo file`, file, 1);
    if (kind === 'vmstat' || kind === 'meminfo') throw new InputError(`${option}: this is a ${kind} file; ${option} takes buddyinfo, pagetypeinfo and zoneinfo`, file, 1);
    const before = seen.get(kind);
    if (before !== undefined) throw new InputError(`${option}: two ${kind} files (${before} and ${file})`, file);
    seen.set(kind, file);
    if (kind === 'buddyinfo') out.buddyinfo = parseBuddyInfo(text, file);
    else if (kind === 'pagetypeinfo') out.pagetypeinfo = parsePageTypeInfo(text, file);
    else out.zoneinfo = parseZoneInfo(text, file);
  }
  checkAgreement(out, seen);
  return { files, ...out };
}

/** buddyinfo and pagetypeinfo of one snapshot must describe the same zones. */
function checkAgreement(s: { buddyinfo?: BuddyInfo; pagetypeinfo?: PageTypeInfo }, seen: ReadonlyMap<Kind, string>): void {
  if (s.buddyinfo === undefined || s.pagetypeinfo === undefined) return;
  const zones = (rows: readonly { node: number; zone: string }[]): string => [...new Set(rows.map((r) => `${r.node}/${r.zone}`))].join(' ');
  if (zones(s.buddyinfo.zones) !== zones(s.pagetypeinfo.blocks)) {
    throw new InputError(`buddyinfo lists zones ${zones(s.buddyinfo.zones)} but pagetypeinfo lists ${zones(s.pagetypeinfo.blocks)}: not the same machine`, seen.get('pagetypeinfo'));
  }
}

/** The t0_/t1_ files that sit next to a trace, when there are any. */
export function snapshotsNextTo(tracePath: string, prefix: 't0_' | 't1_'): string[] {
  const dir = dirname(tracePath);
  return KINDS.map((k) => join(dir, `${prefix}${k}`)).filter((f) => existsSync(f));
}

/** Loads the files found next to a trace, or the empty snapshot. */
export function loadNextTo(tracePath: string, prefix: 't0_' | 't1_', option: string): Snapshot {
  const files = snapshotsNextTo(tracePath, prefix);
  return files.length === 0 ? EMPTY_SNAPSHOT : loadFiles(files, `${option} (${prefix}* next to ${basename(tracePath)})`);
}
