/**
 * Watches the page's <video>/<audio> elements, whatever player drives them: how much media is buffered ahead of
 * the playhead (the P2P deadline builds on it) and the player's stalls (`waiting` after its first frame).
 */
export class MediaWatch {
  private readonly watched = new WeakSet<HTMLMediaElement>()
  private readonly elements = new Set<HTMLMediaElement>()
  private readonly observer: MutationObserver

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
    element.addEventListener('playing', () => (playedFirstFrame = true))
    element.addEventListener('emptied', () => (playedFirstFrame = false))
    element.addEventListener('waiting', () => {
      if (playedFirstFrame && !element.seeking) this.onStall(element)
    })
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
