import { benchPage } from '../page.js'
import type { Mode } from './index.js'

/** The baseline: plain hls.js, no P2P; every fragment byte comes from the origin over HTTP. */
export const http: Mode = {
  name: 'http',
  description: 'plain hls.js, no P2P (the baseline)',
  needsTracker: false,
  page: (env) =>
    benchPage({
      title: 'bench: http',
      env,
      start: `window.__bench.setPath('http');\nwindow.__bench.start(() => new Hls(BASE_HLS_CONFIG), PLAYLIST_URL);`,
    }),
}
