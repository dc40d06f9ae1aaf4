'use strict'
// Key material never shows in util.inspect / console.log output, while property access,
// Object.keys, spreading and JSON.stringify are exactly what they were (plain data).

const test = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')
const net = require('node:net')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startSimulator } = require('./support/simulator')
const { DstackClient, TappdClient, DstackError, solanaKeypair } = require('..')

let sim
let client
let tappd

test.before(async () => {
  sim = await startSimulator()
  client = new DstackClient(sim.dstack)
  console.warn = () => {} // TappdClient's deprecation warnings (official.test.js)
  tappd = new TappdClient(sim.tappd)
})

test.after(async () => {
  if (client) client.close()
  if (tappd) tappd.close()
  await sim.stop()
})

/** Every way a value commonly ends up as text, except JSON. */
function renderings(value) {
  return [
    util.inspect(value),
    util.inspect(value, { depth: Infinity, colors: true }),
    util.inspect(value, { showHidden: true }),
    util.format('%o', value),
    util.format('%O', value),
    util.format('%s', value),
    util.inspect([value]),
    util.inspect({ nested: { result: value } }, { depth: 5 }),
    util.inspect(new Map([['k', value]])),
  ]
}

/** The ways bytes `b` would appear in inspect output: hex, and the decimal list of a Uint8Array. */
function byteForms(b) {
  const u8 = Uint8Array.from(b)
  return [Buffer.from(u8).toString('hex'), util.inspect(u8).replace(/^Uint8Array\(\d+\) /, ''), Array.from(u8.subarray(0, 8)).join(', ')]
}

function assertHidden(value, secrets, placeholder) {
  for (const rendered of renderings(value)) {
    const text = util.stripVTControlCharacters(rendered)
    for (const s of secrets) assert.ok(!text.includes(s), `secret shown in:\n${text}`)
    assert.match(text, placeholder)
  }
}

test('GetKeyResponse: key shown as <redacted 32 bytes>; data, keys and JSON unchanged', async () => {
  const r = await client.getKey('redact/me', 'p')
  const key = Buffer.from(r.key)
  assertHidden(r, byteForms(key), /<redacted 32 bytes>/)
  const text = util.inspect(r)
  assert.match(text, /signature_chain: \[/) // the rest is still shown
  assert.match(text, /__name__: 'GetKeyResponse'/)
  // Plain data as before.
  assert.deepEqual(Object.keys(r), ['key', 'signature_chain', '__name__'])
  assert.ok(r.key instanceof Uint8Array)
  assert.equal(Buffer.from(r.key).toString('hex'), key.toString('hex'))
  const json = JSON.stringify(r)
  assert.equal(json, JSON.stringify({ key: r.key, signature_chain: r.signature_chain, __name__: 'GetKeyResponse' }))
  assert.ok(json.includes(`"0":${key[0]},"1":${key[1]}`), 'JSON still carries the key bytes')
  const copy = { ...r }
  assert.deepEqual(Object.getOwnPropertySymbols(copy), [], 'the hook does not travel with a spread copy')
  assert.equal(copy.key, r.key)
  assert.ok(Object.isFrozen(r))
})

test('TappdClient.getKey (DeriveK256Key): the derived key is redacted too', async () => {
  const r = await tappd.getKey('redact/tappd', 'p')
  assertHidden(r, byteForms(r.key), /<redacted 32 bytes>/)
  assert.deepEqual(Object.keys(r), ['key', 'signature_chain', '__name__'])
})

function pemSecrets(pem) {
  // The PEM itself and each base64 line of its body.
  return [pem, ...pem.split('\n').filter((l) => l && !l.startsWith('-----'))]
}

test('GetTlsKeyResponse: the PEM private key is redacted, the certificates are not', async () => {
  const r = await client.getTlsKey({ subject: 'redact.example' })
  assert.match(r.key, /PRIVATE KEY/)
  assertHidden(r, pemSecrets(r.key), new RegExp(`<redacted ${r.key.length} characters>`))
  const text = util.inspect(r)
  assert.ok(!text.includes('PRIVATE KEY'))
  assert.ok(text.includes(r.certificate_chain[0].split('\n')[1]), 'certificate chain still shown')
  assert.deepEqual(Object.keys(r), ['key', 'certificate_chain', 'asUint8Array', '__name__'])
  assert.deepEqual(JSON.parse(JSON.stringify(r)), { key: r.key, certificate_chain: r.certificate_chain, __name__: 'GetTlsKeyResponse' })
  assert.equal(r.asUint8Array().length > 32, true)
})

test('TappdClient.deriveKey: the derived P-256 key is redacted', async () => {
  const r = await tappd.deriveKey('redact/path', 'redact.example')
  assertHidden(r, pemSecrets(r.key), /<redacted \d+ characters>/)
  assert.match(r.key, /PRIVATE KEY/)
})

test('solanaKeypair: secretKey redacted, the public parts shown', () => {
  const kp = solanaKeypair(Buffer.alloc(32, 9))
  assertHidden(kp, byteForms(kp.secretKey.subarray(0, 32)), /secretKey: <redacted 64 bytes>/)
  const text = util.inspect(kp)
  assert.ok(text.includes(kp.publicKeyBase58))
  assert.deepEqual(Object.keys(kp), ['secretKey', 'publicKey', 'publicKeyBase58'])
  assert.equal(kp.secretKey.length, 64)
})

test('inspect depth limits still apply to a redacted response', async () => {
  const r = await client.getKey('redact/depth')
  const shallow = util.inspect({ a: { b: { c: r } } }, { depth: 1 })
  assert.match(shallow, /\[Object\]/)
  assert.ok(!shallow.includes(Buffer.from(r.key).toString('hex')))
})

test('a non-200 agent answer: DstackError carries only name, status and code besides the message', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dstack-redact-'))
  const sock = path.join(dir, 'agent.sock')
  const body = 'internal failure'
  const server = net.createServer((c) => {
    c.on('error', () => {})
    c.on('data', () => c.end(`HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`))
  })
  await new Promise((r) => server.listen(sock, r))
  const c = new DstackClient(sock)
  try {
    const err = await c.getKey('x').then(() => assert.fail('expected an error'), (e) => e)
    assert.ok(err instanceof DstackError)
    assert.equal(err.code, 'HTTP_STATUS')
    assert.deepEqual(Object.keys(err).sort(), ['code', 'name', 'status'])
    assert.deepEqual(JSON.parse(JSON.stringify(err)), { name: 'DstackError', status: err.status, code: 'HTTP_STATUS' })
    // util.inspect shows the stack (which starts with the message) and those fields, nothing else.
    const rest = util.inspect(err).replace(err.stack, '')
    assert.match(rest, /status: 15/)
    assert.ok(!rest.includes(body), rest)
  } finally {
    c.close()
    await new Promise((r) => server.close(r))
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
