'use strict'
// Code written for the official JS SDK (@phala/dstack-sdk 0.5.8) runs unchanged: names keep
// the official result, warnings and error texts on the same input (issue 13). Expected values
// come from the official package's behaviour as the vectors recorded it (`js` results of
// testdata/vectors, oracle @phala/dstack-sdk 0.5.8), from the peer libraries upstream calls
// (viem, @solana/web3.js) and from upstream's algorithms written out here in plain JS.

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const { startSimulator, loadVectors } = require('./support/simulator')
const sdk = require('..')
const { DstackClient, TappdClient, DstackError, Status } = sdk
const { toViemAccount, toViemAccountSecure } = require('@libdstack/dstack-sdk/viem')
const { toKeypair, toKeypairSecure } = require('@libdstack/dstack-sdk/solana')
const { getComposeHash } = require('@libdstack/dstack-sdk/get-compose-hash')
const verifyModule = require('@libdstack/dstack-sdk/verify-env-encrypt-public-key')

const hex = (b) => Buffer.from(b).toString('hex')

/** A DstackError with `status` whose message matches every regexp in `patterns`. */
const isErr = (status, ...patterns) => (e) => {
  assert.ok(e instanceof DstackError, `not a DstackError: ${e && e.stack}`)
  assert.equal(e.status, status, e.message)
  for (const p of patterns) assert.match(e.message, p)
  return true
}

/** Literal text as a RegExp matching at the start of the message. */
const startsWith = (text) => new RegExp('^' + text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))

/** Replace console[method] for this test; returns the list of messages it received. */
function capture(t, method) {
  const lines = []
  t.mock.method(console, method, (...a) => { lines.push(a.map((x) => (x instanceof Error ? `${x.name}: ${x.message}` : String(x))).join(' ')) })
  return lines
}

/** Run `fn` with environment variables set (undefined deletes), restoring them after. */
function withEnv(vars, fn) {
  const saved = {}
  for (const k of Object.keys(vars)) {
    saved[k] = process.env[k]
    if (vars[k] === undefined) delete process.env[k]
    else process.env[k] = vars[k]
  }
  try {
    return fn()
  } finally {
    for (const k of Object.keys(saved)) {
      if (saved[k] === undefined) delete process.env[k]
      else process.env[k] = saved[k]
    }
  }
}

let sim
let legacy

test.before(async () => {
  sim = await startSimulator()
  legacy = await startSimulator(['--legacy'])
})

test.after(async () => {
  if (sim) await sim.stop()
  if (legacy) await legacy.stop()
})

// ---- non-socket endpoints ----

test('https:// and other non-socket endpoints are accepted when the client is made, as upstream', async (t) => {
  capture(t, 'warn')
  for (const Client of [DstackClient, TappdClient]) {
    for (const ep of ['https://dstack.example:8090', 'HTTPS://dstack.example', 'http://']) {
      const c = new Client(ep) // upstream: no exception here
      assert.ok(c instanceof DstackClient)
      assert.equal(c.endpoint, ep)
      // libdstack has no TLS: calls fail, clearly, and nothing is retried
      const status = /^https/i.test(ep) ? Status.UNSUPPORTED : Status.INVALID_ARGUMENT
      await assert.rejects(c.getKey('a'), isErr(status, new RegExp(ep.replace(/[/.:]/g, '\\$&'))))
      await assert.rejects(c.getQuote('x'), isErr(status))
      await assert.rejects(c.info(), isErr(status))
      if (status === Status.UNSUPPORTED) await assert.rejects(c.version(), isErr(status, /https:\/\/ is not supported \(libdstack has no TLS\)/))
      assert.equal(await c.isReachable(), false) // upstream: false when the request fails
      c.close()
      c.close()
    }
  }
  // The same through the environment, which upstream reads when no endpoint is given.
  const c = withEnv({ DSTACK_SIMULATOR_ENDPOINT: 'https://sim.example' }, () => new DstackClient())
  assert.equal(c.endpoint, 'https://sim.example')
  await assert.rejects(c.getKey(), isErr(Status.UNSUPPORTED))
  // A missing absolute socket path still throws at construction, with upstream's text.
  assert.throws(() => new DstackClient('/nonexistent/dstack.sock'), isErr(Status.NO_AGENT, /^Unix socket file \/nonexistent\/dstack\.sock does not exist$/))
})

