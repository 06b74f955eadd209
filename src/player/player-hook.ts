import type Hls from 'hls.js'
import { PLAYER_EVENT } from '../protocol/player-event.js'

export { PLAYER_EVENT }

export interface PlayerEventDetail {
  hls: Hls
}

declare global {
  interface Window {
    /** The page's current hls.js instance (absent when the browser plays HLS natively). */
    liveTorrentPlayer?: Hls
  }
  interface DocumentEventMap {
    [PLAYER_EVENT]: CustomEvent<PlayerEventDetail>
  }
}

/**
 * The hook for tests and embedding pages to reach the player, e.g. to count FRAG_LOADED events:
 *
 *   document.addEventListener('live-torrent:player', (event) => event.detail.hls.on(Hls.Events.FRAG_LOADED, ...))
 *   // or, after the fact:
 *   window.liveTorrentPlayer?.on(...)
 *
 * Called right after each hls.js instance is created and before it loads the playlist, so a listener attached in
 * the event handler sees every event from the first request on. It fires again if the page replaces a broken
 * instance with a new one.
 */
export function announcePlayer(hls: Hls): void {
  window.liveTorrentPlayer = hls
  document.dispatchEvent(new CustomEvent<PlayerEventDetail>(PLAYER_EVENT, { detail: { hls } }))
}
