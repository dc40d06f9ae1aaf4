'use strict'
// Every DstackClient / TappdClient method against the bundled simulator. Expected values are
// docs/PROTOCOL.md facts (simulator key vectors, padding rules) or checked with node:crypto.

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const { startSimulator, APP_ID } = require('./support/simulator')
const { DstackClient, TappdClient, DstackError, Status, verifySignature } = require('..')

// docs/PROTOCOL.md §6.1: simulator vectors for GetKey(path="a", purpose="p").
const KEY_A_P = 'bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94'
const APP_PUB = '02818494263695e8839122dbd88e281d7380622999df4e60a14befa0f2d096fc7c'
const KMS_PUB = '0321529e458424ab1f710a3a57ec4dad2fb195ddca572f7469242ba6c7563085b6'

const hex = (b) => Buffer.from(b).toString('hex')
const isErr = (status) => (e) => e instanceof DstackError && (status === undefined || e.status === status)

let sim
let client

test.before(async () => {
  sim = await startSimulator()
  client = new DstackClient(sim.dstack)
})

test.after(async () => {
  if (client) client.close()
  await sim.stop()
})

test('getKey: simulator key vector, chain verifies to the KMS root', async () => {
  const r = await client.getKey('a', 'p')
  assert.equal(r.__name__, 'GetKeyResponse')
  assert.deepEqual(Object.keys(r), ['key', 'signature_chain', '__name__'])
  assert.ok(r.key instanceof Uint8Array)
  assert.equal(hex(r.key), KEY_A_P)
  assert.equal(r.signature_chain.length, 2)
  for (const s of r.signature_chain) assert.equal(s.length, 65)
  const v = r.verifySignatureChain(APP_ID, KMS_PUB)
  assert.equal(v.appPublicKey, APP_PUB)
  assert.equal(v.kmsPublicKey, KMS_PUB)
  // a different trusted key or app id must fail
  assert.throws(() => r.verifySignatureChain(APP_ID, APP_PUB), isErr(Status.VERIFICATION_FAILED))
  assert.throws(() => r.verifySignatureChain('00'.repeat(20), KMS_PUB), isErr(Status.VERIFICATION_FAILED))
})

test('getKey: ed25519 and k256 give the same key material (docs/PROTOCOL.md §6.1)', async () => {
  const ed = await client.getKey('a', 'p', 'ed25519')
  const k = await client.getKey('a', 'p', 'k256')
  assert.equal(hex(ed.key), KEY_A_P)
  assert.equal(hex(k.key), KEY_A_P)
  const v = ed.verifySignatureChain(APP_ID, KMS_PUB)
  assert.equal(v.kmsPublicKey, KMS_PUB)
  assert.equal(v.publicKey.length, 64) // 32-byte ed25519 key
  await assert.rejects(client.getKey('a', 'p', 'rsa'), isErr(Status.INVALID_ARGUMENT))
})

test('getQuote: report data right-padded; sound replay matches the quote', async () => {
  const data = Buffer.from('hello dstack')
  const q = await client.getQuote(data)
  assert.match(q.quote, /^[0-9a-f]+$/)
  assert.equal(typeof q.event_log, 'string')
  const padded = Buffer.concat([data, Buffer.alloc(64 - data.length)])
  assert.equal(q.report_data, hex(padded))
  const parsed = q.decodeQuote()
  assert.equal(parsed.report_data, hex(padded))
  assert.deepEqual(q.replayRtmrsFromEvents(), [parsed.rtmr0, parsed.rtmr1, parsed.rtmr2, parsed.rtmr3])
  // replayRtmrs() is upstream's (logged digests only): it cannot reproduce RTMR3 from the
  // agent's stripped GetQuote log (official.test.js)
  assert.deepEqual(q.replayRtmrs().slice(0, 3), [parsed.rtmr0, parsed.rtmr1, parsed.rtmr2])
  assert.equal(q.verifyEventLog(), true)
  assert.throws(() => q.verifyEventLog(Buffer.from('something else')), isErr(Status.VERIFICATION_FAILED))
  assert.ok(q.decodeEventLog().length > 0)
  const full = await client.getQuote(Buffer.alloc(64, 7))
  assert.equal(full.report_data, '07'.repeat(64))
  await assert.rejects(client.getQuote(Buffer.alloc(65)), isErr(Status.INVALID_ARGUMENT))
})

