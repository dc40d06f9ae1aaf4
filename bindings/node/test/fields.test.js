'use strict'
// Responses are built from libdstack's typed fields (ffi/ABI.md "How bindings read
// responses"): no RPC reads the raw body or parses tcb_info, and the results equal what the
// official SDK's `{...JSON.parse(body)}` gave (the agent's members, in its order). The
// argument checks are libdstack's; the binding reports its message.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { startSimulator, APP_ID } = require('./support/simulator')
const sdk = require('..')
const { DstackClient, TappdClient, DstackError, Status } = sdk
const { native } = require('../src/loader')
const { Format } = require('../src/ffi')

const SRC = path.join(__dirname, '..', 'src')
// docs/PROTOCOL.md §6.1: the simulator's KMS root key.
const KMS_PUB = '0321529e458424ab1f710a3a57ec4dad2fb195ddca572f7469242ba6c7563085b6'

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

function quiet(t) {
  t.mock.method(console, 'warn', () => {})
}

/**
 * The agent's body of one RPC, read the way this package did before (and upstream does):
 * `dstack_<kind>_new` + `dstack_<kind>_<fn>` on the addon, then `dstack_response_body`.
 */
async function agentBody(kind, endpoint, fn, ...args) {
  const lib = native().lib
  const client = lib[`dstack_${kind}_new`](Buffer.from(endpoint))
  try {
    const response = await lib[`dstack_${kind}_${fn}`](client, ...args, 0)
    try {
      return JSON.parse(lib.dstack_response_body(response, Format.UTF8))
    } finally {
      lib.dstack_response_free(response)
    }
  } finally {
    lib[`dstack_${kind}_free`](client)
  }
}

/** What this package returned before: the body's members, tcb_info parsed (upstream's info()). */
function officialInfo(body) {
  return { ...body, tcb_info: body.tcb_info ? JSON.parse(body.tcb_info) : null }
}

test('source: no RPC path reads the raw body, parses tcb_info or re-applies a default', () => {
  // abi*.js are generated tables (they name every export, dstack_response_body included).
  for (const name of fs.readdirSync(SRC).filter((n) => n.endsWith('.js') && !n.startsWith('abi'))) {
    const text = fs.readFileSync(path.join(SRC, name), 'utf8')
    assert.doesNotMatch(text, /dstack_response_body/, `${name} reads dstack_response_body`)
    assert.doesNotMatch(text, /\.json\(\)/, `${name} reads a response as JSON`)
  }
  const client = fs.readFileSync(path.join(SRC, 'client.js'), 'utf8')
  // The one JSON.parse left: a 0.3 agent's rootfs_hash, which has no field (ffi/ABI.md).
  assert.equal(client.match(/JSON\.parse\(/g).length, 1)
  assert.match(client, /text\.includes\('"rootfs_hash"'\)\) \{\n\s+const v = JSON\.parse\(text\)\.rootfs_hash/)
  assert.match(client, /const text = tappd \? r\.text\(Field\.TCB_INFO\) : ''/) // DstackClient never reads it
  assert.doesNotMatch(client, /'Event name cannot be empty'\)/) // no check of its own (only the wording)
  assert.doesNotMatch(client, /algorithm = 'secp256k1'|\?\? 'secp256k1'|algorithm: 'secp256k1'/)
  assert.doesNotMatch(fs.readFileSync(path.join(SRC, 'verify.js'), 'utf8'), /at most 64 are allowed/)
})

test('no RPC calls dstack_response_body, and Info parses no JSON (tcb_info comes from fields)', async (t) => {
  quiet(t)
  const lib = native().lib
  const body = t.mock.method(lib, 'dstack_response_body')
  const c = new DstackClient(sim.dstack)
  const tp = new TappdClient(sim.tappd)
  t.after(() => { c.close(); tp.close() })
  const parse = t.mock.method(JSON, 'parse')
  const infos = [await c.info(), await tp.info()]
  assert.equal(parse.mock.callCount(), 0)
  parse.mock.restore()
  for (const info of infos) assert.ok(info.tcb_info.event_log.length > 0)
  const calls = [
    c.version(), c.getKey('a', 'p'), c.getKey('a', 'p', 'ed25519'), c.getQuote('abc'), c.attest('abc'),
    c.sign('ed25519', 'x'), c.getTlsKey({ subject: 's' }), c.gpuInfo(), c.emitEvent('e', 'p'),
    tp.version(), tp.getKey('a', 'p'), tp.tdxQuote('abc'), tp.tdxQuote('abc', 'raw'), tp.rawQuote('abc'),
    tp.deriveKey('a', 's'),
  ]
  await Promise.all(calls)
  assert.equal(body.mock.callCount(), 0)
})

