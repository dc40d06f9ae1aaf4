'use strict'
// Error paths: no agent, an old agent (--legacy), a silent agent (timeout), HTTP errors the
// official SDK ignored, bad input, and handle lifetime.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const { startSimulator } = require('./support/simulator')
const { fakeAgent, http } = require('./support/fake-agent')
const { DstackClient, TappdClient, DstackError, Status } = require('..')

console.warn = () => {} // TappdClient's deprecation warnings (official.test.js)

const isErr = (status) => (e) => e instanceof DstackError && e instanceof Error && (status === undefined || e.status === status)

test('agent missing: constructor refuses a socket path that does not exist', () => {
  assert.throws(() => new DstackClient('/nonexistent/dstack.sock'), isErr(Status.NO_AGENT))
  assert.throws(() => new TappdClient('/nonexistent/tappd.sock'), isErr(Status.NO_AGENT))
})

test('agent gone: calls reject with NO_AGENT, isReachable is false', async () => {
  const sim = await startSimulator()
  const c = new DstackClient(sim.dstack)
  assert.equal(hexLen((await c.getKey('x')).key), 64)
  await sim.stop()
  await assert.rejects(c.getKey('x'), isErr(Status.NO_AGENT))
  assert.equal(await c.isReachable(), false)
  c.close()
})

function hexLen(b) {
  return Buffer.from(b).toString('hex').length
}

test('old agent (--legacy): no Version RPC; guarded features fail before sending', async () => {
  const sim = await startSimulator(['--legacy'])
  const c = new DstackClient(sim.dstack)
  try {
    await assert.rejects(c.version(), isErr())
    assert.equal(hexLen((await c.getKey('a', 'p')).key), 64)
    await assert.rejects(c.getKey('a', 'p', 'ed25519'), isErr(Status.UNSUPPORTED))
    await assert.rejects(c.getTlsKey({ notBefore: 1 }), isErr(Status.UNSUPPORTED))
    await assert.rejects(c.getTlsKey({ withAppInfo: true }), isErr(Status.UNSUPPORTED))
    const t = await c.getTlsKey({ subject: 'old' })
    assert.match(t.key, /PRIVATE KEY/)
  } finally {
    c.close()
    await sim.stop()
  }
})

test('timeout: a silent agent gives TIMEOUT, not a hang', async () => {
  const agent = await fakeAgent(null)
  const c = new DstackClient(agent.sock, { timeoutMs: 300 })
  try {
    await assert.rejects(c.getKey('x'), isErr(Status.TIMEOUT))
    assert.equal(await c.isReachable(), false)
  } finally {
    c.close()
    await agent.close()
  }
})

test('HTTP status is checked; the agent error text is the message', async () => {
  const notFound = await fakeAgent(http('404 Not Found', '<html>nope</html>'))
  const c1 = new DstackClient(notFound.sock)
  await assert.rejects(c1.info(), isErr(Status.HTTP_STATUS))
  c1.close()
  await notFound.close()

  const agentErr = await fakeAgent(http('400 Bad Request', '{\n  "error": "boom from agent"\n}'))
  const c2 = new DstackClient(agentErr.sock)
  await assert.rejects(c2.getKey('x'), (e) => isErr(Status.AGENT_ERROR)(e) && /boom from agent/.test(e.message))
  c2.close()
  await agentErr.close()

  const garbage = await fakeAgent('this is not http\r\n\r\n')
  const c3 = new DstackClient(garbage.sock)
  await assert.rejects(c3.version(), isErr(Status.MALFORMED_HTTP))
  c3.close()
  await garbage.close()

  const badJson = await fakeAgent(http('200 OK', '{"key": "zz"}'))
  const c4 = new DstackClient(badJson.sock)
  await assert.rejects(c4.getKey('x'), isErr())
  c4.close()
  await badJson.close()
})

