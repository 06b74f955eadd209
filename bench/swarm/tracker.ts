/**
 * A plain WebTorrent tracker (bittorrent-tracker's server, WebSocket only, library defaults) for
 * p2p-media-loader: the origin's own tracker admits only the infohashes it publishes, so p2p-media-loader's
 * stream swarms need a tracker of their own, as a site using it would run.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server as TrackerServer } from 'bittorrent-tracker'

export interface BenchTracker {
  /** ws://127.0.0.1:<port> */
  url: string
  close(): Promise<void>
}

export async function startTracker(): Promise<BenchTracker> {
  const tracker = new TrackerServer({ http: false, udp: false, stats: false, ws: { noServer: true } })
  tracker.on('warning', () => {})
  tracker.on('error', (err: Error) => console.error(`bench tracker: ${err.message}`))
  const http = createServer((_req, res) => res.writeHead(404).end())
  http.on('upgrade', (req, socket, head) => {
    const wss = tracker.ws!
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })
  await new Promise<void>((resolve, reject) => http.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => tracker.close(() => resolve()))
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}
