/** The errno values pagesim's operations return (include/uapi/asm-generic/errno-base.h, errno.h). */
export const ERRNO: ReadonlyMap<string, number> = new Map([
  ['EPERM', 1],
  ['ENOENT', 2],
  ['EINTR', 4],
  ['EIO', 5],
  ['E2BIG', 7],
  ['EAGAIN', 11],
  ['ENOMEM', 12],
  ['EACCES', 13],
  ['EFAULT', 14],
  ['EBUSY', 16],
  ['EEXIST', 17],
  ['ENODEV', 19],
  ['EINVAL', 22],
  ['ENOSPC', 28],
  ['ERANGE', 34],
  ['ENOSYS', 38],
  ['EOPNOTSUPP', 95],
  ['ENOTCONN', 107],
  ['EREMOTEIO', 121],
]);

const BY_VALUE = new Map([...ERRNO].map(([k, v]) => [v, k]));

/** `-EINVAL` for -22; null when the value is not a known errno. */
export function errnoName(negative: number): string | null {
  const n = BY_VALUE.get(-negative);
  return n === undefined ? null : `-${n}`;
}

export const ENOMEM = ERRNO.get('ENOMEM')!;
export const EINVAL = ERRNO.get('EINVAL')!;
export const EFAULT = ERRNO.get('EFAULT')!;
export const EBUSY = ERRNO.get('EBUSY')!;
