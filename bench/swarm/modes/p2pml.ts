import { p2pmlPage } from './p2pml-page.js'
import type { Mode } from './index.js'

/** p2p-media-loader with its defaults (hls.js's interstitials controller on, as hls.js >= 1.6 has it). */
export const p2pml: Mode = {
  name: 'p2pml',
  description: 'p2p-media-loader-hlsjs 2.x, documented defaults, local WebTorrent tracker',
  needsTracker: true,
  page: (env) => p2pmlPage(env, {}, 'bench: p2p-media-loader'),
}