test('attest: versioned attestation bytes', async () => {
  const a = await client.attest('report')
  assert.equal(a.__name__, 'AttestResponse')
  assert.match(a.attestation, /^[0-9a-f]+$/)
  assert.ok(a.attestation.length > 200)
})

test('getTlsKey: P-256 key whose certificate chain node:crypto accepts', async () => {
  const notBefore = 1700000000
  const notAfter = 1900000000
  const r = await client.getTlsKey({ subject: 'demo.example', altNames: ['demo.example', 'alt.example'], usageRaTls: true, usageClientAuth: true, notBefore, notAfter, withAppInfo: true })
  assert.equal(r.__name__, 'GetTlsKeyResponse')
  assert.match(r.key, /^-----BEGIN PRIVATE KEY-----/)
  assert.ok(r.certificate_chain.length >= 2)
  const leaf = new crypto.X509Certificate(r.certificate_chain[0])
  const issuer = new crypto.X509Certificate(r.certificate_chain[1])
  const priv = crypto.createPrivateKey(r.key)
  assert.equal(priv.asymmetricKeyDetails.namedCurve, 'prime256v1')
  assert.ok(leaf.checkPrivateKey(priv))
  assert.ok(leaf.verify(issuer.publicKey))
  assert.match(leaf.subject, /CN=demo\.example/)
  assert.match(leaf.subjectAltName, /DNS:alt\.example/)
  assert.equal(new Date(leaf.validFrom).getTime() / 1000, notBefore)
  assert.equal(new Date(leaf.validTo).getTime() / 1000, notAfter)
  const der = priv.export({ type: 'pkcs8', format: 'der' })
  assert.equal(hex(r.asUint8Array()), hex(der))
  assert.equal(hex(r.asUint8Array(32)), hex(der.subarray(0, 32)))
  assert.equal(hex(r.asUint8Array(0)), hex(der)) // as upstream: 0 is "the whole DER"
  assert.equal(hex(r.asUint8Array(200)), hex(Buffer.concat([der, Buffer.alloc(200 - der.length)])))
  // fresh key every call
  const r2 = await client.getTlsKey()
  assert.notEqual(r2.key, r.key)
  await assert.rejects(client.getTlsKey({ notBefore: 10, notAfter: 5 }), isErr())
})

test('info: app id and parsed tcb_info', async () => {
  const info = await client.info()
  assert.equal(info.app_id, APP_ID)
  assert.equal(typeof info.tcb_info, 'object')
  for (const k of ['mrtd', 'rtmr0', 'rtmr1', 'rtmr2', 'rtmr3']) assert.match(info.tcb_info[k], /^[0-9a-f]{96}$/)
  assert.ok(Array.isArray(info.tcb_info.event_log))
  assert.match(info.compose_hash, /^[0-9a-f]{64}$/)
})

test('version', async () => {
  const v = await client.version()
  assert.equal(v.__name__, 'VersionResponse')
  assert.equal(typeof v.version, 'string')
  assert.ok(v.version.length > 0)
  assert.equal(typeof v.rev, 'string')
})

