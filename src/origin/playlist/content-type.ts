import { extname } from 'node:path'

const TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.m4a': 'audio/mp4',
  '.m4v': 'video/mp4',
  '.aac': 'audio/aac',
  '.mp3': 'audio/mpeg',
  '.ac3': 'audio/ac3',
  '.vtt': 'text/vtt',
  '.webvtt': 'text/vtt',
  '.key': 'application/octet-stream',
  '.torrent': 'application/x-bittorrent',
}

export function contentTypeOf(path: string): string {
  return TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream'
}

/** The extension the origin gives a local name for an upstream URL: the upstream's, when it is a sane one. */
export function extensionOf(url: string, fallback: string): string {
  const ext = extname(new URL(url).pathname).toLowerCase()
  return /^\.[a-z0-9]{1,6}$/.test(ext) ? ext : fallback
}
