import { Counter, Gauge, type Registry } from 'prom-client'

/** The tracker's Prometheus metrics, registered in the registry of whoever runs it (an origin, or `live-torrent tracker`). */
export class TrackerMetrics {
  readonly swarms: Gauge
  readonly peers: Gauge
  readonly sockets: Gauge
  readonly refused: Counter<'reason'>
  readonly closed: Counter<'reason'>
  readonly caught: Counter
  readonly withheldOffers: Counter

  constructor(registry: Registry) {
    const registers = [registry]
    this.swarms = new Gauge({ name: 'live_torrent_tracker_swarms', help: 'Swarms on the tracker', registers })
    this.peers = new Gauge({ name: 'live_torrent_tracker_peers', help: 'Peers across all swarms of the tracker', registers })
    this.sockets = new Gauge({ name: 'live_torrent_tracker_sockets', help: 'WebSocket connections to the tracker', registers })
    this.refused = new Counter({
      name: 'live_torrent_tracker_refused_messages_total',
      help: 'Tracker messages refused before they reached bittorrent-tracker, by reason class',
      labelNames: ['reason'],
      registers,
    })
    this.closed = new Counter({
      name: 'live_torrent_tracker_closed_sockets_total',
      help: 'Tracker connections closed or refused by the tracker, by reason',
      labelNames: ['reason'],
      registers,
    })
    this.caught = new Counter({
      name: 'live_torrent_tracker_errors_total',
      help: 'Errors thrown inside bittorrent-tracker while handling a message, caught and logged',
      registers,
    })
    this.withheldOffers = new Counter({
      name: 'live_torrent_tracker_withheld_offers_total',
      help: 'Offers not relayed because their swarm had fewer peers than minSwarm (privacy)',
      registers,
    })
  }
}
