import { liveTorrentPage } from './live-torrent.js'
import type { Mode } from './index.js'

/** live-torrent through its hls.js loaders (pLoader/fLoader), no service worker. */
export const liveTorrentLoader: Mode = {
  name: 'live-torrent-loader',
  description: 'live-torrent page script, hls.js loaders (no service worker)',
  needsTracker: false,
  page: (env) => liveTorrentPage(env, 'loader'),
}
