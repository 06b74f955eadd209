import type { Catalog } from './catalog.js'
import { contentTypeOf, extensionOf } from './playlist/content-type.js'
import type { PublishedSegment } from './playlist/published.js'

/**
 * Upstream resources the origin proxies under one directory (init segments, keys, byte-range resources, session
 * data), each named `asset<K>.<ext>` once, so upstream hosts and query strings never reach viewers.
 */
export class ProxiedAssets {
  private readonly names = new Map<string, string>()

  constructor(
    /** '' or ending in '/'. */
    private readonly dir: string,
    private readonly catalog: Catalog,
    /** Published byte-range segments cut from the asset of that name, answered from memory. */
    private readonly segmentsOf: (name: string) => readonly PublishedSegment[] = () => [],
  ) {}

  /** The directory-relative name of an upstream URL, registered on first use. */
  name(upstreamUrl: string, fallbackExt: string): string {
    let name = this.names.get(upstreamUrl)
    if (!name) {
      const assetName = `asset${this.names.size}${extensionOf(upstreamUrl, fallbackExt)}`
      name = assetName
      this.names.set(upstreamUrl, name)
      const path = this.dir + name
      const segments = (): readonly PublishedSegment[] => this.segmentsOf(assetName)
      this.catalog.set(path, { kind: 'proxy', url: upstreamUrl, contentType: contentTypeOf(path), segments })
    }
    return name
  }
}
