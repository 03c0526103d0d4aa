/**
 * `pagesim explore SCENARIO`: every interleaving of a concurrent
 * scenario's atomic actions under each variant, the oracles' verdict on
 * each, and the first schedule of each failure as columns per CPU.
 */

import { InputError } from '../util/errors.js';
import { parseArgs } from './args.js';
import { loadScenario } from '../engine/load.js';
import { buildVariant } from '../engine/build.js';
import { checkVariants } from './cmd-run.js';
import { explore, runSchedule, ScheduleError, type ExploreResult } from '../explore/search.js';
import { judgeExplore } from '../explore/expect.js';
import { exploreJson, formatExplore, formatSchedule } from '../format/explore.js';
import type { Action, Exec } from '../explore/exec.js';
import { Progress } from '../replay/progress.js';
import { costTable, formatCostTable } from '../explore/cost.js';

export const EXPLORE_HELP = `usage: pagesim explore SCENARIO [--variant V]... [--preemptions K] [--random N --seed S] [--schedule LIST] [--json]
       pagesim explore --cost [--cpus N]... [--variant V]... [--json]

Runs every interleaving of a concurrent scenario's CPUs (cpus:) under each variant
stack (--variant, repeatable; default the file's variants). The refcount functions
run as sequences of atomic actions (each atomic_t operation one action, the free's
lock section one action); schedules that differ only in the order of actions on
different words are run once (partial-order reduction). Each schedule is judged by
the kernel's reports, the checker, final:'s expectations and reference ownership (a
CPU holding a reference never sees its page freed or frozen; no page is left
allocated that nobody holds). Prints the schedules run, the distinct end states, and
for each failure the first schedule that shows it as columns per CPU (kernel
function, word, old -> new) and as schedule: [...], which pagesim run replays when
added to the scenario. --preemptions K keeps schedules with at most K preemptions;
--random N runs N random schedules from seed S (default 1); --schedule 0,1,1,0
prints one schedule. --json prints {"explorations": [{"variant", "schedules",
"endStates", "failures": [{"signature", "count", "schedule", "actions"}],
"schedulesPerSecond", ...}]}. --cost prints, for each design, the atomic
read-modify-writes and failed compare-and-swaps per successful get over all
schedules of N CPUs (--cpus, default 2, 3 and 4) each getting and putting one
page. Exit status 1 when the file's explore: expectations do not hold. See
docs/explore.md.`;

