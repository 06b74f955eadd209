import { encode, decode } from 'magnet-uri'

/** What a segment's magnet link says: everything a BitTorrent/WebTorrent client needs to join its swarm. */
export interface SegmentMagnet {
  infoHash: string
  /** File name of the segment inside its torrent (`dn`). */
  name: string
  /** Tracker announce URLs (`tr`). */
  trackers: string[]
  /** The segment's HTTP URL, a BEP 19 web seed (`ws`). */
  webSeed: string
  /** URL of the segment's .torrent file (`xs`), so clients skip the metadata exchange. */
  torrentUrl: string
}

export function buildMagnetUri(magnet: SegmentMagnet): string {
  return encode({
    infoHash: magnet.infoHash,
    name: magnet.name,
    announce: magnet.trackers,
    urlList: [magnet.webSeed],
    xs: magnet.torrentUrl,
  })
}

export function parseMagnetUri(uri: string): SegmentMagnet {
  const parsed = decode(uri)
  const xs = Array.isArray(parsed.xs) ? parsed.xs[0] : parsed.xs
  if (!parsed.infoHash || !/^[0-9a-f]{40}$/.test(parsed.infoHash)) throw new Error(`not a BitTorrent v1 magnet: ${uri}`)
  return {
    infoHash: parsed.infoHash,
    name: parsed.name ?? '',
    trackers: parsed.announce,
    webSeed: parsed.urlList[0] ?? '',
    torrentUrl: xs ?? '',
  }
}
