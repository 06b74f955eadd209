import { benchPage } from '../page.js'
import type { ModeEnv } from './index.js'

/**
 * p2p-media-loader-hlsjs 2.x as its README shows it: `HlsJsP2PEngine.injectMixin(Hls)` and a `p2p.core` config,
 * with its documented defaults except where the bench machine needs otherwise: `announceTrackers` points at the
 * bench's local WebTorrent tracker (its defaults are public trackers on the Internet) and `rtcConfig` lists no ICE
 * server (loopback peers need none; live-torrent gets the same). `extraHls` is added to the hls.js config.
 */
export function p2pmlPage(env: ModeEnv, extraHls: Record<string, unknown>, title: string): string {
  const p2p = { core: { announceTrackers: [env.trackerUrl!], rtcConfig: { iceServers: [] } } }
  return benchPage({
    title,
    env,
    libs: '<script src="/p2pml.js"></script>',
    start: `
window.__bench.setPath('p2pml');
const HlsWithP2P = window.HlsJsP2PEngine.injectMixin(Hls);
window.__bench.start(() => {
  const hls = new HlsWithP2P({ ...BASE_HLS_CONFIG, ...${JSON.stringify(extraHls)}, p2p: ${JSON.stringify(p2p)} });
  window.__bench.watchP2pml(hls.p2pEngine);
  return hls;
}, PLAYLIST_URL);`,
  })
}
