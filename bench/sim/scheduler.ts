import type { Clock, Timer } from '../../src/client/core/ports.js'

/** A timer; its own handle (a class, so that a million timers cost no extra closure each). */
class Event implements Timer {
  cancelled = false

  constructor(
    readonly at: number,
    readonly seq: number,
    readonly run: () => void,
  ) {}

  cancel(): void {
    this.cancelled = true
  }
}

/**
 * A discrete-event clock: timers run in time order (ties in the order they were set) when `runUntil` advances the
 * time; nothing runs by itself. The delivery core's unit tests and the swarm simulator both run on it, so a
 * minute of a swarm takes milliseconds and the same inputs give the same run.
 */
export class Scheduler implements Clock {
  private time = 0
  private seq = 0
  private readonly heap: Event[] = []

  now(): number {
    return this.time
  }

  setTimer(ms: number, run: () => void): Timer {
    const event = new Event(this.time + Math.max(0, ms), this.seq++, run)
    this.push(event)
    return event
  }

  /** Runs every timer due up to `time` (including ones they set), then sets the clock to `time`. */
  runUntil(time: number): void {
    for (;;) {
      const next = this.heap[0]
      if (!next || next.at > time) break
      this.pop()
      if (next.cancelled) continue
      this.time = next.at
      next.run()
    }
    this.time = Math.max(this.time, time)
  }

  advance(ms: number): void {
    this.runUntil(this.time + ms)
  }

  get pending(): number {
    return this.heap.filter((event) => !event.cancelled).length
  }

  private before(a: Event, b: Event): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }

  private push(event: Event): void {
    const heap = this.heap
    heap.push(event)
    let index = heap.length - 1
    while (index > 0) {
      const parent = (index - 1) >> 1
      if (!this.before(heap[index]!, heap[parent]!)) break
      ;[heap[index], heap[parent]] = [heap[parent]!, heap[index]!]
      index = parent
    }
  }

  private pop(): void {
    const heap = this.heap
    const last = heap.pop()!
    if (heap.length === 0) return
    heap[0] = last
    let index = 0
    for (;;) {
      const left = index * 2 + 1
      const right = left + 1
      let smallest = index
      if (left < heap.length && this.before(heap[left]!, heap[smallest]!)) smallest = left
      if (right < heap.length && this.before(heap[right]!, heap[smallest]!)) smallest = right
      if (smallest === index) return
      ;[heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!]
      index = smallest
    }
  }
}
