import { benchPage } from '../page.js'
import type { ModeEnv } from './index.js'

/**
 * A live-torrent viewer page as README "Add P2P to your own site" describes it: window.liveTorrentConfig, the page
 * script, hls.js with the page client's loaders, started at once (no wait for `window.liveTorrent.ready`).
 * `iceServers: []`: loopback peers need no STUN server (and there is no network to reach one).
 */
export function liveTorrentPage(env: ModeEnv, path: 'service-worker' | 'loader'): string {
  const config = { iceServers: [], path }
  return benchPage({
    title: `bench: live-torrent (${path})`,
    env,
    head: `<script>window.liveTorrentConfig = ${JSON.stringify(config)};</script>\n<script src="/live-torrent.js"></script>`,
    start: `
window.__bench.watchLiveTorrent(window.liveTorrent);
window.liveTorrent.ready.then((path) => window.__bench.setPath(path), (err) => window.__bench.note('liveTorrent.ready failed: ' + err));
window.__bench.start(() => new Hls({ ...BASE_HLS_CONFIG, ...window.liveTorrent.hlsjsLoaders(Hls) }), PLAYLIST_URL);`,
  })
}
