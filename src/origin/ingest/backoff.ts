/** Exponential backoff for a failing upstream: 1 s, 2 s, 4 s ... capped, reset by the first success. */
export class Backoff {
  private failures = 0

  constructor(
    private readonly baseMs = 1000,
    private readonly maxMs = 30_000,
  ) {}

  fail(): number {
    this.failures++
    return Math.min(this.maxMs, this.baseMs * 2 ** (this.failures - 1))
  }

  succeed(): void {
    this.failures = 0
  }

  get failing(): boolean {
    return this.failures > 0
  }
}