for (const [label, which] of [['current agent', () => sim], ['agent without Version (--legacy)', () => legacy]]) {
  test(`Info (${label}): built from fields, equal to the official parse of the body`, async (t) => {
    quiet(t)
    const s = which()
    const c = new DstackClient(s.dstack)
    const tp = new TappdClient(s.tappd)
    t.after(() => { c.close(); tp.close() })
    for (const [got, kind, endpoint] of [[await c.info(), 'client', s.dstack], [await tp.info(), 'tappd_client', s.tappd]]) {
      const official = officialInfo(await agentBody(kind, endpoint, 'info'))
      // tcb_info, every member and event, in the agent's order: JSON text equal.
      assert.equal(JSON.stringify(got.tcb_info), JSON.stringify(official.tcb_info))
      assert.deepEqual(got.tcb_info, official.tcb_info)
      if (s === legacy) {
        // The one difference: an agent older than v0.5.6 has no cloud_vendor/cloud_product;
        // libdstack's fields do not say whether a member was sent, so they are "" here
        // (as in the Python and Go bindings).
        assert.equal(official.cloud_vendor, undefined)
        assert.equal(got.cloud_vendor, '')
        assert.equal(got.cloud_product, '')
        const { cloud_vendor: _v, cloud_product: _p, ...rest } = got
        assert.equal(JSON.stringify(rest), JSON.stringify(official))
      } else {
        assert.equal(JSON.stringify(got), JSON.stringify(official))
      }
      assert.ok(Object.isFrozen(got))
    }
  })

  test(`quotes (${label}): built from fields, JSON equal to the agent's body`, async (t) => {
    quiet(t)
    const s = which()
    const c = new DstackClient(s.dstack)
    const tp = new TappdClient(s.tappd)
    t.after(() => { c.close(); tp.close() })
    const rd = Buffer.from('abc')
    const pad = (b, left) => (left ? Buffer.concat([Buffer.alloc(64 - b.length), b]) : Buffer.concat([b, Buffer.alloc(64 - b.length)]))
    const cases = [
      [await c.getQuote(rd), 'client', s.dstack, 'get_quote', [rd]],
      [await tp.tdxQuote(rd), 'tappd_client', s.tappd, 'tdx_quote', [rd, Buffer.alloc(0), Buffer.alloc(0)]],
      [await tp.tdxQuote(rd, 'sha256', 'pfx'), 'tappd_client', s.tappd, 'tdx_quote', [rd, Buffer.from('sha256'), Buffer.from('pfx')]],
      [await tp.tdxQuote(rd, 'raw'), 'tappd_client', s.tappd, 'tdx_quote', [pad(rd, true), Buffer.from('raw'), Buffer.alloc(0)]],
      [await tp.rawQuote(rd), 'tappd_client', s.tappd, 'raw_quote', [pad(rd, false)]],
    ]
    for (const [got, kind, endpoint, fn, args] of cases) {
      const body = await agentBody(kind, endpoint, fn, ...args)
      assert.equal(JSON.stringify(got), JSON.stringify(body), `${kind} ${fn}`)
      assert.deepEqual(Object.keys(got), [...Object.keys(body), 'replayRtmrs'])
      // the kept bytes are the quote's: the decoders agree with the hex field
      assert.deepEqual(got.decodeQuote(), sdk.parseQuote(got.quote))
      assert.equal(got.verifyEventLog(), true)
      assert.deepEqual(got.decodeEventLog(), sdk.parseEventLog(body.event_log))
    }
  })
}

