'use strict'
// Pure functions against testdata/vectors (independent results of the official SDKs) and
// the real quote fixtures. No agent needed.

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')
const { loadVectors, loadFixture, TESTDATA } = require('./support/simulator')
const sdk = require('..')
const { getComposeHash } = require('@libdstack/dstack-sdk/get-compose-hash')
const { encryptEnvVars } = require('@libdstack/dstack-sdk/encrypt-env-vars')
const { verifyEnvEncryptPublicKey, verifyEnvEncryptPublicKeyLegacy } = require('@libdstack/dstack-sdk/verify-env-encrypt-public-key')
const { toViemAccount, toViemAccountSecure } = require('@libdstack/dstack-sdk/viem')
const { toKeypair, toKeypairSecure } = require('@libdstack/dstack-sdk/solana')

const { DstackError, Status } = sdk

function isDstackError(status) {
  return (e) => e instanceof DstackError && (status === undefined || e.status === status)
}

// The warnings of the deprecated helpers are upstream behaviour; keep test output readable.
console.warn = () => {}

test('compose hash: byte-equal to @phala/dstack-sdk (JS) for every vector', () => {
  const v = loadVectors('compose_hash.json')
  let checked = 0
  for (const c of v.cases) {
    const input = c.js_parse === 'eval'
      ? vm.runInNewContext(`(${c.input_json})`)
      : JSON.parse(c.input_json)
    for (const mode of ['normalize_false', 'normalize_true']) {
      const js = c.js[mode]
      if (js.error) {
        assert.throws(() => getComposeHash(input, mode === 'normalize_true'), isDstackError(), `${c.id} ${mode}`)
      } else {
        assert.equal(getComposeHash(input, mode === 'normalize_true'), js.hash, `${c.id} ${mode}`)
        assert.equal(sdk.getComposeCanonicalJson(input, mode === 'normalize_true'), js.canonical_json, `${c.id} ${mode} json`)
      }
      checked++
    }
  }
  assert.equal(checked, v.cases.length * 2)
})

test('compose hash of raw file bytes is sha256 of those bytes', () => {
  const file = fs.readFileSync(path.join(TESTDATA, 'fixtures', 'simulator_app-compose.json'))
  const independent = crypto.createHash('sha256').update(file).digest('hex')
  assert.equal(sdk.getComposeHashFromFileBytes(file), independent)
})

function x25519Decrypt(privHex, cipherHex) {
  const ct = Buffer.from(cipherHex, 'hex')
  const eph = ct.subarray(0, 32)
  const iv = ct.subarray(32, 44)
  const body = ct.subarray(44, ct.length - 16)
  const tag = ct.subarray(ct.length - 16)
  const priv = Buffer.from(privHex, 'hex')
  // Node needs the public half in the JWK; derive it from the private key via PKCS#8.
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), priv])
  const privateKey = crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
  const publicKey = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: eph.toString('base64url') }, format: 'jwk' })
  const shared = crypto.diffieHellman({ privateKey, publicKey })
  const d = crypto.createDecipheriv('aes-256-gcm', shared, iv)
  d.setAuthTag(tag)
  return Buffer.concat([d.update(body), d.final()]).toString('utf8')
}

test('encryptEnvVars: decrypts with node:crypto X25519 + AES-256-GCM to exactly the input', async () => {
  const v = loadVectors('env_encrypt.json')
  let ok = 0
  for (const c of v.cases) {
    const envs = c.envs.map((e) => ({ key: e.key, value: e.value_json_literal ? JSON.parse(e.value_json_literal) : e.value }))
    if (c.python.error) {
      await assert.rejects(encryptEnvVars(envs, c.public_key_hex_argument), isDstackError(), c.id)
      continue
    }
    if (envs.some((e) => !e.key.isWellFormed() || !e.value.isWellFormed())) {
      // No UTF-8 form exists; we refuse instead of silently writing U+FFFD.
      await assert.rejects(encryptEnvVars(envs, c.public_key_hex_argument), isDstackError(Status.INVALID_ARGUMENT), c.id)
      continue
    }
    const hex = await encryptEnvVars(envs, c.public_key_hex_argument)
    assert.match(hex, /^[0-9a-f]+$/)
    const plain = x25519Decrypt(c.remote_private_key_hex, hex)
    assert.deepEqual(JSON.parse(plain), { env: envs }, c.id)
    // compact JSON, as the JS SDK writes it
    assert.equal(plain, JSON.stringify({ env: envs }), c.id)
    ok++
  }
  assert.ok(ok >= 5)
  // Two encryptions of the same input differ (fresh ephemeral key and IV).
  const c0 = v.cases[0]
  assert.notEqual(await encryptEnvVars(c0.envs, c0.public_key_hex_argument), await encryptEnvVars(c0.envs, c0.public_key_hex_argument))
  await assert.rejects(encryptEnvVars([{ key: 'A', value: 'b' }], 'zz'.repeat(32)), isDstackError())
})

