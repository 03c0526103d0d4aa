/**
 * What `pagesim replay` loads once the trace is being read (src/cli/cmd-replay.ts):
 * the simulated kernel, the checker, the /proc parsers and the report, most
 * of pagesim. `npm run build` also bundles this module and everything it
 * imports into one file (scripts/build-replay.mjs), which the command loads
 * instead while it is newer than every module in it.
 */

export { variantProblem } from '../variants/index.js';
export { EMPTY_SNAPSHOT, loadNextTo, loadSnapshot } from './snapshots.js';
export { replayTrace } from './replay.js';
export { formatReplayHuman, replayJson } from './report.js';
export { Progress } from './progress.js';
