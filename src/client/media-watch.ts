/**
 * Watches the page's <video>/<audio> elements, whatever player drives them: how much media is buffered ahead of
 * the playhead (the P2P deadline builds on it) and the player's stalls (`waiting` after its first frame).
 */
export class MediaWatch {
  private readonly watched = new WeakSet<HTMLMediaElement>()
  private readonly elements = new Set<HTMLMediaElement>()
  private readonly observer: MutationObserver
  private firstFrameAt: number | null = null
  private readonly firstFrameListeners: Array<() => void> = []
  private stalledMs = 0

  constructor(private readonly onStall: (element: HTMLMediaElement) => void) {
    this.observer = new MutationObserver(() => this.scan())
    this.observer.observe(document.documentElement, { childList: true, subtree: true })
    this.scan()
  }

  /**
   * Media buffered ahead of the playhead (ms): of the element that has the most, 0 while an element has no media
   * yet (a player starting up: it needs its first segment now), null when the page has no media element at all.
   */
  bufferAheadMs(): number | null {
    let best: number | null = null
    for (const element of this.elements) {
      if (!element.isConnected) continue
      const ahead = element.readyState === HTMLMediaElement.HAVE_NOTHING ? 0 : bufferedAhead(element)
      if (best === null || ahead > best) best = ahead
    }
    return best === null ? null : best * 1000
  }

  stop(): void {
    this.observer.disconnect()
  }

  private scan(): void {
    for (const element of document.querySelectorAll<HTMLMediaElement>('video, audio')) this.watch(element)
  }

  private watch(element: HTMLMediaElement): void {
    if (this.watched.has(element)) return
    this.watched.add(element)
    this.elements.add(element)
    let playedFirstFrame = false
    let stalledAt: number | null = null
    const endStall = () => {
      if (stalledAt !== null) this.stalledMs += performance.now() - stalledAt
      stalledAt = null
    }
    element.addEventListener('playing', () => {
      playedFirstFrame = true
      if (this.firstFrameAt === null) {
        this.firstFrameAt = performance.now()
        for (const listener of this.firstFrameListeners.splice(0)) listener()
      }
      endStall()
    })
    element.addEventListener('emptied', () => {
      playedFirstFrame = false
      endStall()
    })
    element.addEventListener('waiting', () => {
      if (!playedFirstFrame || element.seeking) return
      stalledAt ??= performance.now()
      this.onStall(element)
    })
  }

  /** Calls `listener` when any element first plays (at once if one has). */
  onFirstFrame(listener: () => void): void {
    if (this.firstFrameAt !== null) listener()
    else this.firstFrameListeners.push(listener)
  }

  /** Page load (time origin) to the first frame of any element (ms), null before it. */
  startupMs(): number | null {
    return this.firstFrameAt === null ? null : Math.round(this.firstFrameAt)
  }

  /** The height of the video playing now ("360p"), whatever the player; null before a frame. */
  videoHeightLabel(): string | null {
    for (const element of this.elements)
      if (element instanceof HTMLVideoElement && element.isConnected && element.videoHeight > 0) return `${element.videoHeight}p`
    return null
  }

  /** Time spent stalled after a first frame, summed over the page's elements (ms). */
  stallMs(): number {
    return Math.round(this.stalledMs)
  }
}

function bufferedAhead(element: HTMLMediaElement): number {
  const time = element.currentTime
  const ranges = element.buffered
  for (let index = 0; index < ranges.length; index++) {
    // A small gap before the range still counts: players jump it.
    if (ranges.start(index) <= time + 0.5 && ranges.end(index) > time) return ranges.end(index) - time
  }
  return 0
}
