/**
 * `bench:tracker`'s baseline, in its own process: a stock bittorrent-tracker Server (WebSocket only, library
 * defaults) on the given port, telling clients the same 10 s interval as the live-torrent tracker (it tells
 * WebSocket clients a fifth of its interval: 50 s -> 10 s).
 */
import { startStockTracker } from '../../test/support/stock-tracker.js'

await startStockTracker({ port: Number(process.argv[2]), intervalMs: 50_000 })
process.once('SIGTERM', () => process.exit(0))
