import { p2pmlPage } from './p2pml-page.js'
import type { Mode } from './index.js'

/**
 * p2p-media-loader with `enableInterstitialPlayback: false` and hls.js's transmux worker off. Found by reading the
 * DataCloneError stacks of the other two variants: p2p-media-loader's core hands hls.js the very ArrayBuffer it
 * keeps in its segment storage (segment-memory-storage getSegmentData returns it, no copy), and hls.js transfers
 * that buffer to its worker, which detaches it: the stored segment is then empty for peers that ask for it, and a
 * second request for it (hls.js moving its start position back) throws. Without the worker nothing is transferred,
 * which is what a site gets that imports hls.js's ES module without a `workerPath`. Its best case, for reference.
 */
export const p2pmlNoWorker: Mode = {
  name: 'p2pml-no-worker',
  description: 'p2p-media-loader-hlsjs 2.x, defaults + hls.js enableInterstitialPlayback: false, enableWorker: false',
  needsTracker: true,
  page: (env) =>
    p2pmlPage(env, { enableInterstitialPlayback: false, enableWorker: false }, 'bench: p2p-media-loader, no interstitials, no worker'),
}
