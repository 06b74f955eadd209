import { readFileSync } from 'node:fs'

/** Whole-machine CPU use from /proc/stat (Linux): busy share of all cores between two reads. */
export class CpuMeter {
  private last = CpuMeter.read()
  private readonly samples: number[] = []

  private static read(): { busy: number; total: number } | null {
    try {
      const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!
      const fields = line.trim().split(/\s+/).slice(1).map(Number)
      const idle = (fields[3] ?? 0) + (fields[4] ?? 0)
      const total = fields.reduce((a, b) => a + b, 0)
      return { busy: total - idle, total }
    } catch {
      return null
    }
  }

  /** Takes a sample; returns the busy share since the previous one (0..1), or null where /proc/stat is missing. */
  sample(): number | null {
    const now = CpuMeter.read()
    const prev = this.last
    this.last = now
    if (!now || !prev || now.total === prev.total) return null
    const share = (now.busy - prev.busy) / (now.total - prev.total)
    this.samples.push(share)
    return share
  }

  mean(): number | null {
    return this.samples.length ? this.samples.reduce((a, b) => a + b, 0) / this.samples.length : null
  }
}
