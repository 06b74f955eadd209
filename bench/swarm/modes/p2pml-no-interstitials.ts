import { p2pmlPage } from './p2pml-page.js'
import type { Mode } from './index.js'

/**
 * p2p-media-loader with hls.js `enableInterstitialPlayback: false`. Found by trying: with hls.js >= 1.6 its live
 * hold-back (it raises liveSyncDurationCount so that segments can come from peers) loses a race with hls.js's
 * interstitials controller on many viewers, which then fetch everything over HTTP; without the controller its
 * own default takes effect.
 */
export const p2pmlNoInterstitials: Mode = {
  name: 'p2pml-no-interstitials',
  description: 'p2p-media-loader-hlsjs 2.x, defaults + hls.js enableInterstitialPlayback: false',
  needsTracker: true,
  page: (env) => p2pmlPage(env, { enableInterstitialPlayback: false }, 'bench: p2p-media-loader, no interstitials'),
}
