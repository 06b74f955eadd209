import '../client/sha1-fallback.js'
import { startP2PStack } from '../client/adapters/p2p-stack.js'
import type { ClientConfig } from '../client/config.js'
import { PageClient as LazyPageClient } from '../client/page-client.js'
export { createLoaders, type LoaderDeps } from '../hlsjs/loader.js'
export { MediaWatch } from '../client/media-watch.js'
export { resolveClientConfig, DEFAULT_CLIENT_CONFIG, type ClientConfig, type ClientConfigOverrides } from '../client/config.js'
export type { ViewerStats, StatsEventMap } from '../protocol/stats.js'

/**
 * The page client for sites that bundle their own player: the P2P stack is in the same bundle, and P2P starts with
 * the first playlist (the page script instead loads it as a bundle of its own once its player plays).
 */
export class PageClient extends LazyPageClient {
  constructor(config: ClientConfig) {
    super(config, () => Promise.resolve(startP2PStack))
    this.startP2P()
  }
}
