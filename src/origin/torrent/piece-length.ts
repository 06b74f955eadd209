/**
 * Piece length rule for segment torrents.
 *
 *     pieceLength = max(16 KiB, nextPowerOfTwo(ceil(segmentBytes / 32)))
 *
 * - 16 KiB is the BitTorrent request block, so no piece is smaller than one request.
 * - At most 32 pieces: enough parallelism for several peers to serve one segment at once and for pieces to be
 *   verified (and handed on) as they arrive, without the per-piece overhead of hundreds of tiny pieces.
 * - Powers of two, as the BitTorrent spec recommends and as every client expects.
 *
 * Resulting sizes: 50 KB -> 16 KiB (4 pieces); 500 KB -> 16 KiB (31); 1 MB -> 32 KiB (31);
 * 5 MB -> 256 KiB (20); 20 MB -> 1 MiB (20).
 */
export const MIN_PIECE_LENGTH = 16 * 1024
export const MAX_PIECES = 32

export function pieceLengthFor(segmentBytes: number): number {
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 0) throw new RangeError(`bad segment size ${segmentBytes}`)
  const target = Math.ceil(segmentBytes / MAX_PIECES)
  let length = MIN_PIECE_LENGTH
  while (length < target) length *= 2
  return length
}
