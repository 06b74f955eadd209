// First: WebTorrent's hashing library reads WebCrypto when it loads.
import '../client/sha1-fallback.js'
import { startP2PStack } from '../client/adapters/p2p-stack.js'
import { P2P_STACK_GLOBAL, type PublishedP2PStack } from '../client/adapters/p2p-script.js'

/**
 * The P2P bundle (dist/browser/live-torrent-p2p.js): WebTorrent, simple-peer and the tracker client, which the page
 * script loads once its player has started (src/client/adapters/p2p-script.ts). Why a bundle of its own: it is
 * three quarters of the page script's code, and parsing and running it before the player could start delayed
 * every return visit (the worker in control from the first request), most on a busy machine.
 */
declare const LIVE_TORRENT_VERSION: string

const published: PublishedP2PStack = { version: LIVE_TORRENT_VERSION, startP2PStack }
;(globalThis as Record<string, unknown>)[P2P_STACK_GLOBAL] = published
