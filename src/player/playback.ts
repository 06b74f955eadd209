import type { ErrorData, HlsConfig } from 'hls.js'
import Hls from './hls.js'
import { announcePlayer } from './player-hook.js'
import type { StatusLine } from './status-line.js'

/** Relative on purpose: the page is served by the origin, next to the stream, and the service worker's scope. */
const STREAM_URL = '/stream.m3u8'
const NETWORK_RETRY_MS = 1000
const RESTART_MS = 3000

/** A playing stream, as far as the page needs to know it. */
export interface Playback {
  /** How far behind the live edge the viewer plays, when the player knows it. */
  secondsBehindLive(): number | null
}

/**
 * Plays the stream in `video`: with hls.js where MSE exists (every desktop browser, Android), else with the
 * browser's own HLS (iOS Safari). `hlsConfig` adds the page client's loaders when it delivers through them.
 */
export function playStream(video: HTMLVideoElement, hlsConfig: Partial<HlsConfig>, status: StatusLine): Playback {
  if (Hls.isSupported()) return new HlsPlayback(video, hlsConfig, status)
  if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = STREAM_URL
    return { secondsBehindLive: () => null }
  }
  status.show('This browser cannot play HLS video', 'error')
  return { secondsBehindLive: () => null }
}

/** hls.js with its live defaults, recovering from fatal errors the way the hls.js docs advise. */
class HlsPlayback implements Playback {
  private hls: Hls

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly config: Partial<HlsConfig>,
    private readonly status: StatusLine,
  ) {
    this.hls = this.start()
  }

  secondsBehindLive(): number | null {
    const latency = this.hls.latency
    return Number.isFinite(latency) && latency > 0 ? latency : null
  }

  private start(): Hls {
    // maxLiveSyncPlaybackRate: a viewer that fell behind the target latency (a slow start, a late segment) plays up
    // to 10 % faster until it is back, rather than staying behind live for the rest of the session. Not in
    // low-latency mode: there the buffer is a part or two, and playing faster ran it dry (stalls, measured).
    const lowLatencyMode = this.config.lowLatencyMode ?? false
    const maxLiveSyncPlaybackRate = lowLatencyMode ? 1 : 1.1
    const hls = new Hls({ ...this.config, lowLatencyMode, maxLiveSyncPlaybackRate, enableWorker: true })
    announcePlayer(hls)
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (data.fatal) this.recover(hls, data)
    })
    // `autoplay` covers most browsers; an explicit play() also covers the ones that wait for a source first.
    // Muted autoplay is allowed almost everywhere; where it is not, the viewer has to press play.
    hls.on(Hls.Events.MANIFEST_PARSED, () => void this.video.play().catch(() => this.status.show('Press play to start', 'warn')))
    hls.loadSource(STREAM_URL)
    hls.attachMedia(this.video)
    return hls
  }

  private recover(hls: Hls, error: ErrorData): void {
    if (error.type === Hls.ErrorTypes.NETWORK_ERROR) {
      this.status.show('Network error, retrying…', 'warn')
      // startLoad() resumes segment loading; before the first playlist arrived there is nothing to resume.
      const retry = hls.levels.length > 0 ? () => hls.startLoad() : () => hls.loadSource(STREAM_URL)
      setTimeout(retry, NETWORK_RETRY_MS)
    } else if (error.type === Hls.ErrorTypes.MEDIA_ERROR) {
      this.status.show('Media error, recovering…', 'warn')
      hls.recoverMediaError()
    } else {
      // Anything else leaves this instance unusable: start over with a fresh one.
      this.status.show('Player error, restarting…', 'error')
      hls.destroy()
      setTimeout(() => (this.hls = this.start()), RESTART_MS)
    }
  }
}