test('bad input is a DstackError before anything is sent', async () => {
  const agent = await fakeAgent(null) // would time out if anything were sent
  const c = new DstackClient(agent.sock, { timeoutMs: 5000 })
  try {
    await assert.rejects(c.getQuote(Buffer.alloc(65)), isErr(Status.INVALID_ARGUMENT))
    await assert.rejects(c.attest(Buffer.alloc(100)), isErr(Status.INVALID_ARGUMENT))
    await assert.rejects(c.sign('secp256k1_prehashed', Buffer.alloc(5)), isErr(Status.INVALID_ARGUMENT))
    await assert.rejects(c.getKey('x', 'y', 'rsa'), isErr(Status.INVALID_ARGUMENT))
    await assert.rejects(c.getKey('\ud800'), isErr(Status.INVALID_ARGUMENT))
    await assert.rejects(c.getQuote(12345), isErr(Status.INVALID_ARGUMENT))
    await assert.rejects(c.getTlsKey({ notBefore: -1 }), isErr(Status.INVALID_ARGUMENT))
  } finally {
    c.close()
    await agent.close()
  }
  assert.throws(() => new DstackClient('/tmp', { timeoutMs: 0 }), isErr(Status.INVALID_ARGUMENT))
  // https:// is accepted when the client is made, as upstream; calls reject (official.test.js)
  const tls = new DstackClient('https://example.invalid')
  await assert.rejects(tls.getKey('x'), isErr(Status.UNSUPPORTED))
})

test('close(): idempotent; later calls reject; in-flight calls finish first', async () => {
  const sim = await startSimulator()
  try {
    const c = new DstackClient(sim.dstack)
    const pending = Promise.all([c.getKey('1'), c.getKey('2'), c.info()])
    c.close()
    const [k1, k2] = await pending
    assert.notEqual(Buffer.from(k1.key).toString('hex'), Buffer.from(k2.key).toString('hex'))
    c.close()
    await assert.rejects(c.getKey('3'), isErr())
  } finally {
    await sim.stop()
  }
})

function openFds() {
  return fs.readdirSync('/proc/self/fd').length
}

test('handles dropped without close() are released by the garbage collector', { skip: typeof global.gc !== 'function' && 'needs --expose-gc' }, async () => {
  const sim = await startSimulator()
  try {
    const base = openFds()
    // Each client keeps its keep-alive connection (one fd) in its pool until it is freed.
    await (async () => {
      const clients = Array.from({ length: 40 }, () => new DstackClient(sim.dstack))
      await Promise.all(clients.map((c, i) => c.getKey(String(i))))
    })()
    const held = openFds()
    for (let i = 0; i < 10 && openFds() > base + 5; i++) {
      global.gc()
      await new Promise((r) => setTimeout(r, 20))
    }
    const after = openFds()
    assert.ok(held >= base + 30, `pooled connections held: base ${base}, held ${held}`)
    assert.ok(after <= base + 5, `finalizers released handles: base ${base}, held ${held}, after ${after}`)
  } finally {
    await sim.stop()
  }
})

test('a client dropped while its call runs is not freed under the call', { skip: typeof global.gc !== 'function' && 'needs --expose-gc', timeout: 60000 }, async () => {
  // The agent answers only after the garbage collector has had every chance to run.
  const agent = await fakeAgent(http('200 OK', '{"valid": true}'), { delayMs: 1500 })
  const finalized = []
  const registry = new FinalizationRegistry((name) => finalized.push(name))
  try {
    // verify() keeps no reference to the client itself while it waits: only the handle does.
    const pending = (() => {
      const c = new DstackClient(agent.sock, { timeoutMs: 20000 })
      registry.register(c, 'client')
      return c.verify('ed25519', 'data', Buffer.alloc(64), Buffer.alloc(32))
    })()
    for (let i = 0; i < 10; i++) {
      global.gc()
      await new Promise((r) => setTimeout(r, 30))
    }
    assert.deepEqual(finalized, [], 'the client was finalized while its call was running')
    const res = await pending
    assert.equal(res.valid, true)
    // Once the call is done, the client is collectable as before.
    for (let i = 0; i < 20 && finalized.length === 0; i++) {
      global.gc()
      await new Promise((r) => setTimeout(r, 30))
    }
    assert.deepEqual(finalized, ['client'])
  } finally {
    await agent.close()
  }
})
