import type { P2PStackLoader, StartP2PStack } from '../stack-port.js'

/** Where the P2P bundle (src/entries/p2p-stack.ts) leaves its entry point for the page script. */
export const P2P_STACK_GLOBAL = '__liveTorrentP2PStack'

/** What the P2P bundle publishes: its version (it must be the page script's) and the stack's start. */
export interface PublishedP2PStack {
  version: string
  startP2PStack: StartP2PStack
}

/**
 * Loads the P2P bundle with a <script> element (which, unlike import(), needs no CORS from a site that serves the
 * scripts from its origin) and resolves with its stack. Rejects with the reason when it does not load, or is
 * another release than the page script that asks (a cached page script beside a new bundle, or the other way).
 */
export function scriptStackLoader(url: string, version: string): P2PStackLoader {
  return () =>
    new Promise((resolve, reject) => {
      const script = document.createElement('script')
      script.src = url
      script.async = true
      script.onerror = () => reject(new Error(`live-torrent: the P2P script ${url} did not load`))
      script.onload = () => {
        const published = (globalThis as Record<string, unknown>)[P2P_STACK_GLOBAL] as PublishedP2PStack | undefined
        if (!published) reject(new Error(`live-torrent: ${url} is not the live-torrent P2P script`))
        else if (published.version !== version)
          reject(new Error(`live-torrent: the P2P script is version ${published.version}, the page script ${version}`))
        else resolve(published.startP2PStack)
      }
      document.head.append(script)
    })
}
