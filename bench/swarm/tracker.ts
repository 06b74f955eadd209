// p2p-media-loader's stream swarms need a tracker of their own, as a site using it would run: the origin's
// tracker admits only the infohashes it publishes. The bench uses the tests' stock bittorrent-tracker server.
export { startStockTracker as startTracker, type StockTracker as BenchTracker } from '../../test/support/stock-tracker.js'
