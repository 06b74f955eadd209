import bencode from 'bencode'
import { sha1 } from '@noble/hashes/legacy.js'

const hex = (bytes: Uint8Array): string => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')

/** SHA-1 of bytes as hex: WebCrypto where the page has it (secure contexts), else in JS (the loader path over http). */
export async function sha1Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const subtle = globalThis.crypto?.subtle
  if (subtle) return hex(new Uint8Array(await subtle.digest('SHA-1', bytes)))
  return hex(sha1(bytes))
}

/**
 * The infohash a .torrent file names: the SHA-1 of its bencoded info dictionary, re-encoded from the decoded
 * file (a bencode encoder writes dictionaries in sorted key order, as BEP 3 asks). Null for bytes that are no torrent.
 */
export async function infoHashOf(torrentFile: Uint8Array): Promise<string | null> {
  try {
    const decoded = bencode.decode(torrentFile) as { info?: unknown }
    if (!decoded || typeof decoded !== 'object' || !decoded.info) return null
    return await sha1Hex(new Uint8Array(bencode.encode(decoded.info)))
  } catch {
    return null
  }
}
