'use strict'
// Argument checks of the public API: every integer argument against the range of the C type
// it becomes (nothing wraps), and wrong types, null, NaN and oversized input — each is a
// DstackError (INVALID_ARGUMENT, or LIMIT_EXCEEDED for a request the agent would refuse)
// naming the argument, thrown before anything reaches libdstack or the agent.

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')
const { startSimulator, TESTDATA } = require('./support/simulator')
const { fakeAgent } = require('./support/fake-agent')
const sdk = require('..')
const { DstackClient, TappdClient, DstackError, Status } = sdk
const { toViemAccount } = require('@libdstack/dstack-sdk/viem')
const { toKeypair } = require('@libdstack/dstack-sdk/solana')

const U64_MAX = (1n << 64n) - 1n
const U64_RANGE = /from 0 to 18446744073709551615/
const APP_K256_KEY = Buffer.from(JSON.parse(fs.readFileSync(
  path.join(TESTDATA, 'fixtures', 'simulator_appkeys.json'), 'utf8')).k256_key, 'hex')

/** A DstackError with `status` whose message matches every regexp in `patterns`. */
const isErr = (status, ...patterns) => (e) => {
  assert.ok(e instanceof DstackError, `not a DstackError: ${e && e.stack}`)
  assert.equal(e.status, status, e.message)
  for (const p of patterns) assert.match(e.message, p)
  return true
}
const invalid = (...patterns) => isErr(Status.INVALID_ARGUMENT, ...patterns)

let sim
let silent // an agent that never answers: a call that reached it would time out
let client
let tappd
let quiet

test.before(async () => {
  sim = await startSimulator()
  client = new DstackClient(sim.dstack)
  console.warn = () => {} // TappdClient's deprecation warnings (official.test.js)
  tappd = new TappdClient(sim.tappd)
  silent = await fakeAgent(null)
  quiet = new DstackClient(silent.sock, { timeoutMs: 20000 })
})

test.after(async () => {
  for (const c of [client, tappd, quiet]) if (c) c.close()
  if (silent) await silent.close()
  await sim.stop()
})

// ---- item 7: integers ----

test('timeoutMs: an integer from 1 to 2^32 - 1 (uint32_t), number or bigint', () => {
  for (const Client of [DstackClient, TappdClient]) {
    const ep = Client === DstackClient ? sim.dstack : sim.tappd
    for (const bad of [0, -1, 1.5, NaN, Infinity, 2 ** 32, 2 ** 53, 2n ** 32n, -1n, '1000', true, {}]) {
      assert.throws(() => new Client(ep, { timeoutMs: bad }), invalid(/timeoutMs/, /from 1 to 4294967295/))
    }
    for (const ok of [1, 4294967295, 1000n]) new Client(ep, { timeoutMs: ok }).close()
  }
})

test('notBefore / notAfter: uint64 seconds, never wrapped; a bigint carries the full range', async () => {
  const wrapsTo2100 = (1n << 64n) + 4102444800n // wrapped, this was 2100-01-01
  for (const [field, bad] of [
    ['notBefore', 2n ** 64n], ['notAfter', 2n ** 64n], ['notAfter', wrapsTo2100], ['notBefore', -1], ['notBefore', -1n],
    ['notAfter', 1.5], ['notAfter', NaN], ['notAfter', Infinity], ['notBefore', '0'], ['notBefore', true],
  ]) {
    await assert.rejects(quiet.getTlsKey({ [field]: bad }), invalid(new RegExp(field), U64_RANGE))
  }
  // 2^64 as a Number is an integer too, but Numbers above 2^53 - 1 are inexact: pass a bigint.
  await assert.rejects(quiet.getTlsKey({ notAfter: 2 ** 64 }), invalid(/notAfter/, U64_RANGE, /bigint/))
  await assert.rejects(quiet.getTlsKey({ notAfter: 2 ** 53 }), invalid(/notAfter/, /bigint/))
  assert.equal(silent.requests, 0)

  // In range, the agent gets exactly the value: the certificate is valid 2100 → 2101.
  for (const [nb, na] of [[4102444800, 4133980800], [4102444800n, 4133980800n]]) {
    const r = await client.getTlsKey({ subject: 'range.example', notBefore: nb, notAfter: na })
    const cert = new crypto.X509Certificate(r.certificate_chain[0])
    assert.equal(new Date(cert.validFrom).toISOString(), '2100-01-01T00:00:00.000Z')
    assert.equal(new Date(cert.validTo).toISOString(), '2101-01-01T00:00:00.000Z')
  }
})