// ---- deprecation warnings ----

test('deprecation warnings: console.warn with the official texts', async (t) => {
  const warn = capture(t, 'warn')
  const client = new DstackClient(sim.dstack)
  assert.deepEqual(warn, [])

  // DstackClient.tdxQuote: warns, then accepts only raw (as getQuote)
  const q = await client.tdxQuote('x', 'raw')
  assert.equal(q.report_data, hex(Buffer.concat([Buffer.from('x'), Buffer.alloc(63)])))
  await assert.rejects(client.tdxQuote('x', 'sha256'), isErr(Status.UNSUPPORTED, /^tdxQuote only supports raw hash algorithm\.$/))
  await assert.rejects(client.deriveKey('a'), isErr(Status.UNSUPPORTED, /^deriveKey is deprecated, please use getKey instead\.$/))
  assert.deepEqual(warn.splice(0), [
    'tdxQuote is deprecated, please use getQuote instead',
    'tdxQuote is deprecated, please use getQuote instead',
  ])
  client.close()

  // TappdClient: warns when made, and on deriveKey and tdxQuote
  const tappd = new TappdClient(sim.tappd)
  assert.deepEqual(warn.splice(0), ['TappdClient is deprecated, please use DstackClient instead'])
  await tappd.deriveKey('/app', 'app.example')
  assert.deepEqual(warn.splice(0), ['deriveKey is deprecated, please use getKey instead'])
  await tappd.tdxQuote('data', 'sha256')
  await tappd.tdxQuote('data')
  assert.deepEqual(warn.splice(0), [
    'tdxQuote is deprecated, please use getQuote instead',
    'tdxQuote is deprecated, please use getQuote instead',
  ])
  await tappd.getKey('a', 'p')
  await tappd.rawQuote('x')
  assert.deepEqual(warn, []) // not deprecated upstream (or not upstream names)
  tappd.close()

  // The simulator endpoints from the environment are announced, as upstream does.
  withEnv({ DSTACK_SIMULATOR_ENDPOINT: sim.dstack }, () => new DstackClient().close())
  withEnv({ TAPPD_SIMULATOR_ENDPOINT: sim.tappd }, () => new TappdClient().close())
  assert.deepEqual(warn.splice(0), [
    `Using simulator endpoint: ${sim.dstack}`,
    `Using tappd endpoint: ${sim.tappd}`,
    'TappdClient is deprecated, please use DstackClient instead',
  ])
})

// ---- TappdClient is a DstackClient ----

test('TappdClient extends DstackClient; its inherited methods send the DstackGuest requests, as upstream', async (t) => {
  capture(t, 'warn')
  const tappd = new TappdClient(sim.tappd)
  t.after(() => tappd.close())
  assert.ok(tappd instanceof DstackClient)
  assert.ok(tappd instanceof TappdClient)
  assert.equal(Object.getPrototypeOf(TappdClient), DstackClient)
  for (const m of ['getQuote', 'getTlsKey', 'attest', 'sign', 'verify', 'emitEvent', 'gpuInfo']) {
    assert.equal(typeof tappd[m], 'function', m)
    assert.equal(tappd[m], DstackClient.prototype[m], `${m} is inherited`)
  }
  // Upstream sends `/GetQuote`, … to the tappd socket, which does not serve them (404).
  const notServed = isErr(Status.HTTP_STATUS, /HTTP 404/)
  await assert.rejects(tappd.getQuote('x'), notServed)
  await assert.rejects(tappd.getTlsKey(), notServed)
  await assert.rejects(tappd.attest('x'), notServed)
  await assert.rejects(tappd.sign('ed25519', 'x'), notServed)
  await assert.rejects(tappd.verify('ed25519', 'x', 'sig', 'key'), notServed)
  // The tappd methods of the same object still work.
  assert.match((await tappd.deriveKey('/p')).key, /PRIVATE KEY/)
  assert.equal(await tappd.isReachable(), true)

  // On a dstack socket the inherited methods answer, as upstream's do there.
  const onDstack = new TappdClient(sim.dstack)
  t.after(() => onDstack.close())
  const direct = new DstackClient(sim.dstack)
  t.after(() => direct.close())
  const q = await onDstack.getQuote('abc')
  assert.equal(q.report_data, hex(Buffer.concat([Buffer.from('abc'), Buffer.alloc(61)])))
  assert.match((await onDstack.getTlsKey({ subject: 'x' })).key, /PRIVATE KEY/)
  assert.equal(typeof (await onDstack.attest('abc')).attestation, 'string')
  const s = await onDstack.sign('ed25519', 'data')
  assert.equal((await direct.verify('ed25519', 'data', s.signature, s.public_key)).valid, true)
  assert.equal((await onDstack.verify('ed25519', 'data', s.signature, s.public_key)).valid, true)
})

