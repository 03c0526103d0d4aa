/** The C integer types operation parameters are declared with (x86_64 LP64), from the layout declarations. */
export { int, unsigned_int, long, unsigned_long, size_t, u32, u64 } from '../layout/ctype.js';
