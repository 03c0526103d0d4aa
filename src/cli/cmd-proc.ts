/**
 * `pagesim proc NAME [--memory SIZE] [--cpus N] [--nodes N] [--variant V]`:
 * /proc/NAME of a freshly booted simulated machine, as the kernel prints it.
 * `pagesim proc --roundtrip FILE`: parses a real /proc file (its kind
 * recognised by content) and prints it back from the parsed model. See
 * docs/proc.md.
 */

import { readInputText } from '../util/input-file.js';
import { LIMITS } from '../kernel/config.js';
import { parseArgs, parseSize } from './args.js';
import { InputError } from '../util/errors.js';
import { variantProblem } from '../variants/index.js';
import { buildVariant, createMachine } from '../engine/build.js';
import { DEFAULT_MACHINE, machineConfigProblem } from '../kernel/mm_init.js';
import { PROC_FILES, procFile, type ProcFile } from '../engine/proc.js';
import {
  detectProcFile, formatBuddyInfo, formatMemInfo, formatPageTypeInfo, formatVmStat, formatZoneInfo,
  parseBuddyInfo, parseMemInfo, parsePageTypeInfo, parseVmStat, parseZoneInfo,
} from '../procfs/index.js';

export const PROC_HELP = `usage: pagesim proc NAME [--memory SIZE] [--cpus N] [--nodes N] [--variant V]
       pagesim proc --roundtrip FILE

Prints /proc/NAME (${PROC_FILES.join(', ')}) of a freshly booted simulated
machine (default ${DEFAULT_MACHINE.memoryBytes / 2 ** 30} GiB, ${DEFAULT_MACHINE.cpus} CPUs, ${DEFAULT_MACHINE.nodes} node), exactly as the kernel prints it.

--roundtrip FILE parses a real /proc file (buddyinfo, pagetypeinfo, zoneinfo,
vmstat or meminfo, recognised by its first line) and prints it back from the
parsed model: the output is byte-identical to the file. A file pagesim cannot
read is reported as FILE:LINE: what is wrong (exit status 2).`;

function integer(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new InputError(`proc: --${name} must be a whole number (got "${text}")`);
  return Number(text);
}

function one(values: readonly string[] | undefined, name: string): string | undefined {
  if (values === undefined) return undefined;
  if (values.length > 1) throw new InputError(`proc: --${name} given ${values.length} times`);
  return values[0];
}

/** Parses a /proc file and prints it back from the model. */
export function roundtrip(text: string, file: string): string {
  const kind = detectProcFile(text);
  switch (kind) {
    case 'buddyinfo':
      return formatBuddyInfo(parseBuddyInfo(text, file));
    case 'pagetypeinfo':
      return formatPageTypeInfo(parsePageTypeInfo(text, file));
    case 'zoneinfo':
      return formatZoneInfo(parseZoneInfo(text, file));
    case 'vmstat':
      return formatVmStat(parseVmStat(text, file));
    case 'meminfo':
      return formatMemInfo(parseMemInfo(text, file));
    default:
      throw new InputError('not a /proc file pagesim reads (buddyinfo, pagetypeinfo, zoneinfo, vmstat or meminfo), judging by its first line', file, 1);
  }
}

function run(argv: readonly string[]): number {
  const a = parseArgs(argv, { flags: ['help'], options: ['memory', 'cpus', 'nodes', 'variant', 'roundtrip'] }, 'proc');
  if (a.flags.has('help')) {
    process.stdout.write(`${PROC_HELP}\n`);
    return 0;
  }
  const file = one(a.options.get('roundtrip'), 'roundtrip');
  if (file !== undefined) {
    if (a.positional.length > 0 || a.options.size > 1) throw new InputError('proc: --roundtrip FILE takes no other arguments');
    const text = readInputText(file, '/proc file', LIMITS.procFileBytesMax);
    process.stdout.write(roundtrip(text, file));
    return 0;
  }
  if (a.positional.length !== 1) throw new InputError(`proc: give one file name (${PROC_FILES.join(', ')}) or --roundtrip FILE`);
  const name = a.positional[0]!.replace(/^\/proc\//, '');
  if (!(PROC_FILES as readonly string[]).includes(name)) throw new InputError(`proc: unknown file "${name}" (known: ${PROC_FILES.join(', ')})`);
  const memory = one(a.options.get('memory'), 'memory');
  const config = {
    memoryBytes: memory === undefined ? DEFAULT_MACHINE.memoryBytes : parseSize(memory, '--memory'),
    cpus: integer(one(a.options.get('cpus'), 'cpus'), 'cpus', DEFAULT_MACHINE.cpus),
    nodes: integer(one(a.options.get('nodes'), 'nodes'), 'nodes', DEFAULT_MACHINE.nodes),
  };
  const problem = machineConfigProblem(config);
  if (problem !== null) throw new InputError(`proc: ${problem}`);
  const variant = one(a.options.get('variant'), 'variant') ?? 'baseline';
  const vp = variantProblem(variant);
  if (vp !== null) throw new InputError(`proc: --variant: ${vp}`);
  const k = createMachine(buildVariant(variant), config);
  process.stdout.write(procFile(k, name as ProcFile));
  return 0;
}

/** Runs the command; bad input is printed as one line with status 2. */
export function procCommand(argv: readonly string[]): number {
  try {
    return run(argv);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    process.stderr.write(`${e.oneLine()}\n`);
    return 2;
  }
}