// ---- verifyEnvEncryptPublicKey: null, not exceptions; the clock is Date.now() ----

test('verifyEnvEncryptPublicKey (both forms): the official result, null included, on the JavaScript clock', (t) => {
  const errors = capture(t, 'error')
  const v = loadVectors('kms_sig.json')
  let nulls = 0
  for (const c of v.cases) {
    // The system clock, faked: the function must read Date.now(), as upstream does.
    t.mock.timers.enable({ apis: ['Date'], now: c.now * 1000 })
    const pk = Buffer.from(c.public_key_hex, 'hex')
    const sig = Buffer.from(c.signature_hex, 'hex')
    const opts = c.max_age_seconds ? { maxAgeSeconds: c.max_age_seconds } : undefined
    for (const fn of [sdk.verifyEnvEncryptPublicKey, verifyModule.verifyEnvEncryptPublicKey]) {
      const got = c.kind === 'legacy'
        ? (fn === sdk.verifyEnvEncryptPublicKey ? sdk.verifyEnvEncryptPublicKeyLegacy : verifyModule.verifyEnvEncryptPublicKeyLegacy)(pk, sig, c.app_id)
        : fn(pk, sig, c.app_id, c.timestamp, opts)
      assert.equal(got, c.js.result, c.id) // the official package's result, null included
    }
    if (c.js.result === null) nulls++
    t.mock.timers.reset()
  }
  assert.ok(nulls >= 8, 'the vectors cover the null cases')

  const c = v.cases.find((x) => x.id === 'v1_ok_basic')
  const pk = Buffer.from(c.public_key_hex, 'hex')
  const sig = Buffer.from(c.signature_hex, 'hex')
  const at = (nowSeconds) => {
    t.mock.timers.enable({ apis: ['Date'], now: nowSeconds * 1000 })
    try {
      return sdk.verifyEnvEncryptPublicKey(pk, sig, c.app_id, c.timestamp)
    } finally {
      t.mock.timers.reset()
    }
  }
  errors.splice(0)
  // The window, on the faked clock: [timestamp - 60, timestamp + 300] accepted.
  assert.equal(at(c.timestamp), c.expected)
  assert.equal(at(c.timestamp - 60), c.expected)
  assert.equal(at(c.timestamp + 300), c.expected)
  assert.equal(at(c.timestamp - 61), null)
  assert.equal(at(c.timestamp + 301), null)
  assert.deepEqual(errors.splice(0), ['timestamp is too far in the future', 'timestamp is too old: 301s > 300s'])
  // The real clock is years past the vector's timestamp: null, not an exception.
  assert.equal(sdk.verifyEnvEncryptPublicKey(pk, sig, c.app_id, c.timestamp), null)
  assert.match(errors.splice(0)[0], /^timestamp is too old: \d+s > 300s$/)
  // maxAgeSeconds as upstream reads it (0 is "no age at all", not the default)
  t.mock.timers.enable({ apis: ['Date'], now: (c.timestamp + 1) * 1000 })
  assert.equal(sdk.verifyEnvEncryptPublicKey(pk, sig, c.app_id, c.timestamp, { maxAgeSeconds: 0 }), null)
  // In the window, a signature over another timestamp recovers *some* other key, as upstream's
  // does; `trustedKeys` (added here) turns that into null.
  const other = sdk.verifyEnvEncryptPublicKey(pk, sig, c.app_id, BigInt(c.timestamp) + 1n, { maxAgeSeconds: 0 })
  assert.match(other, /^0x0[23][0-9a-f]{64}$/)
  assert.notEqual(other, c.expected)
  assert.equal(sdk.verifyEnvEncryptPublicKey(pk, sig, c.app_id, BigInt(c.timestamp) + 1n, { trustedKeys: [c.expected] }), null)
  assert.equal(sdk.verifyEnvEncryptPublicKey(pk, sig, c.app_id, c.timestamp, { trustedKeys: [c.expected] }), c.expected)
  assert.equal(sdk.verifyEnvEncryptPublicKey(pk, sig, c.app_id, c.timestamp, { maxAgeSeconds: 1n }), c.expected)
  // Timestamps far outside any window are null too (upstream's BigInt arithmetic), never a throw.
  for (const ts of [-1, 0, 2 ** 64, 2n ** 64n, -(2n ** 70n)]) {
    assert.equal(sdk.verifyEnvEncryptPublicKey(pk, sig, c.app_id, ts), null, String(ts))
  }
  // A wrong signature length, and a signature that does not recover: null (the latter logged).
  errors.splice(0)
  for (const n of [0, 64, 66]) assert.equal(sdk.verifyEnvEncryptPublicKey(pk, Buffer.alloc(n), c.app_id, c.timestamp), null)
  for (const n of [0, 64, 66]) assert.equal(sdk.verifyEnvEncryptPublicKeyLegacy(pk, Buffer.alloc(n), c.app_id), null)
  assert.deepEqual(errors.splice(0), [])
  assert.equal(sdk.verifyEnvEncryptPublicKey(pk, Buffer.alloc(65), c.app_id, c.timestamp), null)
  assert.equal(sdk.verifyEnvEncryptPublicKeyLegacy(pk, Buffer.alloc(65), c.app_id), null)
  assert.equal(errors.length, 2)
  for (const e of errors) assert.match(e, /^signature verification failed: DstackError/)
  t.mock.timers.reset()
})

