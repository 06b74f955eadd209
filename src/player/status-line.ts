export type StatusTone = 'ok' | 'busy' | 'warn' | 'error'

/** The one-line player status under the video ("Playing live", "Network error, retrying…"). */
export class StatusLine {
  constructor(private readonly element: HTMLElement) {}

  show(text: string, tone: StatusTone): void {
    this.element.textContent = text
    this.element.dataset.tone = tone
  }

  /** Follows the video element's own state, so the line says what the viewer sees. */
  followVideo(video: HTMLVideoElement): void {
    video.addEventListener('playing', () => this.show('Playing live', 'ok'))
    video.addEventListener('waiting', () => this.show('Buffering…', 'busy'))
    // Autoplay is muted, which browsers allow; if one still refuses, the controls let the viewer start it.
    video.addEventListener('pause', () => {
      if (!video.ended) this.show('Paused', 'warn')
    })
  }
}
