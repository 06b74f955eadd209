import WebTorrent, { type Torrent, type Wire } from 'webtorrent/dist/webtorrent.min.js'

/**
 * Everything the page client needs of WebTorrent beyond its public API, in one place. Checked against
 * webtorrent 2.8.5 (dist/webtorrent.min.js; lib/torrent.js). `assertWebTorrent` runs when the page client starts
 * and `assertTorrent` on each torrent, and they throw if an internal used here is gone, so that an upgrade that
 * changes them fails loudly instead of silently losing the blame for bad pieces or the HTTP pieces.
 *
 * The internals:
 * - `torrent._peers`: peers by id (the id of the stream handed to addPeer), each with its wire once connected.
 *   Used to find which neighbour sent the blocks of a piece that failed its hash check.
 * - the warning text `Piece <n> failed verification`: the only report of a failed piece (torrent.js `_request`).
 * - `torrent._hashes`, `torrent.store.put`, `torrent._markVerified`, `torrent._checkDone`: what torrent.js itself
 *   does with a piece it verified. A piece fetched over HTTP by the delivery core (one request per segment rather
 *   than one per piece, as WebTorrent's web seed does) goes through them after its own hash check here.
 */
export const CHECKED_WEBTORRENT_VERSION = '2.8.5'

interface TorrentInternals {
  _peers: Map<string, { wire: Wire | null }>
  _hashes: string[]
  store: { put(index: number, buffer: Uint8Array, cb: (err?: Error | null) => void): void }
  _markVerified(index: number): void
  _checkDone(): void
}

export class WebTorrentShapeError extends Error {}

export function assertWebTorrent(): void {
  const version = (WebTorrent as unknown as { VERSION?: string }).VERSION ?? 'unknown'
  const [major, minor] = CHECKED_WEBTORRENT_VERSION.split('.')
  if (!version.startsWith(`${major}.${minor}.`))
    throw new WebTorrentShapeError(
      `live-torrent: webtorrent ${version} is not the ${major}.${minor} line src/client/adapters/webtorrent-internals.ts was checked against`,
    )
}

export function assertTorrent(torrent: Torrent): void {
  const internals = torrent as unknown as Partial<TorrentInternals>
  const missing = [
    internals._peers instanceof Map ? null : '_peers',
    Array.isArray(internals._hashes) ? null : '_hashes',
    typeof internals.store?.put === 'function' ? null : 'store.put',
    typeof internals._markVerified === 'function' ? null : '_markVerified',
    typeof internals._checkDone === 'function' ? null : '_checkDone',
  ].filter((name) => name !== null)
  if (missing.length)
    throw new WebTorrentShapeError(`live-torrent: WebTorrent torrents no longer have ${missing.join(', ')} (see webtorrent-internals.ts)`)
}

/** The wire WebTorrent made for the stream added with this id, if connected. */
export function wireOfStream(torrent: Torrent, streamId: string): Wire | null {
  return (torrent as unknown as TorrentInternals)._peers.get(streamId)?.wire ?? null
}

const FAILED_PIECE = /^Piece (\d+) failed verification$/

/** The piece a WebTorrent warning reports as failed, or null for any other warning. */
export function failedPiece(warning: Error | string): number | null {
  const match = FAILED_PIECE.exec(typeof warning === 'string' ? warning : warning.message)
  return match ? Number(match[1]) : null
}

/** The SHA-1 (hex) the .torrent gives for a piece. */
export function pieceHash(torrent: Torrent, index: number): string | undefined {
  return (torrent as unknown as TorrentInternals)._hashes[index]
}

/**
 * Stores a piece that passed its hash check, and does what torrent.js does then: mark it verified, tell the wires
 * (a 'have' to every neighbour), check whether the torrent is done.
 */
export function storeVerifiedPiece(torrent: Torrent, index: number, bytes: Uint8Array, marking: (mark: () => void) => void): Promise<void> {
  const internals = torrent as unknown as TorrentInternals
  return new Promise((resolve, reject) => {
    internals.store.put(index, bytes, (err) => {
      if (err) return reject(err)
      // Peers may have completed it meanwhile (or the torrent was left): nothing to do then.
      if (torrent.destroyed || torrent.bitfield.get(index)) return resolve()
      // _markVerified emits 'verified' synchronously: `marking` lets the caller know that this one is its own.
      marking(() => internals._markVerified(index))
      for (const wire of torrent.wires) wire.have(index)
      internals._checkDone()
      resolve()
    })
  })
}
