import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'

/**
 * A directory whose files change atomically: each is written under a temporary name beside its final one and
 * renamed into place (rename(2) replaces the old file in one step), so a static server or a CDN never serves a
 * half-written playlist, segment or torrent.
 */
export class AtomicDir {
  private written = 0

  constructor(readonly root: string) {}

  async write(path: string, bytes: Uint8Array | string): Promise<void> {
    const file = this.resolve(path)
    await mkdir(dirname(file), { recursive: true })
    const temporary = join(dirname(file), `.${process.pid}.${++this.written}.tmp`)
    try {
      await writeFile(temporary, bytes)
      await rename(temporary, file)
    } catch (err) {
      await rm(temporary, { force: true })
      throw err
    }
  }

  async remove(path: string): Promise<void> {
    await rm(this.resolve(path), { force: true })
  }

  /** Catalog paths are the origin's own names, but a path that would leave the directory is refused all the same. */
  private resolve(path: string): string {
    const file = join(this.root, path)
    const inside = relative(this.root, file)
    if (inside === '' || inside.startsWith('..') || inside.split(sep).includes('..'))
      throw new Error(`refusing to write outside the output directory: ${path}`)
    return file
  }
}