test('sign + verify: ed25519, secp256k1, prehashed; chain verifies', async () => {
  const data = Buffer.from('message to sign')
  const ed = await client.sign('ed25519', data)
  assert.equal(ed.signature.length, 64)
  assert.equal(ed.public_key.length, 32)
  assert.equal(ed.signature_chain.length, 3)
  const edKey = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(ed.public_key).toString('base64url') }, format: 'jwk' })
  assert.ok(crypto.verify(null, data, edKey, ed.signature))
  assert.equal(ed.verifySignatureChain(APP_ID, KMS_PUB).kmsPublicKey, KMS_PUB)
  assert.equal((await client.verify('ed25519', data, ed.signature, ed.public_key)).valid, true)
  assert.equal((await client.verify('ed25519', Buffer.from('other'), ed.signature, ed.public_key)).valid, false)

  const k = await client.sign('secp256k1', data)
  assert.equal(k.public_key.length, 33)
  assert.equal(k.verifySignatureChain(APP_ID, KMS_PUB).appPublicKey.length, 66)
  assert.equal((await client.verify('secp256k1', data, k.signature, k.public_key)).valid, true)

  const digest = crypto.createHash('sha256').update(data).digest()
  const p = await client.sign('secp256k1_prehashed', digest)
  assert.equal((await client.verify('secp256k1_prehashed', digest, p.signature, p.public_key)).valid, true)
  await assert.rejects(client.sign('secp256k1_prehashed', Buffer.alloc(31)), isErr(Status.INVALID_ARGUMENT))
  // The Sign key is GetKey("vms", "signing"): same public key.
  const vms = await client.getKey('vms', 'signing', 'ed25519')
  assert.equal(ed.verifySignatureChain(APP_ID, KMS_PUB).appPublicKey, vms.verifySignatureChain(APP_ID, KMS_PUB).appPublicKey)
})

/** Independent check of a secp256k1 `r‖s` signature over SHA-256(data), by node:crypto. */
function nodeVerifySecp256k1(publicKey, data, signature) {
  const unc = crypto.ECDH.convertKey(Buffer.from(publicKey), 'secp256k1', undefined, undefined, 'uncompressed')
  const key = crypto.createPublicKey({
    format: 'jwk',
    key: { kty: 'EC', crv: 'secp256k1', x: unc.subarray(1, 33).toString('base64url'), y: unc.subarray(33).toString('base64url') },
  })
  return crypto.verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature))
}

const flipped = (b, i) => {
  const out = Buffer.from(b)
  out[i] ^= 0x01
  return out
}

test('verifySignature: simulator Sign results of every algorithm verify; one flipped byte does not', async () => {
  const data = Buffer.from('verify me locally')
  const digest = crypto.createHash('sha256').update(data).digest()
  for (const [algorithm, input] of [['ed25519', data], ['secp256k1', data], ['k256', data], ['secp256k1_prehashed', digest]]) {
    const s = await client.sign(algorithm, input)
    assert.equal(verifySignature(algorithm, input, s.signature, s.public_key), true, algorithm)
    assert.equal(verifySignature(algorithm, input, hex(s.signature), '0x' + hex(s.public_key)), true, `${algorithm} (hex)`)
    assert.equal(verifySignature(algorithm, flipped(input, 3), s.signature, s.public_key), false, `${algorithm} data`)
    assert.equal(verifySignature(algorithm, input, flipped(s.signature, 40), s.public_key), false, `${algorithm} signature`)
    // Independent oracles agree on the valid signature.
    if (algorithm === 'ed25519') {
      const key = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(s.public_key).toString('base64url') }, format: 'jwk' })
      assert.ok(crypto.verify(null, input, key, s.signature))
    } else {
      assert.ok(nodeVerifySecp256k1(s.public_key, data, s.signature), algorithm)
    }
    // verifySignatureChain checks the signature over the data first, for every algorithm.
    assert.equal(s.verifySignatureChain(APP_ID, KMS_PUB).kmsPublicKey, KMS_PUB)
    s.signature[40] ^= 0x01 // the result is frozen, its bytes are not
    assert.throws(() => s.verifySignatureChain(APP_ID, KMS_PUB), isErr(Status.VERIFICATION_FAILED))
  }
  const k = await client.sign('secp256k1', data)
  assert.throws(() => verifySignature('rsa', data, k.signature, k.public_key), isErr(Status.INVALID_ARGUMENT))
  assert.throws(() => verifySignature('secp256k1', data, Buffer.concat([k.signature, Buffer.of(0)]), k.public_key), isErr(Status.INVALID_ARGUMENT))
  assert.throws(() => verifySignature('secp256k1_prehashed', data, k.signature, k.public_key), isErr(Status.INVALID_ARGUMENT))
  assert.throws(() => verifySignature('secp256k1', data, 'zz', k.public_key), isErr(Status.INVALID_HEX))
})

