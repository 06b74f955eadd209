import type { LiveTorrentPageApi } from '../client/page-api.js'

/**
 * The P2P on/off switch. The page client reads the choice when it starts (setP2P remembers it), so switching
 * reloads the page rather than tearing down a running client in place.
 */
export function bindP2PSwitch(input: HTMLInputElement, api: LiveTorrentPageApi | undefined): void {
  if (!api) {
    // Without the page script there is no P2P to switch.
    input.checked = false
    input.disabled = true
    return
  }
  input.checked = api.stats.p2pEnabled
  input.addEventListener('change', () => {
    api.setP2P(input.checked)
    location.reload()
  })
}
