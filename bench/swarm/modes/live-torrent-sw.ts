import { liveTorrentPage } from './live-torrent.js'
import type { Mode } from './index.js'

/** live-torrent through its service worker: hls.js unchanged, the worker answers segment requests. */
export const liveTorrentSw: Mode = {
  name: 'live-torrent-sw',
  description: 'live-torrent page script + service worker, stock hls.js',
  needsTracker: false,
  page: (env) => liveTorrentPage(env, 'service-worker'),
}