test('gpuInfo, emitEvent, isReachable', async () => {
  const g = await client.gpuInfo()
  assert.equal(typeof g.attestation, 'string')
  await assert.rejects(client.emitEvent('', 'x'), isErr(Status.INVALID_ARGUMENT))
  await client.emitEvent('node-test', 'payload') // the simulator accepts it
  assert.equal(await client.isReachable(), true)
})

test('deprecated DstackClient.deriveKey / tdxQuote behave as upstream', async (t) => {
  t.mock.method(console, 'warn', () => {}) // the warning itself: official.test.js
  await assert.rejects(client.deriveKey('a'), isErr())
  await assert.rejects(client.tdxQuote('x', 'sha256'), isErr())
  const q = await client.tdxQuote('x', 'raw')
  assert.equal(q.report_data, hex(Buffer.concat([Buffer.from('x'), Buffer.alloc(63)])))
})

test('TappdClient: deriveKey deterministic, tdxQuote report data, getKey, info', async (t) => {
  t.mock.method(console, 'warn', () => {}) // deprecation warnings (official.test.js)
  const tappd = new TappdClient(sim.tappd)
  t.after(() => tappd.close())
  const a = await tappd.deriveKey('/app', 'app.example', ['app.example'])
  const b = await tappd.deriveKey('/app', 'app.example')
  assert.equal(a.key, b.key)
  const leaf = new crypto.X509Certificate(a.certificate_chain[0])
  assert.ok(leaf.checkPrivateKey(crypto.createPrivateKey(a.key)))

  const data = Buffer.from('tappd data')
  const q = await tappd.tdxQuote(data, 'sha512')
  const expected = crypto.createHash('sha512').update(Buffer.concat([Buffer.from('app-data:'), data])).digest('hex')
  assert.equal(q.decodeQuote().report_data, expected)
  assert.equal(q.verifyEventLog(Buffer.from(expected, 'hex')), true)
  assert.equal(q.verifyEventLog(), true) // expected report data computed as the agent does
  const q2 = await tappd.tdxQuote(data, 'sha256', 'my-prefix')
  const exp2 = crypto.createHash('sha256').update(Buffer.concat([Buffer.from('my-prefix:'), data])).digest('hex') + '00'.repeat(32)
  assert.equal(q2.decodeQuote().report_data, exp2)
  assert.equal(q2.hash_algorithm, 'sha256')
  assert.equal(q2.prefix, 'my-prefix')
  // raw: left-padded as the official TappdClient does; rawQuote right-pads as GetQuote does
  const raw = await tappd.tdxQuote(Buffer.from('abc'), 'raw')
  assert.equal(raw.decodeQuote().report_data, hex(Buffer.concat([Buffer.alloc(61), Buffer.from('abc')])))
  assert.equal(raw.verifyEventLog(), true)
  const rq = await tappd.rawQuote(Buffer.from('abc'))
  assert.equal(rq.decodeQuote().report_data, hex(Buffer.concat([Buffer.from('abc'), Buffer.alloc(61)])))

  const k = await tappd.getKey('a', 'p')
  assert.equal(hex(k.key), KEY_A_P)
  assert.equal(k.verifySignatureChain(APP_ID, KMS_PUB).kmsPublicKey, KMS_PUB)
  const info = await tappd.info()
  assert.equal(info.app_id, APP_ID)
  assert.equal(await tappd.isReachable(), true)
})
