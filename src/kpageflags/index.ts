/**
 * /proc/kpageflags and /proc/kpagecount for simulated machines, and the
 * summary tools/mm/page-types prints for any kpageflags image.
 */

export * from './kpf.js';
export { readImage, imageFromBytes, writeImage, imageBytes, countAt, entryU64, asWords, type KpageImage } from './image.js';
export { snapshot_page, is_free_buddy_page, MAX_FOLIO_NR_PAGES, type PageSnapshot } from './snapshot.js';
export { stable_page_flags, stablePageFlagsOf, kpage_count, kpageCountOf, type KpfContext, type KpfWords } from './stable-page-flags.js';
export { encodeImages, writeImages, maxDumpPfn, PAGES_PER_SECTION, type KpageImages } from './write.js';
export { summarize, pageTypesSummary, formatPageTypes, pageFlagName, pageFlagLongname, type PageTypesOptions, type PageTypesRow, type PageTypesSummary } from './page-types.js';
export { runScenarioKeepMachine, type KeptMachine } from './scenario-machine.js';
export { buildSampleMachine, type SampleMachine, type SamplePages } from './sample.js';
