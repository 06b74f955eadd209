import type { Links } from './links.js'

/**
 * What `GET /` shows until the player page exists: where the feed is. The path is reserved for the player page.
 */
export function landingPage(links: Links): string {
  const playlist = links.url('stream.m3u8')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>live-torrent origin</title></head>
<body>
<h1>live-torrent origin</h1>
<p>Playlist (plays in any HLS player): <a href="${playlist}">${playlist}</a></p>
<p>Metrics: <a href="${links.url('metrics')}">${links.url('metrics')}</a></p>
</body></html>
`
}
