'use strict'
// The generated Node-API wrappers, called directly: handles are freed exactly once (by
// `_free` or by the garbage collector), never under a running call; blocking calls copy their
// inputs; integers are checked against their C types; byte outputs come back in the format
// asked for; `X_get_all` gives what `X_get` gives item by item. Facts come from node:crypto,
// the docs/PROTOCOL.md key vector and the simulator's fixture keys.

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')
const { startSimulator, TESTDATA } = require('./support/simulator')
const { DstackError, Status } = require('..')
const { native } = require('../src/loader')
const { Field, Format } = require('../src/ffi')
const abi = require('../src/abi')

const lib = native().lib
const KEY_A_P = 'bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94' // docs/PROTOCOL.md §6.1 vector
const APP_K256_KEY = Buffer.from(JSON.parse(fs.readFileSync(
  path.join(TESTDATA, 'fixtures', 'simulator_appkeys.json'), 'utf8')).k256_key, 'hex')
const keyOf = (p) => Buffer.from(crypto.hkdfSync('sha256', APP_K256_KEY, 'RATLS', Buffer.from(p, 'utf8'), 32)).toString('hex')
const LOG = Buffer.from(JSON.stringify([
  { imr: 0, event_type: 1, digest: 'aa'.repeat(48), event: '', event_payload: '00ff' },
  { imr: 3, event_type: 0x08000001, digest: '', event: 'compose-hash', event_payload: 'abcd' },
]))

const invalid = (re) => (e) => e instanceof DstackError && e.status === Status.INVALID_ARGUMENT && re.test(e.message)

let sim
test.before(async () => {
  sim = await startSimulator()
})
test.after(async () => {
  await sim.stop()
})

/** Let pending finalizers run: a full GC, then a few turns of the event loop. */
async function collect() {
  for (let i = 0; i < 5; i++) {
    global.gc()
    await new Promise((r) => setImmediate(r))
  }
}

test('every export of the header but dstack_error_* has a wrapper; the addon matches abi.js', () => {
  const model = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'include', 'dstack.abi.json'), 'utf8'))
  for (const fn of model.functions) {
    if (fn.name.startsWith('dstack_error_')) {
      assert.equal(lib[fn.name], undefined, fn.name)
      continue
    }
    assert.equal(typeof lib[fn.name], 'function', fn.name)
    assert.equal(!!abi.ADDON_FUNCTIONS[fn.name].async, fn.blocking, fn.name)
  }
  assert.equal(lib.abiFingerprint, abi.ADDON_FINGERPRINT)
  assert.equal(lib.headerVersion, abi.HEADER_VERSION)
})

test('handles are freed exactly once: by _free (twice is a no-op) or by the garbage collector', { skip: typeof global.gc !== 'function' && 'needs --expose-gc' }, async () => {
  await collect()
  const base = lib.liveHandles()
  let handles = Array.from({ length: 1000 }, () => lib.dstack_event_log_parse(LOG))
  assert.equal(lib.liveHandles(), base + 1000)
  for (const h of handles.slice(0, 500)) {
    lib.dstack_event_log_free(h)
    lib.dstack_event_log_free(h)
  }
  assert.equal(lib.liveHandles(), base + 500)
  assert.throws(() => lib.dstack_event_log_count(handles[0]), invalid(/dstack_event_log was already freed/))
  handles = null
  await collect()
  // Had a finalizer freed an already freed handle, the count would have dropped below base.
  assert.equal(lib.liveHandles(), base)
})

test('a handle is pinned by a running call: freed only when the call has finished', async () => {
  const client = lib.dstack_client_new(Buffer.from(sim.dstack))
  const base = lib.liveHandles()
  const pending = lib.dstack_client_get_key(client, Buffer.from('a'), Buffer.from('p'), null, 0)
  lib.dstack_client_free(client) // deferred: the call still runs on the client
  assert.equal(lib.liveHandles(), base, 'not freed yet')
  assert.throws(() => lib.dstack_client_get_key(client, null, null, null, 0), invalid(/already freed/))
  const response = await pending
  assert.equal(lib.liveHandles(), base, 'client freed, response created')
  assert.equal(lib.dstack_response_get(response, Field.KEY, Format.HEX), KEY_A_P)
  lib.dstack_response_free(response)
  assert.equal(lib.liveHandles(), base - 1)
})

