import { sha1 } from '@noble/hashes/legacy.js'

/**
 * WebTorrent hashes with WebCrypto (`crypto.subtle`, through uint8-util, which also looks at `crypto.webkitSubtle`),
 * and browsers expose WebCrypto only in secure contexts. On a plain-http page, where no service worker can run and
 * the hls.js loader is the path, this gives WebTorrent a SHA-1 digest in JS so that it can still read torrents and
 * verify every piece. Only SHA-1, only when WebCrypto is absent, and under the prefixed name, so the page's own
 * `crypto.subtle` stays as the browser made it. Imported first by the page script: uint8-util reads it once at load.
 */
const webCrypto = globalThis.crypto as Crypto & { webkitSubtle?: Pick<SubtleCrypto, 'digest'> }

if (webCrypto && !webCrypto.subtle && !webCrypto.webkitSubtle) {
  webCrypto.webkitSubtle = {
    async digest(algorithm: AlgorithmIdentifier, data: BufferSource): Promise<ArrayBuffer> {
      const name = typeof algorithm === 'string' ? algorithm : algorithm.name
      if (name.toUpperCase() !== 'SHA-1') throw new Error(`live-torrent: only SHA-1 is available without WebCrypto, not ${name}`)
      const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data)
      return sha1(bytes).slice().buffer
    },
  }
}
