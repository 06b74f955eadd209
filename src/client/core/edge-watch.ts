import { rankOf } from './fetch-order.js'
import type { Clock, Timer } from './ports.js'

/** Arrivals remembered per playlist for the period and phase estimates. */
const ARRIVALS = 8
/**
 * First look this long before a segment is due (ms), then again every RETRY_MS, at most RETRIES times. Looking
 * early is what finds the real phase: a first look that already finds the segment moves the estimate earlier, one
 * that does not bounds the lateness to RETRY_MS. (First looks after the due time kept finding every segment
 * there, and the estimate stayed as late as the sightings that made it: half a second, measured.)
 */
const FIRST_LOOK_MS = -250
const RETRY_MS = 150
const RETRIES = 12

export interface EdgeWatchOptions {
  clock: Clock
  /** How many of a neighbourhood look (the lowest ranked by peer id and playlist); 0 switches it off. */
  pollers: number
  selfId: string
  neighbourIds: () => readonly string[]
  /** Loads the playlist now (the result reaches the core as any playlist does). */
  poll: (playlistUrl: string) => void
}

interface Watched {
  arrivals: number[]
  timer: Timer | null
}

/**
 * Learning of a new segment as soon as the origin lists it. A player reloads its playlist once per target duration
 * at a phase of its own, so the first viewer of a neighbourhood to see a segment saw it 1 to 2 s after it was listed
 * (measured with six viewers); every other viewer hears of it from that one, so the whole neighbourhood waited. Here
 * the one or two viewers of a neighbourhood ranked first for a playlist load it themselves right when its next
 * segment is due: period and phase come from when its segments arrived so far, and the earliest-seen arrival
 * (the least delayed) sets the phase.
 */
export class EdgeWatch {
  private readonly watched = new Map<string, Watched>()

  constructor(private readonly options: EdgeWatchOptions) {}

  /** A new segment of this playlist arrived now (listed by a playlist, or told by a neighbour). */
  arrived(playlistUrl: string): void {
    let watched = this.watched.get(playlistUrl)
    if (!watched) this.watched.set(playlistUrl, (watched = { arrivals: [], timer: null }))
    watched.arrivals.push(this.options.clock.now())
    if (watched.arrivals.length > ARRIVALS) watched.arrivals.shift()
    watched.timer?.cancel()
    watched.timer = null
    const due = this.nextDue(watched.arrivals)
    if (due === null || !this.isPoller(playlistUrl)) return
    this.schedule(playlistUrl, watched, due + FIRST_LOOK_MS - this.options.clock.now(), RETRIES)
  }

  stop(): void {
    for (const watched of this.watched.values()) watched.timer?.cancel()
    this.watched.clear()
  }

  /** When the next segment is due (clock ms), or null while the period is unknown. */
  nextDue(arrivals: readonly number[]): number | null {
    if (arrivals.length < 3) return null
    // One late sighting moves the mean gap little; a median of few gaps would take it whole.
    const last = arrivals.length - 1
    const period = (arrivals[last]! - arrivals[0]!) / last
    if (period <= 0) return null
    // Each arrival, projected to the last one's slot; the smallest is the least delayed sighting.
    const listed = Math.min(...arrivals.map((at, index) => at + (last - index) * period))
    return listed + period
  }

  private isPoller(playlistUrl: string): boolean {
    const { pollers, selfId, neighbourIds } = this.options
    if (pollers <= 0) return false
    const own = rankOf(selfId, playlistUrl)
    return neighbourIds().filter((id) => rankOf(id, playlistUrl) < own).length < pollers
  }

  private schedule(playlistUrl: string, watched: Watched, inMs: number, triesLeft: number): void {
    watched.timer = this.options.clock.setTimer(Math.max(0, inMs), () => {
      watched.timer = null
      this.options.poll(playlistUrl)
      if (triesLeft > 1) this.schedule(playlistUrl, watched, RETRY_MS, triesLeft - 1)
    })
  }
}