// ---- keys the peer libraries refuse ----

test('toViemAccount*: a 33-byte key fails with viem\'s own error, as upstream', async () => {
  const { privateKeyToAccount } = require('viem/accounts')
  for (const n of [33, 31, 64, 0]) {
    const key = new Uint8Array(n).fill(7)
    // What upstream does: privateKeyToAccount(`0x${hex}`) of the key as it is.
    let official
    try {
      privateKeyToAccount(`0x${hex(key)}`)
    } catch (e) {
      official = e.message
    }
    assert.equal(official, 'invalid private key, expected hex or 32 bytes, got string') // today's viem
    for (const [fn, name] of [[toViemAccount, 'toViemAccount'], [toViemAccountSecure, 'toViemAccountSecure']]) {
      assert.throws(() => fn({ __name__: 'GetKeyResponse', key, signature_chain: [] }),
        isErr(Status.INVALID_ARGUMENT, startsWith(official), new RegExp(`${name} needs a 32-byte key, got a Uint8Array \\(${n} bytes\\)`)))
    }
  }
  // 32 bytes: the account upstream makes
  const key = new Uint8Array(32).fill(7)
  assert.equal(toViemAccount({ __name__: 'GetKeyResponse', key, signature_chain: [] }).address, privateKeyToAccount(`0x${hex(key)}`).address)
})