test('maxLength of tlsKeyAsUint8Array / asUint8Array: an integer from 0 to 1 MiB', async () => {
  const r = await client.getTlsKey({ subject: 'len.example' })
  for (const bad of [-1, 1.5, NaN, 2 ** 40, 2 ** 64, 1048577, '32', 2n ** 64n]) {
    assert.throws(() => r.asUint8Array(bad), invalid(/maxLength/, /from 0 to 1048576/))
    assert.throws(() => sdk.tlsKeyAsUint8Array(r.key, bad), invalid(/maxLength/))
  }
  assert.equal(sdk.tlsKeyAsUint8Array(r.key, 0).length, 0)
  assert.equal(r.asUint8Array(0).length, r.asUint8Array().length) // upstream: 0 is "the whole DER"
  assert.equal(r.asUint8Array(32n).length, 32)
  const big = r.asUint8Array(1048576)
  assert.equal(big.length, 1048576)
  assert.deepEqual(big.subarray(0, 16), r.asUint8Array().subarray(0, 16))
})

test('verifyEnvEncryptPublicKey: timestamp and maxAgeSeconds are integers (as BigInt takes them), now is uint64', (t) => {
  const errors = []
  t.mock.method(console, 'error', (m) => errors.push(m))
  const pk = Buffer.alloc(32)
  const sig = Buffer.alloc(65)
  const id = '00'.repeat(20)
  // upstream's BigInt(timestamp) throws for these: so does this package, naming the argument
  for (const bad of [1.5, NaN, Infinity, '1', null, undefined, {}]) {
    assert.throws(() => sdk.verifyEnvEncryptPublicKey(pk, sig, id, bad), invalid(/^timestamp must be an integer/))
    assert.throws(() => sdk.verifyEnvEncryptPublicKey(pk, sig, id, 1, { maxAgeSeconds: bad === null || bad === undefined ? 'x' : bad }), invalid(/^maxAgeSeconds must be an integer/))
  }
  // any integer is a timestamp; outside the window it is null, as upstream (never a throw)
  for (const ts of [-1, 2 ** 64, 2n ** 64n, -(2n ** 64n)]) {
    assert.equal(sdk.verifyEnvEncryptPublicKey(pk, sig, id, ts, { now: 1000 }), null)
  }
  for (const bad of [-1, 2 ** 64, 2n ** 64n, '1', 1.5]) {
    assert.throws(() => sdk.verifyEnvEncryptPublicKey(pk, sig, id, 1, { now: bad }), invalid(/now/, U64_RANGE))
  }
  // In range, the check proceeds to the signature (all zeros: does not recover): null.
  errors.length = 0
  assert.equal(sdk.verifyEnvEncryptPublicKey(pk, sig, id, U64_MAX, { now: U64_MAX, maxAgeSeconds: U64_MAX }), null)
  assert.match(errors[0], /^signature verification failed:/)
})

// ---- item 10: types, null, NaN, oversized input ----

test('option objects: null means "not given"; other non-objects are refused by name', async () => {
  const r = await client.getTlsKey(null) // was: TypeError reading 'subject' of null
  assert.match(r.key, /PRIVATE KEY/)
  for (const bad of ['x', 5, NaN, true, [], Buffer.alloc(1)]) {
    await assert.rejects(quiet.getTlsKey(bad), invalid(/options must be an object/))
    await assert.rejects(tappd.deriveKey('p', 's', [], bad), invalid(/options must be an object/))
    assert.throws(() => new DstackClient(sim.dstack, bad), invalid(/options must be an object/))
    assert.throws(() => sdk.verifyEnvEncryptPublicKey(Buffer.alloc(32), Buffer.alloc(65), 'aa', 1, bad), invalid(/options must be an object/))
  }
  const t = await tappd.deriveKey('p', 's', [], null) // was: TypeError reading 'usageRaTls' of null
  assert.match(t.key, /PRIVATE KEY/)
  new DstackClient(sim.dstack, null).close()
  assert.equal(silent.requests, 0)
})

test('altNames must be an array (a string was "values.map is not a function")', async () => {
  for (const bad of ['a.example', 5, {}, true, Buffer.from('a')]) {
    await assert.rejects(quiet.getTlsKey({ altNames: bad }), invalid(/altNames must be an array/))
    await assert.rejects(tappd.deriveKey('p', 's', bad), invalid(/altNames must be an array/))
  }
  await assert.rejects(quiet.getTlsKey({ altNames: ['ok', 5] }), invalid(/altNames entry/, /got 5/))
  assert.equal(silent.requests, 0)
})

