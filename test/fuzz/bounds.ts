import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** What the issue allows one input: 1 s, 100 MB. */
export const MAX_INPUT_MS = 1000
export const MAX_INPUT_BYTES = 100 * 1024 * 1024

setFlagsFromString('--expose-gc')
const collect = runInNewContext('gc') as () => void

/** Memory the process holds (JS heap plus buffers), after a full collection when `settle` is set. */
export function heldBytes(settle = false): number {
  if (settle) collect()
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.external
}

export class BoundsError extends Error {}

/** Tracks the worst input of a run, and throws at the first one beyond the bounds, naming it for a rerun. */
export class InputBounds {
  worstMs = 0
  worstBytes = 0
  private baseline = heldBytes(true)

  constructor(private readonly describe: (index: number) => string) {}

  /** Runs one input, timed, and checks memory held after it against the batch's baseline. */
  async run<T>(index: number, input: () => Promise<T>): Promise<T> {
    const started = performance.now()
    const result = await input()
    const elapsed = performance.now() - started
    let grown = heldBytes() - this.baseline
    this.worstMs = Math.max(this.worstMs, elapsed)
    if (elapsed > MAX_INPUT_MS) throw new BoundsError(`input ${this.describe(index)} took ${elapsed.toFixed(0)} ms`)
    if (grown > MAX_INPUT_BYTES) {
      // Garbage of earlier inputs counts until collected: only memory still held after a collection is a finding.
      grown = heldBytes(true) - this.baseline
      if (grown > MAX_INPUT_BYTES) throw new BoundsError(`input ${this.describe(index)} left ${(grown / 2 ** 20).toFixed(0)} MB held`)
    }
    this.worstBytes = Math.max(this.worstBytes, grown)
    return result
  }

  /** Starts a new batch: memory is measured from here. */
  rebase(): void {
    this.baseline = heldBytes(true)
  }
}
