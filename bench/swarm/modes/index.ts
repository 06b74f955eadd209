import { http } from './http.js'
import { liveTorrentLoader } from './live-torrent-loader.js'
import { liveTorrentSw } from './live-torrent-sw.js'
import { p2pml } from './p2pml.js'
import { p2pmlNoInterstitials } from './p2pml-no-interstitials.js'
import { p2pmlNoWorker } from './p2pml-no-worker.js'

/** What a mode's page needs to know. */
export interface ModeEnv {
  playlistUrl: string
  /** A plain WebTorrent tracker of the bench's own (p2p-media-loader modes), else null. */
  trackerUrl: string | null
  /** hls.js `lowLatencyMode` (the LL-HLS source); off otherwise, as on the player page. */
  lowLatency: boolean
}

export interface Mode {
  name: ModeName
  /** One line for the report: what plays and how. */
  description: string
  /** Needs the bench's plain WebTorrent tracker (the origin's refuses infohashes it does not publish). */
  needsTracker: boolean
  /** The page HTML for one viewer (every viewer of a mode gets the same page). */
  page(env: ModeEnv): string
}

/** In running order: the baseline first. */
export const MODE_NAMES = ['http', 'live-torrent-sw', 'live-torrent-loader', 'p2pml', 'p2pml-no-interstitials', 'p2pml-no-worker'] as const
export type ModeName = (typeof MODE_NAMES)[number]

export const MODES: Record<ModeName, Mode> = {
  http,
  'live-torrent-sw': liveTorrentSw,
  'live-torrent-loader': liveTorrentLoader,
  p2pml,
  'p2pml-no-interstitials': p2pmlNoInterstitials,
  'p2pml-no-worker': p2pmlNoWorker,
}