test('toKeypair*: a 64-byte seed fails with @solana/web3.js\'s own error (upstream JS does not truncate)', async () => {
  const { Keypair } = require('@solana/web3.js')
  for (const n of [64, 33, 31, 0]) {
    const seed = new Uint8Array(n).fill(9)
    let official
    try {
      Keypair.fromSeed(seed)
    } catch (e) {
      official = e.message
    }
    assert.equal(official, `private key of length 32 expected, got ${n}`) // today's @solana/web3.js
    for (const [fn, name] of [[toKeypair, 'toKeypair'], [toKeypairSecure, 'toKeypairSecure']]) {
      assert.throws(() => fn({ __name__: 'GetKeyResponse', key: seed, signature_chain: [] }),
        isErr(Status.INVALID_ARGUMENT, startsWith(official), new RegExp(`${name} needs a 32-byte key`)))
    }
  }
  const seed = new Uint8Array(32).fill(9)
  assert.equal(toKeypair({ __name__: 'GetKeyResponse', key: seed, signature_chain: [] }).publicKey.toBase58(),
    Keypair.fromSeed(seed).publicKey.toBase58())
})

// ---- compose hash: nested "__proto__" keys ----

/** Upstream's getComposeHash, written out: recursive key sort by assignment, JSON.stringify, SHA-256. */
function officialComposeHash(appCompose, normalize = false) {
  const sortObject = (obj) => {
    if (obj === undefined || obj === null) return obj
    if (Array.isArray(obj)) return obj.map(sortObject)
    if (typeof obj === 'object' && obj.constructor === Object) {
      return Object.keys(obj).sort().reduce((result, key) => {
        result[key] = sortObject(obj[key]) // "__proto__" here sets the prototype: the key is gone
        return result
      }, {})
    }
    return obj
  }
  if (normalize) {
    appCompose = { ...appCompose }
    if (appCompose.runner === 'bash' && 'docker_compose_file' in appCompose) delete appCompose.docker_compose_file
    else if ((appCompose.runner === 'docker-compose' || appCompose.runner === 'nerdctl-compose') && 'bash_script' in appCompose) delete appCompose.bash_script
    if ('pre_launch_script' in appCompose && !appCompose.pre_launch_script) delete appCompose.pre_launch_script
  }
  const text = JSON.stringify(sortObject(appCompose), (k, v) => (typeof v === 'number' && (isNaN(v) || !isFinite(v)) ? null : v))
  return { text, hash: crypto.createHash('sha256').update(text, 'utf8').digest('hex') }
}

test('getComposeHash: nested "__proto__" keys are dropped at any depth, as the official algorithm does', () => {
  const text = JSON.stringify({
    manifest_version: 2,
    name: 'proto',
    runner: 'docker-compose',
    docker_compose_file: 'services: {}',
    bash_script: 'echo',
    pre_launch_script: '',
  }).slice(0, -1) +
    ',"__proto__":{"runner":"bash","evil":true}' +
    ',"docker_config":{"registry":"r","__proto__":{"token_key":"t"},"username":"u"}' +
    ',"requirements":{"platforms":[{"__proto__":null,"k":1},{"__proto__":5,"z":[{"__proto__":[1,2]}]}],"__proto__":"s"}}'
  const obj = JSON.parse(text)
  // JSON.parse made own "__proto__" members (that is the input under test)
  assert.ok(Object.prototype.hasOwnProperty.call(obj, '__proto__'))
  assert.ok(Object.prototype.hasOwnProperty.call(obj.docker_config, '__proto__'))
  for (const normalize of [false, true]) {
    const official = officialComposeHash(obj, normalize)
    assert.doesNotMatch(official.text, /__proto__/)
    assert.equal(getComposeHash(obj, normalize), official.hash, `object, normalize=${normalize}`)
    assert.equal(getComposeHash(text, normalize), official.hash, `JSON text, normalize=${normalize}`)
    assert.equal(sdk.getComposeCanonicalJson(obj, normalize), official.text)
  }
  // Keeping the members would be another hash: the test tells the two apart.
  const kept = crypto.createHash('sha256').update(JSON.stringify(obj)).digest('hex')
  assert.notEqual(getComposeHash(obj), kept)
})

// ---- official results and error texts of other names ----

test('getQuote().replayRtmrs() is upstream\'s digest replay; replayRtmrsFromEvents() the sound one', async (t) => {
  const client = new DstackClient(sim.dstack)
  t.after(() => client.close())
  const q = await client.getQuote('replay')
  assert.ok(Object.keys(q).includes('replayRtmrs')) // enumerable, as upstream defines it
  assert.deepEqual(q.replayRtmrs(), sdk.replayRtmrsFromDigests(q.event_log))
  const d = q.decodeQuote()
  assert.deepEqual(q.replayRtmrsFromEvents(), [d.rtmr0, d.rtmr1, d.rtmr2, d.rtmr3])
  assert.equal(q.verifyEventLog(), true)
})

