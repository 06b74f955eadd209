import type { StatsEventMap } from '../../protocol/stats.js'

type Listener<T> = (detail: T) => void

/** A small typed event emitter for the stats events (EventTarget's CustomEvent loses the detail types). */
export class TypedEvents<Map extends object> {
  private readonly listeners = new Map<keyof Map, Set<Listener<never>>>()

  on<K extends keyof Map>(name: K, listener: Listener<Map[K]>): () => void {
    let set = this.listeners.get(name)
    if (!set) this.listeners.set(name, (set = new Set()))
    set.add(listener as Listener<never>)
    return () => set.delete(listener as Listener<never>)
  }

  emit<K extends keyof Map>(name: K, detail: Map[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        ;(listener as Listener<Map[K]>)(detail)
      } catch (err) {
        console.error('live-torrent: a stats listener threw', err)
      }
    }
  }
}

export type StatsEvents = TypedEvents<StatsEventMap>
