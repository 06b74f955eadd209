import { sha1 } from '@noble/hashes/legacy.js'

const hex = (bytes: Uint8Array): string => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')

/** SHA-1 of bytes as hex: WebCrypto where the page has it (secure contexts), else in JS (the loader path over http). */
export async function sha1Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const subtle = globalThis.crypto?.subtle
  if (subtle) return hex(new Uint8Array(await subtle.digest('SHA-1', bytes)))
  return hex(sha1(bytes))
}