test('TappdClient.tdxQuote(…, "raw") left-pads as upstream; rawQuote right-pads', async (t) => {
  capture(t, 'warn')
  const tappd = new TappdClient(sim.tappd)
  t.after(() => tappd.close())
  const left = await tappd.tdxQuote(Buffer.from('abc'), 'raw')
  assert.equal(left.decodeQuote().report_data, hex(Buffer.concat([Buffer.alloc(61), Buffer.from('abc')])))
  assert.equal(left.verifyEventLog(), true)
  const right = await tappd.rawQuote(Buffer.from('abc'))
  assert.equal(right.decodeQuote().report_data, hex(Buffer.concat([Buffer.from('abc'), Buffer.alloc(61)])))
  await assert.rejects(tappd.tdxQuote(Buffer.alloc(65), 'raw'),
    isErr(Status.INVALID_ARGUMENT, startsWith('Report data is too large, it should less then 64 bytes when hash_algorithm is raw.')))
})

test('GetTlsKeyResponse.asUint8Array(0) is the whole DER, as upstream', async (t) => {
  const client = new DstackClient(sim.dstack)
  t.after(() => client.close())
  const r = await client.getTlsKey()
  const der = r.asUint8Array()
  assert.ok(der.length > 100)
  assert.deepEqual(r.asUint8Array(0), der)
  assert.equal(sdk.tlsKeyAsUint8Array(r.key, 0).length, 0) // this package's own function: exactly 0 bytes
  // the recorded official results (js) for each length
  const v = loadVectors('tls_key_asuint8.json')
  const c = v.cases.find((x) => x.id === 'p256_3')
  assert.equal(hex(sdk.tlsKeyAsUint8Array(c.pem)), c.js.by_length['0'].hex)
})

test('errors carry the official text first: report data, old agents, time-outs', async (t) => {
  const client = new DstackClient(sim.dstack)
  const old = new DstackClient(legacy.dstack)
  t.after(() => { client.close(); old.close() })
  const tooLarge = startsWith('Report data is too large, it should be less than 64 bytes.')
  await assert.rejects(client.getQuote(Buffer.alloc(65)), isErr(Status.INVALID_ARGUMENT, tooLarge, /65 bytes/))
  await assert.rejects(client.attest(Buffer.alloc(65)), isErr(Status.INVALID_ARGUMENT, tooLarge))
  await assert.rejects(client.sign('secp256k1_prehashed', Buffer.alloc(31)),
    isErr(Status.INVALID_ARGUMENT, startsWith('Pre-hashed signing requires a 32-byte digest, but received 31 bytes')))
  // The check is libdstack's: upstream's text first, then libdstack's message (ffi/ABI.md).
  await assert.rejects(client.emitEvent('', 'x'), isErr(Status.INVALID_ARGUMENT, /^Event name cannot be empty: .*event name must not be empty$/))
  await assert.rejects(old.getKey('a', 'b', 'ed25519'),
    isErr(Status.UNSUPPORTED, startsWith('algorithm "ed25519" is not supported: OS version too old (Version RPC unavailable)')))
  await assert.rejects(old.getTlsKey({ notAfter: 5, withAppInfo: false }),
    isErr(Status.UNSUPPORTED, startsWith('TLS key options [notAfter, withAppInfo] are not supported: OS version too old (Version RPC unavailable)')))
  // secp256k1 needs no probe, on old agents too
  assert.equal((await old.getKey('a', 'b')).key.length, 32)

  const { fakeAgent } = require('./support/fake-agent')
  const silent = await fakeAgent(null)
  const slow = new DstackClient(silent.sock, { timeoutMs: 200 })
  t.after(async () => { slow.close(); await silent.close() })
  await assert.rejects(slow.info(), isErr(Status.TIMEOUT, startsWith('request timed out: ')))
})
