'use strict'
// Any number of concurrent calls: far more than the libuv pool (and than the 256 koffi allowed),
// all complete, each with its own path's key; failing calls give their admission slot back.

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')
const { startSimulator, TESTDATA } = require('./support/simulator')
const { DstackClient, DstackError, Status } = require('..')
const { admission } = require('../src/ffi')

// docs/PROTOCOL.md §6.1: GetKey's key is HKDF-SHA256(app k256 key, salt "RATLS", info = path, 32),
// whatever the purpose; the simulator's app keys are a fixture.
const APP_K256_KEY = Buffer.from(JSON.parse(fs.readFileSync(
  path.join(TESTDATA, 'fixtures', 'simulator_appkeys.json'), 'utf8')).k256_key, 'hex')
const KEY_A_P = 'bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94' // §6.1 vector

function expectedKey(p) {
  return Buffer.from(crypto.hkdfSync('sha256', APP_K256_KEY, 'RATLS', Buffer.from(p, 'utf8'), 32)).toString('hex')
}

const hex = (b) => Buffer.from(b).toString('hex')

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

test('the key model of this file matches the docs/PROTOCOL.md vector and the agent', async () => {
  assert.equal(expectedKey('a'), KEY_A_P)
  assert.equal(hex((await client.getKey('a', 'p')).key), KEY_A_P)
})

test('10,000 concurrent getKey calls all succeed, each with the key of its own path', async (t) => {
  const N = 10000
  const paths = Array.from({ length: N }, (_, i) => `concurrent/${i}`)
  const started = process.hrtime.bigint()
  const settled = await Promise.allSettled(paths.map((p) => client.getKey(p, 'bench')))
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  const failures = settled.filter((s) => s.status === 'rejected')
  assert.equal(failures.length, 0, `${failures.length} of ${N} failed, first: ${failures[0] && failures[0].reason}`)
  for (let i = 0; i < N; i++) {
    assert.equal(hex(settled[i].value.key), expectedKey(paths[i]), `key of ${paths[i]}`)
  }
  // A sample again, one call at a time: the same keys.
  for (const i of [0, 1, 255, 256, 257, 4999, 9998, 9999]) {
    assert.equal(hex((await client.getKey(paths[i], 'bench')).key), expectedKey(paths[i]))
  }
  const gate = admission()
  assert.equal(gate.active, 0, 'every slot was given back')
  assert.equal(gate.queued, 0, 'nobody is left waiting')
  t.diagnostic(`10,000 concurrent getKey: ${ms.toFixed(0)} ms, admission limit ${gate.limit}`)
})

test('calls that fail inside libdstack release their slots; the queue keeps working', async () => {
  // 'rsa' passes the binding's own checks and is refused by libdstack on the worker thread,
  // so every other call takes the whole admission path and fails through the callback.
  const N = 2000
  const calls = Array.from({ length: N }, (_, i) =>
    i % 2 ? client.getKey(`mixed/${i}`, 'p', 'rsa') : client.getKey(`mixed/${i}`, 'p'))
  const settled = await Promise.allSettled(calls)
  for (let i = 0; i < N; i++) {
    if (i % 2) {
      assert.equal(settled[i].status, 'rejected', `call ${i}`)
      assert.ok(settled[i].reason instanceof DstackError && settled[i].reason.status === Status.INVALID_ARGUMENT, String(settled[i].reason))
    } else {
      assert.equal(settled[i].status, 'fulfilled', `call ${i}: ${settled[i].reason}`)
      assert.equal(hex(settled[i].value.key), expectedKey(`mixed/${i}`))
    }
  }
  const gate = admission()
  assert.equal(gate.active, 0)
  assert.equal(gate.queued, 0)
  // Still usable at full width afterwards.
  const again = await Promise.all(Array.from({ length: 3 * gate.limit }, (_, i) => client.getKey(`after/${i}`)))
  again.forEach((r, i) => assert.equal(hex(r.key), expectedKey(`after/${i}`)))
})
