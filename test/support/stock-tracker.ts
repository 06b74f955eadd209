/**
 * A stock WebTorrent tracker: bittorrent-tracker's server, WebSocket only, library defaults, configured for nobody
 * (any infohash, no limits of ours). What a site may already run, and what p2p-media-loader's swarms need in the
 * swarm benchmark (the origin's own tracker admits only the infohashes it publishes).
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server as TrackerServer } from 'bittorrent-tracker'

export interface StockTracker {
  /** ws://127.0.0.1:<port> */
  url: string
  close(): Promise<void>
}

export interface StockTrackerOptions {
  /** Default: any free port. */
  port?: number
  /** The library's interval (ms); it tells WebSocket clients a fifth of it. Default: the library's. */
  intervalMs?: number
}

export async function startStockTracker(options: StockTrackerOptions = {}): Promise<StockTracker> {
  const tracker = new TrackerServer({ http: false, udp: false, stats: false, interval: options.intervalMs, ws: { noServer: true } })
  tracker.on('warning', () => {})
  tracker.on('error', (err: Error) => console.error(`stock tracker: ${err.message}`))
  const http = createServer((_req, res) => res.writeHead(404).end())
  http.on('upgrade', (req, socket, head) => {
    const wss = tracker.ws!
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })
  await new Promise<void>((resolve, reject) => http.once('error', reject).listen(options.port ?? 0, '127.0.0.1', resolve))
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