test('GetKey: the effective algorithm is libdstack\'s (ALGORITHM), not a default applied here', async (t) => {
  const lib = native().lib
  const getKey = t.mock.method(lib, 'dstack_client_get_key')
  const c = new DstackClient(sim.dstack)
  t.after(() => c.close())
  const dflt = await c.getKey('a', 'p')
  // nothing filled in: the library applies its default
  assert.equal(Buffer.from(getKey.mock.calls[0].arguments[3]).toString(), '')
  const k256 = await c.getKey('a', 'p', 'secp256k1')
  assert.deepEqual(dflt.key, k256.key)
  assert.deepEqual(dflt.signature_chain, k256.signature_chain)
  // the chain is verified with the purpose and algorithm read back (PURPOSE, ALGORITHM)
  assert.equal(dflt.verifySignatureChain(APP_ID, KMS_PUB).kmsPublicKey, KMS_PUB)
  const ed = await c.getKey('a', 'p', 'ed25519')
  assert.notDeepEqual(ed.signature_chain[0], dflt.signature_chain[0])
  assert.equal(ed.verifySignatureChain(APP_ID, KMS_PUB).kmsPublicKey, KMS_PUB)
  // tappd DeriveK256Key: no algorithm sent; libdstack's ALGORITHM says secp256k1
  quiet(t)
  const tp = new TappdClient(sim.tappd)
  t.after(() => tp.close())
  const tk = await tp.getKey('a', 'p')
  assert.deepEqual(tk.key, dflt.key)
  assert.equal(tk.verifySignatureChain(APP_ID, KMS_PUB).kmsPublicKey, KMS_PUB)
})

test('Info from agents the simulator does not play: no tcb_info, a 0.3 tcb_info with rootfs_hash', async (t) => {
  quiet(t)
  const { fakeAgent } = require('./support/fake-agent')
  const http = (body) => `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  const h96 = (c) => c.repeat(96)
  const tcb03 = {
    rootfs_hash: 'ab'.repeat(32), mrtd: h96('1'), rtmr0: h96('2'), rtmr1: h96('3'), rtmr2: h96('4'), rtmr3: h96('5'),
    event_log: [{ imr: 3, event_type: 134217729, digest: h96('6'), event: 'app-id', event_payload: '00' }],
  }
  for (const tcbInfo of ['', JSON.stringify(tcb03), JSON.stringify({ ...tcb03, app_compose: '{"name":"x"}' })]) {
    const body = { app_id: '11'.repeat(20), instance_id: '22'.repeat(20), app_cert: '', tcb_info: tcbInfo, app_name: 'x' }
    const agent = await fakeAgent(http(JSON.stringify(body)))
    const tp = new TappdClient(agent.sock)
    try {
      const info = await tp.info()
      const official = officialInfo(body)
      // every member the agent sent, with its value (member order aside: the 0.3 order is not known)
      assert.deepEqual(info.tcb_info, official.tcb_info)
      for (const k of Object.keys(body)) assert.deepEqual(info[k], official[k], k)
    } finally {
      tp.close()
      await agent.close()
    }
  }
})

/** A DstackError with `status` whose message matches every regexp in `patterns`. */
const isErr = (status, ...patterns) => (e) => {
  assert.ok(e instanceof DstackError, `not a DstackError: ${e && e.stack}`)
  assert.equal(e.status, status, e.message)
  for (const p of patterns) assert.match(e.message, p)
  return true
}

test('argument checks are libdstack\'s: its message is reported (official text first)', async (t) => {
  quiet(t)
  const lib = native().lib
  const c = new DstackClient(sim.dstack)
  const tp = new TappdClient(sim.tappd)
  t.after(() => { c.close(); tp.close() })
  // emitEvent(''): refused by dstack-core, reached through the addon
  const emit = t.mock.method(lib, 'dstack_client_emit_event')
  await assert.rejects(c.emitEvent('', 'x'),
    isErr(Status.INVALID_ARGUMENT, /^Event name cannot be empty: /, /event name must not be empty/))
  assert.equal(emit.mock.callCount(), 1)
  // report data over 64 bytes: libdstack's check, upstream's words in front
  await assert.rejects(c.getQuote(Buffer.alloc(65)),
    isErr(Status.INVALID_ARGUMENT, /^Report data is too large, it should be less than 64 bytes\. /, /65/))
  const tdx = t.mock.method(lib, 'dstack_tappd_client_tdx_quote')
  await assert.rejects(tp.tdxQuote(Buffer.alloc(65), 'raw'),
    isErr(Status.INVALID_ARGUMENT, /^Report data is too large, it should less then 64 bytes when hash_algorithm is raw\. /, /64/))
  assert.equal(tdx.mock.callCount(), 1)
  // verifyEventLog's expected report data: libdstack's "exactly 64" (shorter is padded here)
  const q = await c.getQuote('abc')
  const verify = t.mock.method(lib, 'dstack_verify_event_log')
  assert.throws(() => q.verifyEventLog(Buffer.alloc(65)),
    isErr(Status.INVALID_ARGUMENT, /^expectedReportData is 65 bytes: /, /expected_report_data must be 64 bytes, got 65/))
  assert.equal(verify.mock.callCount(), 1)
  assert.equal(q.verifyEventLog(Buffer.from('abc')), true)
})
