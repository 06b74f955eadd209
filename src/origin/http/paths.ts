export type PathCheck = { ok: true; path: string } | { ok: false; status: 400 | 404; reason: string }

/**
 * Turns a request URL into a catalog key. Everything the origin serves lives in an in-memory table, so nothing
 * can escape to the file system; still, traversal attempts (plain or percent-encoded) get an explicit 400 and
 * dotfiles a 404, so probes learn nothing and logs say what happened.
 */
export function checkRequestPath(rawUrl: string): PathCheck {
  const rawPath = rawUrl.split(/[?#]/, 1)[0] ?? ''
  let decoded: string
  try {
    decoded = decodeURIComponent(rawPath)
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding in path' }
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { ok: false, status: 400, reason: 'forbidden character in path' }
  const parts = decoded.split('/').slice(1)
  if (parts.some((part) => part === '..' || part === '.')) return { ok: false, status: 400, reason: 'path traversal refused' }
  if (parts.some((part) => part.startsWith('.'))) return { ok: false, status: 404, reason: 'not found' }
  return { ok: true, path: parts.join('/') }
}
