import type { Catalog } from '../catalog.js'
import { contentTypeOf, extensionOf } from '../playlist/content-type.js'
import { partIdentity, type PartSource } from './tags.js'

interface Entry {
  name: string
  /** Set once the part is listed upstream (a hint alone does not say how long it is). */
  source: PartSource | null
  lastSeenMs: number
  waiters: Set<(source: PartSource | null) => void>
}

export interface PartNamesOptions {
  /** '' or ending in '/'. */
  dir: string
  catalog: Catalog
  /** A part not seen upstream for this long is forgotten (its name then answers 404). */
  forgetAfterMs: number
  /** How long a request for a hinted part waits for the upstream to list it. */
  holdMs: () => number
  now?: () => number
}

/** Parts one rendition keeps names for at most: an upstream that lists absurdly many cannot grow the table. */
const MAX_PARTS = 4096

/**
 * The origin's names for one rendition's LL-HLS parts, `part<K>.<ext>`, each served as a resource of its own (so the
 * rewritten EXT-X-PART has no BYTERANGE). A preload hint gets the name its part will have, and a request for it
 * waits until the upstream lists that part, as RFC 8216bis 6.2.6 asks of a server that gives hints.
 */
export class PartNames {
  private readonly entries = new Map<string, Entry>()
  private counter = 0
  private readonly now: () => number

  constructor(private readonly options: PartNamesOptions) {
    this.now = options.now ?? Date.now
  }

  /** The name of a part the upstream lists; requests that waited for it get its source. */
  listed(source: PartSource): string {
    const entry = this.entry(source)
    if (!entry.source) {
      entry.source = source
      for (const wake of entry.waiters) wake(source)
      entry.waiters.clear()
    }
    return entry.name
  }

  /** The name of a hinted part: it answers once the part is listed. */
  hinted(source: PartSource): string {
    return this.entry(source).name
  }

  /** Forgets parts the upstream stopped listing a while ago. */
  sweep(): void {
    const oldest = this.now() - this.options.forgetAfterMs
    for (const [identity, entry] of this.entries) {
      if (entry.lastSeenMs >= oldest && this.entries.size <= MAX_PARTS) continue
      this.forget(identity, entry)
    }
  }

  get size(): number {
    return this.entries.size
  }

  private entry(source: PartSource): Entry {
    const identity = partIdentity(source)
    let entry = this.entries.get(identity)
    if (!entry) {
      entry = { name: `part${this.counter++}${extensionOf(source.url, '.ts')}`, source: null, lastSeenMs: 0, waiters: new Set() }
      this.entries.set(identity, entry)
      this.register(entry)
    }
    entry.lastSeenMs = this.now()
    return entry
  }

  private register(entry: Entry): void {
    const path = this.options.dir + entry.name
    this.options.catalog.set(path, {
      kind: 'part',
      contentType: contentTypeOf(path),
      whenListed: () => this.whenListed(entry, this.options.holdMs()),
    })
  }

  private whenListed(entry: Entry, timeoutMs: number): Promise<PartSource | null> {
    if (entry.source) return Promise.resolve(entry.source)
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), timeoutMs)
      const done = (source: PartSource | null): void => {
        clearTimeout(timer)
        entry.waiters.delete(done)
        resolve(source)
      }
      entry.waiters.add(done)
    })
  }

  private forget(identity: string, entry: Entry): void {
    this.entries.delete(identity)
    this.options.catalog.delete(this.options.dir + entry.name)
    for (const wake of entry.waiters) wake(null)
    entry.waiters.clear()
  }
}