test('a blocking call copies its inputs: changing them after the call started changes nothing', async () => {
  const client = lib.dstack_client_new(Buffer.from(sim.dstack))
  try {
    const calls = []
    const paths = []
    for (let i = 0; i < 32; i++) {
      const p = Buffer.from(`copy/${i}`)
      paths.push(p.toString())
      calls.push(lib.dstack_client_get_key(client, p, Buffer.from('p'), null, 0))
      p.fill(0x78) // 'x': the request must still carry the original path
    }
    const responses = await Promise.all(calls)
    responses.forEach((r, i) => {
      assert.equal(lib.dstack_response_get(r, Field.KEY, Format.HEX), keyOf(paths[i]))
      lib.dstack_response_free(r)
    })
  } finally {
    lib.dstack_client_free(client)
  }
})

test('failures come back as DstackError: the library error out, synchronously and as a rejection', async () => {
  assert.throws(() => lib.dstack_compose_hash(Buffer.from('{'), false), (e) =>
    e instanceof DstackError && e.status === Status.INVALID_ARGUMENT && e.code === 'INVALID_ARGUMENT' && /JSON/.test(e.message))
  const client = lib.dstack_client_new(Buffer.from(sim.dstack))
  try {
    await assert.rejects(lib.dstack_client_get_key(client, null, null, Buffer.from('rsa'), 0), (e) =>
      e instanceof DstackError && e.status === Status.INVALID_ARGUMENT)
  } finally {
    lib.dstack_client_free(client)
  }
})

test('integers are checked against their C type (number or bigint), booleans are booleans', () => {
  // uint32_t
  assert.equal(lib.dstack_status_message(4), lib.dstack_status_message(4n))
  for (const bad of [2 ** 32, -1, 1.5, NaN, Infinity, 2n ** 32n, '4', null]) {
    assert.throws(() => lib.dstack_status_message(bad), invalid(/status must be an integer from 0 to 4294967295 \(uint32_t\)/), String(bad))
  }
  // uint64_t: numbers must be exact (safe integers), bigints cover the range
  const pk = Buffer.alloc(32)
  const sig = Buffer.alloc(65)
  const id = Buffer.from('00'.repeat(20))
  for (const bad of [-1, 2 ** 53, 2n ** 64n, -1n]) {
    assert.throws(() => lib.dstack_verify_env_encrypt_public_key(pk, sig, id, bad, 0, 1, null), invalid(/timestamp must be an integer from 0 to 18446744073709551615 \(uint64_t\)/), String(bad))
  }
  // int64_t
  for (const bad of [2n ** 63n, -(2n ** 63n) - 1n]) {
    assert.throws(() => lib.dstack_tls_key_as_uint8array(Buffer.from('x'), bad), invalid(/max_length must be an integer from -9223372036854775808 to 9223372036854775807/))
  }
  // size_t, bool, handles, argument count, format
  assert.throws(() => lib.dstack_response_item(null, 1, 0), invalid(/response must be a dstack_response handle, got null/))
  const log = lib.dstack_event_log_parse(LOG)
  assert.throws(() => lib.dstack_event_log_get(log, -1), invalid(/index must be an integer from 0 to SIZE_MAX/))
  assert.throws(() => lib.dstack_response_get(log, Field.KEY), invalid(/response must be a dstack_response handle, got an object/))
  assert.throws(() => lib.dstack_compose_hash(Buffer.from('{}'), 1), invalid(/normalize must be a boolean, got a number/))
  assert.throws(() => lib.dstack_event_log_count(log, 1), invalid(/takes at most 1 arguments, got 2/))
  assert.throws(() => lib.dstack_event_log_get(log, 0, 3), invalid(/format must be 0 \(bytes\), 1 \(utf8\) or 2 \(hex\)/))
  assert.throws(() => lib.dstack_ethereum_address(Buffer.alloc(31)), invalid(/secret_key must be 32 bytes, got 31/))
  assert.throws(() => lib.dstack_compose_hash_raw('abc'), invalid(/app_compose_bytes must be a Buffer, Uint8Array or ArrayBuffer, got a string/))
  lib.dstack_event_log_free(log)
})

