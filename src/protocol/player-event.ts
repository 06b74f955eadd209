/**
 * The document event a page fires with each hls.js instance it creates (`detail: { hls }`). The player page fires
 * it (src/player/player-hook.ts); the page script listens for it to report the rendition and live latency.
 */
export const PLAYER_EVENT = 'live-torrent:player'
