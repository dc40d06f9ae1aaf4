'use strict'
// A stand-in agent on a Unix socket that answers every request with fixed bytes.

const net = require('node:net')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

/**
 * A Unix-socket server that answers every request with `reply` (or never, if null), after
 * `delayMs` when given. Resolves to `{ sock, requests, close() }`; `requests` counts the
 * request heads received.
 */
async function fakeAgent(reply, { delayMs = 0 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dstack-fake-'))
  const sock = path.join(dir, 'agent.sock')
  const conns = new Set()
  const timers = new Set()
  const state = { requests: 0 }
  const server = net.createServer((c) => {
    conns.add(c)
    c.on('close', () => conns.delete(c))
    c.on('error', () => {})
    let buf = ''
    c.on('data', (d) => {
      buf += d
      if (!buf.includes('\r\n\r\n')) return
      buf = ''
      state.requests++
      if (reply === null) return
      if (!delayMs) return c.end(reply)
      const t = setTimeout(() => { timers.delete(t); c.end(reply) }, delayMs)
      timers.add(t)
    })
  })
  await new Promise((r) => server.listen(sock, r))
  return {
    sock,
    get requests() { return state.requests },
    close: () => new Promise((r) => {
      for (const t of timers) clearTimeout(t)
      for (const c of conns) c.destroy()
      server.close(() => { fs.rmSync(dir, { recursive: true, force: true }); r() })
    }),
  }
}

/** An HTTP/1.1 response with a body. */
function http(status, body, contentType = 'application/json') {
  return `HTTP/1.1 ${status}\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
}

module.exports = { fakeAgent, http }
