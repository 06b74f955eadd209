/**
 * CPU use from /proc (Linux): the whole machine's busy share, and the share used by processes outside the bench's
 * own process tree (ffmpeg, Chromium and Node are all descendants of the bench). The bench machines are shared:
 * other work running at the same time slows the viewers down, so it is measured and reported rather than guessed.
 */
import { readdirSync, readFileSync } from 'node:fs'

interface Reading {
  busy: number
  total: number
  /** pid -> utime + stime of the bench's own processes (clock ticks, like /proc/stat). */
  own: Map<number, number>
}

function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0)
  const total = fields.reduce((a, b) => a + b, 0)
  return { busy: total - idle, total }
}

/** utime + stime of every descendant of `root` (and root itself). */
function treeTicks(root: number): Map<number, number> {
  const parent = new Map<number, number>()
  const ticks = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // The command name is in parentheses and may hold spaces: the fields after its last ')' are fixed.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      parent.set(Number(entry), Number(rest[1]))
      ticks.set(Number(entry), Number(rest[11]) + Number(rest[12]))
    } catch {
      // gone meanwhile
    }
  }
  const own = new Map<number, number>()
  for (const [pid, value] of ticks) {
    let p: number | undefined = pid
    for (let depth = 0; p !== undefined && p > 1 && depth < 64; depth++) {
      if (p === root) {
        own.set(pid, value)
        break
      }
      p = parent.get(p)
    }
  }
  return own
}

function read(): Reading | null {
  try {
    return { ...machineTicks(), own: treeTicks(process.pid) }
  } catch {
    return null
  }
}

export interface CpuSample {
  /** Busy share of the whole machine (0..1). */
  busy: number
  /** Share of the machine used by processes outside the bench (0..1, approximate). */
  others: number
}

export class CpuMeter {
  private last = read()
  private readonly samples: CpuSample[] = []

  /** Takes a sample; returns the shares since the previous one, or null where /proc is missing. */
  sample(): CpuSample | null {
    const now = read()
    const prev = this.last
    this.last = now
    if (!now || !prev || now.total === prev.total) return null
    const span = now.total - prev.total
    let own = 0
    // Processes present in both readings; ones that started or ended in between are missed (a small undercount
    // of the bench's share, so "others" errs on the high side).
    for (const [pid, ticks] of now.own) {
      const before = prev.own.get(pid)
      if (before !== undefined) own += ticks - before
    }
    const busy = (now.busy - prev.busy) / span
    const sample = { busy, others: Math.max(0, busy - own / span) }
    this.samples.push(sample)
    return sample
  }

  mean(): { busy: number; others: number } | null {
    if (!this.samples.length) return null
    const n = this.samples.length
    return {
      busy: this.samples.reduce((a, s) => a + s.busy, 0) / n,
      others: this.samples.reduce((a, s) => a + s.others, 0) / n,
    }
  }
}

/**
 * Waits (up to maxWaitMs) until processes outside the bench use less than `limit` of the machine over a few
 * seconds, so that a mode does not start in the middle of someone else's heavy job. Returns the last share seen.
 */
export async function waitForQuietMachine(limit: number, maxWaitMs: number, log: (line: string) => void): Promise<number | null> {
  const meter = new CpuMeter()
  const deadline = Date.now() + maxWaitMs
  let warned = false
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const sample = meter.sample()
    if (!sample) return null
    if (sample.others < limit || Date.now() > deadline) {
      if (sample.others >= limit)
        log(`bench: other processes still use ${Math.round(sample.others * 100)} % of the machine; starting anyway`)
      return sample.others
    }
    if (!warned)
      log(
        `bench: other processes use ${Math.round(sample.others * 100)} % of the machine; waiting up to ${maxWaitMs / 1000} s for it to calm down`,
      )
    warned = true
  }
}