test('verifyEnvEncryptPublicKey / Legacy: vectors (the official JS result, null included; 0X prefix accepted)', (t) => {
  t.mock.method(console, 'error', () => {})
  const v = loadVectors('kms_sig.json')
  for (const c of v.cases) {
    const pk = Buffer.from(c.public_key_hex, 'hex')
    const sig = Buffer.from(c.signature_hex, 'hex')
    const got = c.kind === 'legacy'
      ? verifyEnvEncryptPublicKeyLegacy(pk, sig, c.app_id)
      : verifyEnvEncryptPublicKey(pk, sig, c.app_id, c.timestamp, { now: c.now, ...(c.max_age_seconds ? { maxAgeSeconds: c.max_age_seconds } : {}) })
    assert.equal(got, c.js.result, c.id)
    // Python agrees except on the 0X prefix (Python: null)
    if (c.id !== 'v1_app_id_0X_uppercase_prefix') assert.equal(got, c.expected, c.id)
  }
})

test('verifyEnvEncryptPublicKey: trusted KMS keys are enforced', (t) => {
  t.mock.method(console, 'error', () => {})
  const v = loadVectors('kms_sig.json')
  const good = v.cases.find((c) => c.id === 'v1_ok_basic')
  const wrong = v.cases.find((c) => c.id === 'v1_wrong_app_id')
  const args = (c) => [Buffer.from(c.public_key_hex, 'hex'), Buffer.from(c.signature_hex, 'hex'), c.app_id, c.timestamp]
  assert.equal(verifyEnvEncryptPublicKey(...args(good), { now: good.now, trustedKeys: [good.signer_compressed_public_key] }), good.signer_compressed_public_key)
  // the wrong app id recovers some key; trusting the KMS key (good's signer) makes it null
  assert.equal(verifyEnvEncryptPublicKey(...args(wrong), { now: wrong.now }), wrong.expected)
  assert.equal(verifyEnvEncryptPublicKey(...args(wrong), { now: wrong.now, trustedKeys: [good.signer_compressed_public_key] }), null)
  const legacy = v.cases.find((c) => c.id === 'legacy_ok_basic')
  assert.equal(verifyEnvEncryptPublicKeyLegacy(Buffer.from(legacy.public_key_hex, 'hex'), Buffer.from(legacy.signature_hex, 'hex'), legacy.app_id,
    { trustedKeys: legacy.signer_compressed_public_key }), legacy.signer_compressed_public_key)
  assert.throws(() => verifyEnvEncryptPublicKey(...args(good), { now: -1 }), isDstackError(Status.INVALID_ARGUMENT))
})

function tlsLike(pem) {
  return Object.freeze({ __name__: 'GetTlsKeyResponse', key: pem, certificate_chain: [], asUint8Array: (n) => sdk.tlsKeyAsUint8Array(pem, n) })
}

function keyLike(hex) {
  return Object.freeze({ __name__: 'GetKeyResponse', key: new Uint8Array(Buffer.from(hex, 'hex')), signature_chain: [] })
}

test('tls asUint8Array: Python semantics (full DER, or exactly N bytes; 0 → empty)', () => {
  const v = loadVectors('tls_key_asuint8.json')
  for (const c of v.cases) {
    const exp = c.expected
    // Vectors README: a SEC1 ("EC PRIVATE KEY") PEM is a clear error, not base64 bytes.
    if (/sec1/.test(c.id) || exp.error || (exp.full && exp.full.error)) {
      assert.throws(() => sdk.tlsKeyAsUint8Array(c.pem), isDstackError(), c.id)
      continue
    }
    const full = typeof exp.full === 'string' ? exp.full : exp.full.hex
    assert.equal(Buffer.from(sdk.tlsKeyAsUint8Array(c.pem)).toString('hex'), full, c.id)
    for (const n of v.lengths) {
      const e = exp[String(n)]
      const hex = typeof e === 'string' ? e : e.hex
      assert.equal(Buffer.from(tlsLike(c.pem).asUint8Array(n)).toString('hex'), hex, `${c.id} ${n}`)
    }
  }
})

