/**
 * The kernel's /proc memory text formats: printers, parsers and the builders
 * the simulator uses to produce them.
 */
export type * from './types.js';
export { buildBuddyInfo, formatBuddyInfo, parseBuddyInfo, type BuddyInfoZoneInput } from './buddyinfo.js';
export {
  buildPageTypeInfo, formatPageTypeInfo, parsePageTypeInfo,
  type PageTypeInfoInput, type PageTypeInfoZoneInput,
} from './pagetypeinfo.js';
export {
  buildZoneInfo, formatZoneInfo, parseZoneInfo, zoneInfoNumber,
  type ZoneInfoNodeInput, type ZoneInfoPagesetInput, type ZoneInfoZoneInput,
} from './zoneinfo.js';
export { buildVmStat, formatVmStat, parseVmStat } from './vmstat.js';
export { buildMemInfo, formatMemInfo, parseMemInfo } from './meminfo.js';
export { NODE_STAT_ITEMS, NUMA_EVENT_ITEMS, VMSTAT_ITEMS, ZONE_STAT_ITEMS } from './counters.js';
export { detectProcFile, type ProcFileKind } from './detect.js';