test('boolean options must be booleans (a truthy string used to set the flag)', async () => {
  for (const field of ['usageRaTls', 'usageServerAuth', 'usageClientAuth', 'withAppInfo']) {
    for (const bad of ['false', 0, 1, {}, NaN]) {
      await assert.rejects(quiet.getTlsKey({ [field]: bad }), invalid(new RegExp(`${field} must be a boolean`)))
    }
  }
  await assert.rejects(tappd.deriveKey('p', 's', [], { randomSeed: 'yes' }), invalid(/randomSeed must be a boolean/))
  assert.throws(() => sdk.secp256k1PublicKey(Buffer.alloc(32, 1), 'no'), invalid(/compressed must be a boolean/))
  assert.throws(() => sdk.getComposeHash({ runner: 'docker-compose' }, 'yes'), invalid(/normalize must be a boolean/))
  assert.equal(silent.requests, 0)
  // null/undefined take the default: usageServerAuth stays on.
  const withDefault = await client.getTlsKey({ usageServerAuth: null })
  const ext = new crypto.X509Certificate(withDefault.certificate_chain[0]).toLegacyObject().ext_key_usage || []
  assert.ok(ext.includes('1.3.6.1.5.5.7.3.1'), `serverAuth expected in ${ext}`)
})

test('string/bytes arguments: numbers, NaN, objects are refused by name, with what was given', async () => {
  const calls = [
    ['path', (v) => quiet.getKey(v)], ['purpose', (v) => quiet.getKey('p', v)], ['algorithm', (v) => quiet.getKey('p', 'q', v)],
    ['reportData', (v) => quiet.getQuote(v)], ['reportData', (v) => quiet.attest(v)], ['data', (v) => quiet.sign('ed25519', v)],
    ['event', (v) => quiet.emitEvent(v, 'x')], ['payload', (v) => quiet.emitEvent('e', v)], ['subject', (v) => quiet.getTlsKey({ subject: v })],
    ['hashAlgorithm', (v) => tappd.tdxQuote('x', v)], ['path', (v) => tappd.getKey(v)],
  ]
  for (const [name, call] of calls) {
    for (const [bad, shown] of [[NaN, /got NaN/], [5, /got 5/], [{}, /got an object/], [10n, /got 10n/], [true, /got true/]]) {
      await assert.rejects(call(bad), invalid(new RegExp(`^${name} must be a string, Buffer or Uint8Array`), shown))
    }
  }
  await assert.rejects(quiet.emitEvent(0, 'x'), invalid(/event must be a string/)) // was "Event name cannot be empty"
  assert.equal(silent.requests, 0)
})

test('null for an optional string argument is its default', async () => {
  const k = await client.getKey(null, null, null)
  assert.equal(Buffer.from(k.key).toString('hex'),
    Buffer.from(crypto.hkdfSync('sha256', APP_K256_KEY, 'RATLS', Buffer.alloc(0), 32)).toString('hex'))
  const t = await tappd.tdxQuote('data', null, null)
  assert.equal(t.hash_algorithm, 'sha512')
})

test('an oversized request is LIMIT_EXCEEDED naming the argument, before anything is sent', async () => {
  const huge = 'x'.repeat(11 * 1024 * 1024)
  for (const [name, call] of [
    ['path', () => quiet.getKey(huge)], ['purpose', () => quiet.getKey('p', huge)], ['subject', () => quiet.getTlsKey({ subject: huge })],
    ['altNames entry', () => quiet.getTlsKey({ altNames: [huge] })], ['event', () => quiet.emitEvent(huge, '')],
    ['path', () => tappd.getKey(huge)], ['path', () => tappd.deriveKey(huge, 's')],
  ]) {
    await assert.rejects(call(), isErr(Status.LIMIT_EXCEEDED, new RegExp(`^${name} is ${huge.length} bytes`), /10 MiB/))
  }
  // Bytes travel as hex: 6 MiB of data is a 12 MiB body.
  const six = Buffer.alloc(6 * 1024 * 1024)
  await assert.rejects(quiet.sign('ed25519', six), isErr(Status.LIMIT_EXCEEDED, /^data is 6291456 bytes/))
  await assert.rejects(quiet.emitEvent('e', six), isErr(Status.LIMIT_EXCEEDED, /^payload is/))
  // JSON escaping counts: 2 MiB of control characters is 12 MiB once escaped.
  await assert.rejects(quiet.getKey('\u0001'.repeat(2 * 1024 * 1024)), isErr(Status.LIMIT_EXCEEDED, /^path is 2097152 bytes/))
  assert.equal(silent.requests, 0)
  // Just under the limit is still sent, and the agent derives the key as usual.
  const big = 'a'.repeat(9 * 1024 * 1024)
  const r = await client.getKey(big)
  // HKDF-SHA256 (RFC 5869) by hand: node's hkdfSync caps info at 1024 bytes.
  const prk = crypto.createHmac('sha256', 'RATLS').update(APP_K256_KEY).digest()
  const okm = crypto.createHmac('sha256', prk).update(big).update(Buffer.of(1)).digest()
  assert.equal(Buffer.from(r.key).toString('hex'), okm.toString('hex'))
})