test('viem accounts: vector addresses (GetKey and TLS keys)', () => {
  const v = loadVectors('ethereum.json')
  for (const c of v.cases) {
    const res = c.source === 'GetKeyResponse' ? keyLike(c.key_hex) : tlsLike(c.pem)
    for (const [fn, name] of [[toViemAccount, 'to_account'], [toViemAccountSecure, 'to_account_secure']]) {
      const exp = /sec1/.test(c.id) ? null : c.expected[name]
      if (typeof exp === 'string') {
        assert.equal(fn(res).address, exp, `${c.id} ${name}`)
        if (c.source === 'GetKeyResponse') assert.equal(sdk.ethereumAddress(c.key_hex), exp)
      } else {
        assert.throws(() => fn(res), `${c.id} ${name}`)
      }
    }
  }
})

test('solana keypairs: vector keys (GetKey and TLS keys)', () => {
  const v = loadVectors('solana.json')
  for (const c of v.cases) {
    const res = c.source === 'GetKeyResponse' ? keyLike(c.key_hex) : tlsLike(c.pem)
    for (const [fn, name] of [[toKeypair, 'to_keypair'], [toKeypairSecure, 'to_keypair_secure']]) {
      const exp = /sec1/.test(c.id) ? null : c.expected[name]
      if (exp && exp.public_key_b58) {
        const kp = fn(res)
        assert.equal(kp.publicKey.toBase58(), exp.public_key_b58, `${c.id} ${name}`)
        assert.equal(Buffer.from(kp.secretKey).toString('hex'), exp.secret_key_hex, `${c.id} ${name}`)
        if (c.source === 'GetKeyResponse') assert.equal(sdk.solanaKeypair(c.key_hex).publicKeyBase58, exp.public_key_b58)
      } else {
        assert.throws(() => fn(res), `${c.id} ${name}`)
      }
    }
  }
})

test('RTMR replay: SDK-compatible digest replay matches the vectors; malformed logs are errors', () => {
  const v = loadVectors('rtmr_replay.json')
  for (const c of v.cases) {
    // Vectors README: a non-integer imr is a clear error; 2.0 is the integer 2; no imr = not measured.
    const exp = /^imr_(as_string|as_bool)$/.test(c.id) ? null : c.expected
    if (Array.isArray(exp)) {
      assert.deepEqual(sdk.replayRtmrsFromDigests(c.event_log_json), exp, c.id)
    } else {
      assert.throws(() => sdk.replayRtmrsFromDigests(c.event_log_json), isDstackError(), c.id)
    }
  }
})

test('RTMR replay: sound replay reproduces all four RTMRs of real quotes, stripped log included', () => {
  const v = loadVectors('rtmr_replay.json')
  for (const id of ['real_fixture_quote_report', 'real_fixture_tdx_lite']) {
    const c = v.cases.find((x) => x.id === id)
    assert.deepEqual(sdk.replayRtmrs(c.event_log_json), c.quote_rtmrs, id)
  }
  const lite = v.cases.find((x) => x.id === 'real_fixture_tdx_lite')
  // the digest-only replay cannot: RTMR3 differs on the stripped log
  assert.notEqual(sdk.replayRtmrsFromDigests(lite.event_log_json)[3], lite.quote_rtmrs[3])
})

test('verifyEventLog and parseQuote on the real fixtures', () => {
  for (const name of ['verifier_fixture_quote-report.json', 'verifier_fixture_tdx-lite-getquote.json']) {
    const f = JSON.parse(loadFixture(name))
    const q = sdk.parseQuote(f.quote)
    assert.equal(q.report_data, f.report_data, name)
    assert.deepEqual([q.rtmr0, q.rtmr1, q.rtmr2, q.rtmr3], sdk.replayRtmrs(f.event_log), name)
    assert.equal(sdk.verifyEventLog(f.quote, f.event_log), true)
    assert.equal(sdk.verifyEventLog(f.quote, f.event_log, Buffer.from(f.report_data, 'hex')), true)
    assert.throws(() => sdk.verifyEventLog(f.quote, f.event_log, Buffer.alloc(64, 1)), isDstackError(Status.VERIFICATION_FAILED))
    // Tamper with one runtime event's payload: RTMR3 no longer matches.
    const log = JSON.parse(f.event_log)
    const ev = log.find((e) => e.event_type === 0x08000001 && e.event === 'compose-hash')
    ev.event_payload = '00'.repeat(32)
    assert.throws(() => sdk.verifyEventLog(f.quote, JSON.stringify(log)), isDstackError(Status.VERIFICATION_FAILED), name)
    const events = sdk.parseEventLog(f.event_log)
    assert.equal(events.length, JSON.parse(f.event_log).length)
  }
  assert.throws(() => sdk.parseQuote('00'.repeat(10)), isDstackError())
  assert.throws(() => sdk.parseQuote('xyz'), isDstackError(Status.INVALID_HEX))
})
