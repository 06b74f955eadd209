// Test-only: Debian's nginx on loopback serving a folder, as a static host or CDN would (CORS open, playlists
// revalidated, everything else cacheable, Range requests as nginx answers them).
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './origin.js'

export interface Nginx {
  /** Base URL of the served folder, ending in '/'. */
  url: string
  port: number
  /** Requests nginx logged so far, one per line: `<status> <bytes sent> <uri>`. */
  requests(): Promise<string[]>
  stop(): Promise<void>
}

/** Starts nginx in the foreground (single process, as the test's user) with `root` as its document root. */
export async function startNginx(root: string, port?: number): Promise<Nginx> {
  const chosen = port ?? (await freePort())
  const work = await mkdtemp(join(tmpdir(), 'lt-nginx-'))
  const accessLog = join(work, 'access.log')
  const conf = `
daemon off;
master_process off;
pid ${join(work, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  log_format brief '$status $body_bytes_sent $uri';
  access_log ${accessLog} brief;
  client_body_temp_path ${work}/body;
  proxy_temp_path ${work}/proxy;
  fastcgi_temp_path ${work}/fastcgi;
  uwsgi_temp_path ${work}/uwsgi;
  scgi_temp_path ${work}/scgi;
  server {
    listen 127.0.0.1:${chosen};
    root ${root};
    add_header Access-Control-Allow-Origin * always;
    add_header Access-Control-Expose-Headers 'Content-Length, Content-Range' always;
    location ~ \\.m3u8$ { add_header Cache-Control no-cache; add_header Access-Control-Allow-Origin * always; }
  }
}
`
  const confFile = join(work, 'nginx.conf')
  await writeFile(confFile, conf)
  const child: ChildProcess = spawn('nginx', ['-c', confFile, '-p', work], { stdio: ['ignore', 'ignore', 'pipe'] })
  let errors = ''
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  await new Promise<void>((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`cannot start nginx (apt-get install nginx): ${err.message}`)))
    const started = Date.now()
    const poll = setInterval(() => {
      fetch(`http://127.0.0.1:${chosen}/`, { method: 'HEAD' }).then(
        () => {
          clearInterval(poll)
          resolve()
        },
        () => {
          if (child.exitCode === null && Date.now() - started < 10_000) return
          clearInterval(poll)
          reject(new Error(`nginx did not start: ${errors.slice(-500)}`))
        },
      )
    }, 50)
  })
  return {
    url: `http://127.0.0.1:${chosen}/`,
    port: chosen,
    async requests() {
      const text = await readFile(accessLog, 'utf8').catch(() => '')
      return text.split('\n').filter(Boolean)
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGQUIT')
      }),
  }
}
