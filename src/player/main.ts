/**
 * The demo player page served at `/`: plays the live stream with hls.js through whatever path the page client
 * (window.liveTorrent, from /live-torrent.js, loaded before this script) settled on, and shows where the bytes
 * came from. Tests and embedding pages reach the hls.js instance through the hook in player-hook.ts.
 */
import { Dashboard } from './dashboard.js'
import { deliveryNote, describeDeliveryPath, playerLoaders, settleDelivery } from './delivery.js'
import { bindP2PSwitch } from './p2p-switch.js'
import { playStream } from './playback.js'
import { showStat } from './stats-panel.js'
import { StatusLine } from './status-line.js'

function element<T extends HTMLElement>(selector: string): T {
  const found = document.querySelector<T>(selector)
  if (!found) throw new Error(`player page: ${selector} is missing`)
  return found
}

async function startPlayer(dashboard: Dashboard | null): Promise<void> {
  const api = window.liveTorrent
  const video = element<HTMLVideoElement>('video#video')
  const status = new StatusLine(element('#player-status'))
  status.followVideo(video)
  status.show('Connecting…', 'busy')
  // `?latency=low`: an LL-HLS source plays from its parts, close to the live edge (P2P shares the parts too).
  const lowLatencyMode = new URLSearchParams(location.search).get('latency') === 'low'
  // The player starts at once, over plain HTTP until the page client's path is settled: then the worker or
  // the loaders take over mid-stream.
  const playback = playStream(video, { ...playerLoaders(api), lowLatencyMode }, status)
  dashboard?.follow(playback)
  const path = await settleDelivery(api)
  showStat(element('[data-stat="delivery-path"]'), describeDeliveryPath(path), path)
  element('[data-delivery-note]').textContent = deliveryNote(path, api)
}

/** The numbers are an extra: if they fail, the video still plays. */
function startDashboard(): Dashboard | null {
  try {
    bindP2PSwitch(element<HTMLInputElement>('#p2p-switch'), window.liveTorrent)
    const dashboard = new Dashboard(document, element<HTMLCanvasElement>('canvas#traffic-chart'), window.liveTorrent)
    dashboard.start()
    return dashboard
  } catch (err) {
    console.error('player page: the stats panel failed', err)
    return null
  }
}

startPlayer(startDashboard()).catch((err: unknown) => console.error('player page: playback failed to start', err))
