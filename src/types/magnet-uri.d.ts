// Typings for magnet-uri (untyped), shared by the Node and browser builds.

declare module 'magnet-uri' {
  export interface MagnetFields {
    infoHash?: string
    name?: string
    announce?: string[]
    urlList?: string[]
    xs?: string | string[]
    [key: string]: unknown
  }
  export function encode(fields: MagnetFields): string
  export function decode(uri: string): {
    infoHash?: string
    name?: string
    announce: string[]
    urlList: string[]
    xs?: string | string[]
    [key: string]: unknown
  }
}
