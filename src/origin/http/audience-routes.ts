import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { REPORT_PATH } from '../../protocol/viewer-report.js'
import { Audience } from '../audience/audience.js'
import { resolveAudienceConfig, type AudienceConfig } from '../audience/config.js'
import { checkReport, type RefusalReason } from '../audience/report-check.js'
import { AudienceHistory, summarize } from '../audience/summary.js'

const STATUS: Record<RefusalReason, number> = { malformed: 400, oversized: 413, absurd: 422, stale: 409, flood: 429 }

/**
 * The audience endpoints: viewers POST their reports to /api/report (text/plain, as sendBeacon sends it, so that a
 * page on another site needs no CORS preflight), and /api/audience answers the summary the dashboard draws.
 */
export function registerAudienceRoutes(app: FastifyInstance, overrides: Partial<AudienceConfig>, registry: Registry, logger: Logger): void {
  const config = resolveAudienceConfig(overrides)
  if (!config.enabled) {
    app.all(REPORT_PATH, (_request, reply) => void reply.code(404).type('text/plain').send('viewer reports are switched off here\n'))
    app.get('/api/audience', (_request, reply) => void reply.code(404).type('text/plain').send('viewer reports are switched off here\n'))
    return
  }
  const audience = new Audience(config, registry)
  const history = new AudienceHistory(audience)
  app.addHook('onClose', async () => history.stop())
  let refusalsLogged = 0
  const refuse = (reply: FastifyReply, reason: RefusalReason, message: string) => {
    // One line per refusal would let a flood fill the log: the first ones, then every thousandth.
    if (++refusalsLogged <= 20 || refusalsLogged % 1000 === 0)
      logger.warn({ reason, message, refusals: refusalsLogged }, 'viewer report refused')
    if (reason === 'flood') reply.header('retry-after', '60')
    reply.code(STATUS[reason]).type('text/plain').send(`report refused (${reason}): ${message}\n`)
  }
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: config.maxReportBytes }, (_request, body, done) => done(null, body))
    scope.setErrorHandler((err: Error & { statusCode?: number }, _request, reply) => {
      const reason = err.statusCode === 413 ? 'oversized' : 'malformed'
      audience.refused(reason)
      refuse(reply, reason, err.message)
    })
    scope.post(REPORT_PATH, (request: FastifyRequest, reply: FastifyReply) => {
      const checked = checkReport(request.body, config.maxReportBytes)
      if (!checked.ok) {
        audience.refused(checked.reason)
        return refuse(reply, checked.reason, checked.message)
      }
      const accepted = audience.accept(checked.report, request.ip)
      if (!accepted.ok) return refuse(reply, accepted.reason, accepted.message)
      reply.code(204).send()
    })
  })
  app.get('/api/audience', (_request, reply) => void reply.header('cache-control', 'no-store').send(summarize(audience, history)))
}
