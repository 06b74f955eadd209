const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB']

/** Bytes for people: 0 B, 812 B, 4.2 KB, 37 MB (decimal units, as network rates are usually quoted). */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes)
  let unit = 0
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000
    unit++
  }
  // One decimal while the number is small enough for it to matter, none beyond (12.3 MB, 123 MB), and none when it is .0 (50 KB).
  const digits = unit === 0 || value >= 100 ? 0 : 1
  return `${value.toFixed(digits).replace(/\.0$/, '')} ${BYTE_UNITS[unit]}`
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`
}

/**
 * A 0..1 share as a whole percent. Within 1 % of either end it shows one decimal, so the first peer bytes do not
 * read as 0 % and a share with some HTTP left does not read as 100 %.
 */
export function formatPercent(share: number): string {
  const percent = share * 100
  if ((percent > 0 && percent < 1) || (percent > 99 && percent < 100)) return `${(Math.floor(percent * 10) / 10).toFixed(1)} %`
  return `${Math.round(percent)} %`
}

export function formatCount(count: number): string {
  return count.toLocaleString('en-US')
}