test('endpoint given as bytes is checked like a string (was String(bytes) = "47,110,…")', () => {
  assert.throws(() => new DstackClient(new Uint8Array(Buffer.from('/nonexistent/dstack.sock'))), isErr(Status.NO_AGENT, /\/nonexistent\/dstack\.sock/))
  const c = new DstackClient(new Uint8Array(Buffer.from(sim.dstack)))
  assert.equal(c.endpoint, sim.dstack)
  c.close()
  assert.throws(() => new DstackClient(42), invalid(/^endpoint must be/, /got 42/))
})

test('getComposeHash: a Buffer or an array is refused (it used to hash their JSON form)', () => {
  const manifest = JSON.stringify({ runner: 'docker-compose', docker_compose_file: 'x' })
  assert.throws(() => sdk.getComposeHash(Buffer.from(manifest)), invalid(/appCompose must be an object or JSON text/, /getComposeHashFromFileBytes/))
  assert.throws(() => sdk.getComposeCanonicalJson(new Uint8Array(4)), invalid(/appCompose/))
  assert.throws(() => sdk.getComposeHash([]), invalid(/appCompose/, /got an array/))
  assert.throws(() => sdk.getComposeHash(null), invalid(/appCompose/, /got null/))
  assert.equal(sdk.getComposeHash(manifest), sdk.getComposeHash(JSON.parse(manifest)))
})

test('verifyEnvEncryptPublicKey: publicKey and signature are bytes, not text', () => {
  const id = '00'.repeat(20)
  assert.throws(() => sdk.verifyEnvEncryptPublicKey('00'.repeat(32), Buffer.alloc(65), id, 1), invalid(/^publicKey must be a Buffer or Uint8Array/, /got a string/))
  assert.throws(() => sdk.verifyEnvEncryptPublicKeyLegacy(Buffer.alloc(32), 'sig', id), invalid(/^signature must be a Buffer or Uint8Array/))
  assert.throws(() => sdk.verifyEnvEncryptPublicKey(Buffer.alloc(32), Buffer.alloc(65), 5, 1), invalid(/^appId must be a hex string/, /got 5/))
})

test('toViemAccount / toKeypair: a key that is not 32 bytes of Uint8Array is refused', () => {
  // 32 characters of text used to pass the length check and become a different key.
  const text = 'k'.repeat(32)
  assert.throws(() => toViemAccount({ key: text }), invalid(/toViemAccount: key must be a 32-byte Uint8Array/, /got a string/))
  assert.throws(() => toKeypair({ key: text }), invalid(/toKeypair: key must be a 32-byte Uint8Array/))
  assert.throws(() => toViemAccount(null), invalid(/keyResponse must be a GetKeyResponse or GetTlsKeyResponse/))
  assert.throws(() => toViemAccount({ key: new Uint8Array(31) }), invalid(/got a Uint8Array \(31 bytes\)/))
  assert.equal(toViemAccount({ key: new Uint8Array(32).fill(1) }).address, sdk.ethereumAddress(Buffer.alloc(32, 1)))
})

test('event logs and report data: wrong types are named', () => {
  for (const fn of [sdk.replayRtmrs, sdk.replayRtmrsFromDigests, sdk.parseEventLog]) {
    for (const bad of [undefined, null, {}, 5]) {
      assert.throws(() => fn(bad), invalid(/^eventLog must be JSON text, an array of events/))
    }
  }
  assert.throws(() => sdk.verifyEventLog('00', '[]', 5), invalid(/^expectedReportData must be/))
  assert.throws(() => sdk.verifyEventLog('00', '[]', Buffer.alloc(65)), invalid(/^expectedReportData is 65 bytes/))
})

test('encryptEnvVars: the offending entry is named', async () => {
  const pk = crypto.generateKeyPairSync('x25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex')
  await assert.rejects(sdk.encryptEnvVars([{ key: 'A', value: 'x' }, { key: 'B', value: 5 }], pk), invalid(/envs\[1\] must be \{key: string, value: string\}/))
  await assert.rejects(sdk.encryptEnvVars('A=1', pk), invalid(/envs must be an array/, /got a string/))
  await assert.rejects(sdk.encryptEnvVars([], Buffer.from(pk, 'hex')), invalid(/publicKeyHex must be a hex string/, /got a Buffer/))
})
