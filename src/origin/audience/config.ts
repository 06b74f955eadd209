/**
 * The origin's audience view: what it accepts of viewers' reports (POST /api/report) and how it sums them up
 * (/metrics, /api/audience, /dashboard). Every default is here.
 */
export interface AudienceConfig {
  /** Accept viewer reports at all (off: /api/report answers 404 and the dashboard stays empty). */
  enabled: boolean
  /** Price of one GB of CDN egress, to show the money peers saved. */
  pricePerGb: number
  /** Currency of pricePerGb, as shown on the dashboard. */
  currency: string
  /** A viewer counts as watching while its last report is at most this old (ms). */
  activeWindowMs: number
  /** Sessions remembered at most; the least recently reporting beyond it are forgotten. */
  maxSessions: number
  /** A session is forgotten this long after its last report (ms). */
  sessionTtlMs: number
  /** Reports of one session at least this far apart (ms); faster ones are refused as a flood (429). */
  minReportIntervalMs: number
  /**
   * New sessions one client address may open per minute (429 beyond: one client must not pose as an audience).
   * The address is held in memory for that minute only, for this limit, and never stored with a report.
   */
  newSessionsPerAddressPerMinute: number
  /** Download or upload rate no viewer can reach (bits/s): a report claiming more is refused as absurd (422). */
  maxViewerBitsPerSecond: number
  /** Largest report body (bytes); larger ones are refused (413). */
  maxReportBytes: number
  /** Interval of the share-over-time history (ms). */
  historyIntervalMs: number
  /** Points the history keeps (at the default interval, one hour). */
  historyPoints: number
}

export const DEFAULT_AUDIENCE_CONFIG: AudienceConfig = {
  enabled: true,
  pricePerGb: 0.02,
  currency: 'USD',
  activeWindowMs: 60_000,
  maxSessions: 100_000,
  sessionTtlMs: 10 * 60_000,
  minReportIntervalMs: 1000,
  newSessionsPerAddressPerMinute: 20,
  maxViewerBitsPerSecond: 200_000_000,
  maxReportBytes: 2048,
  historyIntervalMs: 10_000,
  historyPoints: 360,
}

export class AudienceConfigError extends Error {}

/** The defaults with the overrides over them, checked: a bad value throws with the option's name. */
export function resolveAudienceConfig(overrides: Partial<AudienceConfig> = {}): AudienceConfig {
  for (const name of Object.keys(overrides))
    if (!(name in DEFAULT_AUDIENCE_CONFIG)) throw new AudienceConfigError(`audience: unknown option "${name}"`)
  const config = { ...DEFAULT_AUDIENCE_CONFIG, ...overrides }
  if (typeof config.enabled !== 'boolean')
    throw new AudienceConfigError(`audience.enabled must be true or false, got ${String(config.enabled)}`)
  if (typeof config.currency !== 'string' || !/^[A-Za-z$€£¥ ]{1,8}$/.test(config.currency))
    throw new AudienceConfigError(`audience.currency must be a short currency name, got ${JSON.stringify(config.currency)}`)
  const positive: (keyof AudienceConfig)[] = [
    'activeWindowMs',
    'maxSessions',
    'sessionTtlMs',
    'newSessionsPerAddressPerMinute',
    'maxViewerBitsPerSecond',
    'maxReportBytes',
    'historyIntervalMs',
    'historyPoints',
  ]
  for (const name of positive) {
    const value = config[name]
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
      throw new AudienceConfigError(`audience.${name} must be a positive number, got ${String(value)}`)
  }
  for (const name of ['pricePerGb', 'minReportIntervalMs'] as const) {
    const value = config[name]
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      throw new AudienceConfigError(`audience.${name} must be a number of at least 0, got ${String(value)}`)
  }
  return config
}