export function exploreCommand(argv: readonly string[], help: (cmd: string) => number): number {
  const a = parseArgs(argv, { flags: ['json', 'help', 'cost'], options: ['variant', 'preemptions', 'random', 'seed', 'schedule', 'cpus'] }, 'explore');
  if (a.flags.has('help')) return help('explore');
  const json = a.flags.has('json');
  if (a.flags.has('cost')) {
    if (a.positional.length > 0) throw new InputError('explore --cost takes no scenario');
    const variants = a.options.get('variant') ?? ['baseline', 'refcount-frozen-warn', 'refcount-frozen-bit'];
    checkVariants(variants);
    const ns = (a.options.get('cpus') ?? ['2', '3', '4']).map((s) => wholeNumber(s, '--cpus', 2, 4));
    const table = costTable(variants, ns);
    process.stdout.write(json ? `${JSON.stringify({ cost: table }, null, 2)}\n` : `${formatCostTable(table)}\n`);
    return 0;
  }
  if (a.positional.length !== 1) throw new InputError('explore: give one scenario file (see pagesim explore --help)');
  const scn = loadScenario(a.positional[0]!);
  if (scn.cpus === undefined) throw new InputError('explore: the scenario has no cpus: (explore runs the interleavings of concurrent scenarios; see docs/explore.md)', scn.file);
  const variants = a.options.get('variant') ?? scn.variants;
  checkVariants(variants);
  const preemptions = a.options.has('preemptions') ? wholeNumber(a.options.get('preemptions')!.at(-1)!, '--preemptions', 0, 1000) : undefined;
  const random = a.options.has('random') ? wholeNumber(a.options.get('random')!.at(-1)!, '--random', 1, 10_000_000) : undefined;
  if (a.options.has('seed') && random === undefined) throw new InputError('explore: --seed goes with --random N');
  const seed = a.options.has('seed') ? wholeNumber(a.options.get('seed')!.at(-1)!, '--seed', 0, 2 ** 32 - 1) : 1;
  if (random !== undefined && preemptions !== undefined) throw new InputError('explore: --random and --preemptions do not go together');
  const schedule = a.options.has('schedule') ? parseScheduleOption(a.options.get('schedule')!.at(-1)!) : undefined;
  if (schedule !== undefined && (random !== undefined || preemptions !== undefined)) throw new InputError(`explore: --schedule runs one schedule; it does not go with --${random !== undefined ? 'random' : 'preemptions'}`);

  if (schedule !== undefined) {
    const texts: string[] = [];
    const runs: unknown[] = [];
    for (const v of variants) {
      const built = buildVariant(v);
      let r: ReturnType<typeof runSchedule>;
      try {
        r = runSchedule(built, scn, v, schedule);
      } catch (e) {
        if (e instanceof ScheduleError) throw new InputError(`--schedule: ${e.message}`, scn.file);
        throw e;
      }
      texts.push([`${scn.name} under ${v}: schedule [${r.leaf.schedule.join(', ')}]${r.leaf.failures.length + r.leaf.run.reports.length === 0 ? ', passes' : ''}`, ...formatSchedule(r.exec, r.trail, r.leaf)].join('\n'));
      runs.push({ variant: v, schedule: r.leaf.schedule, failures: r.leaf.failures, signatures: r.leaf.signatures });
    }
    process.stdout.write(json ? `${JSON.stringify({ schedules: runs }, null, 2)}\n` : `${texts.join('\n\n')}\n`);
    return 0;
  }

  const progress = new Progress();
  const texts: string[] = [];
  const jsons: unknown[] = [];
  let failed = false;
  for (const v of variants) {
    const built = buildVariant(v);
    if (built.assertionFailures.length > 0) throw new InputError(`explore: variant ${v} does not build: ${built.assertionFailures.map((f) => f.message).join('; ')}`);
    const res = explore(built, scn, v, { ...(preemptions !== undefined ? { preemptions } : {}), ...(random !== undefined ? { random, seed } : {}), progress: (n) => progress.update(`explore ${v}: ${n} schedules`) });
    progress.done();
    const judged = judgeExplore(scn, res);
    if (judged !== null && judged.length > 0) failed = true;
    const shown = showFailures(built, scn, v, res);
    if (json) jsons.push(exploreJson(res, shown, judged));
    else texts.push(formatExplore(res, new Map([...shown].map(([sig, s]) => [sig, formatSchedule(s.ex, s.trail, s.leaf)])), judged));
  }
  process.stdout.write(json ? `${JSON.stringify({ explorations: jsons }, null, 2)}\n` : `${texts.join('\n\n')}\n`);
  return failed ? 1 : 0;
}

/** Each failure's first schedule, run again with the kernel functions recorded. */
function showFailures(built: ReturnType<typeof buildVariant>, scn: ReturnType<typeof loadScenario>, v: string, res: ExploreResult): Map<string, { trail: readonly Action[]; ex: Exec; leaf: ReturnType<typeof runSchedule>['leaf'] }> {
  const out = new Map<string, { trail: readonly Action[]; ex: Exec; leaf: ReturnType<typeof runSchedule>['leaf'] }>();
  for (const [sig, g] of res.failures) {
    const r = runSchedule(built, scn, v, g.first.schedule);
    out.set(sig, { trail: r.trail, ex: r.exec, leaf: r.leaf });
    r.exec.k.releaseMemory();
  }
  return out;
}

function wholeNumber(s: string, what: string, min: number, max: number): number {
  if (!/^\d+$/.test(s) || Number(s) < min || Number(s) > max) throw new InputError(`explore: ${what} must be a whole number from ${min} to ${max}, got "${s}"`);
  return Number(s);
}

function parseScheduleOption(s: string): number[] {
  const t = s.replace(/^\[|\]$/g, '').trim();
  if (!/^\d+(\s*,\s*\d+)*$/.test(t)) throw new InputError(`explore: --schedule must be CPU numbers separated by commas (0,0,1,0), got "${s}"`);
  return t.split(',').map((x) => Number(x.trim()));
}
