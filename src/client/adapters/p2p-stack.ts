import WebTorrent from 'webtorrent/dist/webtorrent.min.js'
import type { StartP2PStack } from '../stack-port.js'
import { Mesh } from './mesh.js'
import { WebTorrentTransport } from './webtorrent-transport.js'
import { assertWebTorrent } from './webtorrent-internals.js'

/**
 * WebTorrent, simple-peer and the tracker client: most of the page client's code (328 of its 398 kB,
 * minified). The page script loads this as a bundle of its own (live-torrent-p2p.js) once the player has started,
 * so that a viewer's startup does not wait for the browser to parse and run it (see src/entries/p2p-stack.ts).
 * Throws when WebTorrent is not the version its internals were checked against.
 */
export const startP2PStack: StartP2PStack = ({ peerId, shard, config, events }) => {
  assertWebTorrent()
  const torrents = new WebTorrent({ peerId, tracker: false, dht: false, lsd: false, utPex: false, webSeeds: false })
  torrents.on('error', (err) => console.warn('live-torrent: WebTorrent error', err))
  if (config.uploadLimit > 0) torrents.throttleUpload(config.uploadLimit)
  const mesh: Mesh = new Mesh({
    trackerUrls: shard.trackers,
    swarm: shard.swarm,
    peerId,
    maxNeighbours: config.maxNeighbours,
    iceServers: config.iceServers,
    iceTransportPolicy: config.iceTransportPolicy,
    onNeighbour: (neighbour) => {
      events.neighbours(mesh.size)
      transport.onNeighbour(neighbour)
      events.neighbour(neighbour.id)
    },
    onNeighbourGone: (neighbour) => {
      events.neighbours(mesh.size)
      events.neighbourGone(neighbour.id)
    },
    onChannel: (neighbour, infoHash, channel) => transport.onChannel(neighbour, infoHash, channel),
    onControl: (from, message) => events.control(from, message),
  })
  const transport = new WebTorrentTransport({
    client: torrents,
    canUpload: config.uploadLimit !== 0,
    neighbours: () => mesh.all(),
    openChannel: (neighbour, infoHash) => mesh.openChannel(neighbour, infoHash),
  })
  return {
    transport,
    mesh,
    start: () => mesh.start(),
    destroy: () => {
      transport.destroy()
      mesh.destroy()
      torrents.destroy()
    },
  }
}