test('byte outputs: Uint8Array, UTF-8 or hex, per output or per struct field; X_get_all = X_get item by item', () => {
  const raw = Buffer.from('abc')
  const digest = crypto.createHash('sha256').update(raw).digest()
  const bytes = lib.dstack_compose_hash_raw(raw)
  assert.equal(Object.getPrototypeOf(bytes), Uint8Array.prototype)
  assert.deepEqual(bytes, new Uint8Array(digest))
  assert.equal(lib.dstack_compose_hash_raw(new DataView(raw.buffer, raw.byteOffset, 3), Format.HEX), digest.toString('hex'))
  assert.equal(lib.dstack_compose_hash_raw(new Uint16Array(0), Format.HEX), crypto.createHash('sha256').digest('hex'))

  const log = lib.dstack_event_log_parse(LOG)
  const fmt = { digest: Format.HEX, event: Format.UTF8 }
  const one = [0, 1].map((i) => lib.dstack_event_log_get(log, i, fmt))
  assert.deepEqual(lib.dstack_event_log_get_all(log, fmt), one)
  assert.equal(one[0].digest, 'aa'.repeat(48))
  assert.deepEqual(one[0].event_payload, Uint8Array.of(0x00, 0xff))
  assert.equal(one[1].event, 'compose-hash')
  assert.equal(one[1].imr, 3)
  assert.throws(() => lib.dstack_event_log_get(log, 2), (e) => e.status === Status.NOT_FOUND)
  lib.dstack_event_log_free(log)
})

test('response lists: dstack_response_item_all = count + item, in one call', async () => {
  const client = lib.dstack_client_new(Buffer.from(sim.dstack))
  try {
    const r = await lib.dstack_client_get_key(client, Buffer.from('a'), Buffer.from('p'), null, 0)
    const n = lib.dstack_response_count(r, Field.SIGNATURE_CHAIN)
    assert.equal(n, 2)
    const items = Array.from({ length: n }, (_, i) => lib.dstack_response_item(r, Field.SIGNATURE_CHAIN, i, Format.HEX))
    assert.deepEqual(lib.dstack_response_item_all(r, Field.SIGNATURE_CHAIN, Format.HEX), items)
    assert.equal(items[0].length, 130)
    assert.throws(() => lib.dstack_response_item_all(r, Field.CERTIFICATE_CHAIN), (e) => e.status === Status.NOT_FOUND)
    lib.dstack_response_free(r)
  } finally {
    lib.dstack_client_free(client)
  }
})

test('worker threads load the addon too: each environment has its own error factory and shapes', async () => {
  const { Worker } = require('node:worker_threads')
  const code = `
    const { parentPort } = require('node:worker_threads')
    const sdk = require(${JSON.stringify(path.resolve(__dirname, '..'))})
    let status = null
    try { sdk.getComposeHash('{') } catch (e) { status = e instanceof sdk.DstackError ? e.status : 'not a DstackError' }
    parentPort.postMessage({ status, events: sdk.parseEventLog(${JSON.stringify(LOG.toString())}).length })`
  const results = await Promise.all([0, 1].map(() => new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true })
    w.once('message', resolve)
    w.once('error', reject)
  })))
  assert.deepEqual(results, [{ status: Status.INVALID_ARGUMENT, events: 2 }, { status: Status.INVALID_ARGUMENT, events: 2 }])
  assert.equal(lib.dstack_event_log_get_all(lib.dstack_event_log_parse(LOG)).length, 2)
})
