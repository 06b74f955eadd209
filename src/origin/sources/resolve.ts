import { stat } from 'node:fs/promises'
import { dirname, resolve as resolvePath } from 'node:path'
import { fileURLToPath } from 'node:url'

/** What the `source` argument names. */
export type SourceSpec =
  | { kind: 'sample' }
  | { kind: 'folder'; dir: string }
  | { kind: 'playlist-file'; path: string }
  | { kind: 'remote'; url: string }
  | { kind: 'video'; path: string }

/** The bundled sample stream, looped live when no source is given. */
export const SAMPLE_PLAYLIST = fileURLToPath(new URL('../../../sample/stream.m3u8', import.meta.url))

export async function resolveSource(arg: string | undefined): Promise<SourceSpec> {
  if (!arg) return { kind: 'sample' }
  if (/^https?:\/\//i.test(arg)) {
    try {
      return { kind: 'remote', url: new URL(arg).href }
    } catch {
      throw new Error(`not a valid URL: ${arg}`)
    }
  }
  const path = resolvePath(arg)
  const info = await stat(path).catch(() => null)
  if (!info) throw new Error(`source not found: ${arg} is neither an http(s) URL nor an existing file or folder`)
  if (info.isDirectory()) return { kind: 'folder', dir: path }
  if (path.toLowerCase().endsWith('.m3u8')) return { kind: 'playlist-file', path }
  return { kind: 'video', path }
}

export function describeSource(spec: SourceSpec): string {
  switch (spec.kind) {
    case 'sample':
      return `built-in sample (${dirname(SAMPLE_PLAYLIST)})`
    case 'folder':
      return `folder ${spec.dir}`
    case 'playlist-file':
      return `playlist ${spec.path}`
    case 'remote':
      return `remote playlist ${spec.url}`
    case 'video':
      return `video file ${spec.path}`
  }
}
