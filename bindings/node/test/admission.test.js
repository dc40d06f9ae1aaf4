'use strict'
// The FIFO admission gate (src/admission.js) on its own, with calls whose completion the
// test controls: the limit holds, order is first come first served, every way a call can
// end gives its slot back, and the limit follows the libuv pool and the backend's cap.

const test = require('node:test')
const assert = require('node:assert/strict')
const { Admission, concurrencyLimit, threadPoolSize } = require('../src/admission')

/** A gate and calls that record their start and finish when the test says. */
function harness(limit) {
  const gate = new Admission(limit)
  const started = []
  const running = new Map()
  const failed = []
  let peak = 0
  const submit = (id) => gate.admit(() => {
    started.push(id)
    running.set(id, () => { running.delete(id); gate.release() })
    peak = Math.max(peak, running.size)
  }, (e) => failed.push([id, e]))
  const finish = (id) => running.get(id)()
  return { gate, started, running, failed, submit, finish, peak: () => peak }
}

test('under the limit a call starts at once, synchronously, with nothing queued', () => {
  const h = harness(3)
  h.submit('a')
  assert.deepEqual(h.started, ['a'])
  assert.equal(h.gate.active, 1)
  assert.equal(h.gate.queued, 0)
  h.finish('a')
  assert.equal(h.gate.active, 0)
})

test('never more than `limit` at once; the rest start in submission order', () => {
  const h = harness(4)
  const ids = Array.from({ length: 100 }, (_, i) => i)
  ids.forEach(h.submit)
  assert.deepEqual(h.started, [0, 1, 2, 3])
  assert.equal(h.gate.queued, 96)
  // Finish in a scrambled order: whichever finishes, the next to start is the oldest waiting.
  let step = 0
  while (h.running.size) {
    const keys = [...h.running.keys()]
    h.finish(keys[(step++ * 7) % keys.length])
    assert.ok(h.running.size <= 4)
  }
  assert.deepEqual(h.started, ids)
  assert.equal(h.peak(), 4)
  assert.equal(h.gate.active, 0)
  assert.equal(h.gate.queued, 0)
})

test('a call that throws when started releases its slot and reports through fail', () => {
  const gate = new Admission(2)
  const failed = []
  const ran = []
  const boom = new Error('refused by the backend')
  const hold = []
  gate.admit(() => hold.push('x'), assert.fail) // occupies one slot
  gate.admit(() => { throw boom }, (e) => failed.push(e))
  assert.deepEqual(failed, [boom])
  assert.equal(gate.active, 1)
  gate.admit(() => ran.push('y'), assert.fail)
  assert.deepEqual(ran, ['y'])
  assert.equal(gate.active, 2)
})

test('many queued calls that all throw: every one fails, no slot leaks, the stack stays flat', () => {
  const gate = new Admission(1)
  let release
  gate.admit(() => { release = () => gate.release() }, assert.fail)
  const N = 100000 // deep enough to overflow the stack if draining recursed
  let failures = 0
  for (let i = 0; i < N; i++) gate.admit(() => { throw new Error(String(i)) }, () => failures++)
  assert.equal(gate.queued, N)
  release()
  assert.equal(failures, N)
  assert.equal(gate.active, 0)
  assert.equal(gate.queued, 0)
  const ok = []
  gate.admit(() => ok.push(1), assert.fail)
  assert.deepEqual(ok, [1])
})

test('a call that finishes synchronously inside start() lets the next ones run in order', () => {
  const gate = new Admission(1)
  const order = []
  let release
  gate.admit(() => { release = () => gate.release() }, assert.fail)
  for (let i = 0; i < 5; i++) gate.admit(() => { order.push(i); gate.release() }, assert.fail)
  release()
  assert.deepEqual(order, [0, 1, 2, 3, 4])
  assert.equal(gate.active, 0)
})

test('the queue storage is compacted while draining a long backlog', () => {
  const h = harness(1)
  for (let i = 0; i < 5000; i++) h.submit(i)
  for (let i = 0; i < 4000; i++) h.finish(i)
  assert.equal(h.gate.queued, 999)
  assert.ok(h.gate._queue.length < 5000, `storage ${h.gate._queue.length} entries for ${h.gate.queued} waiting`)
  for (let i = 4000; i < 5000; i++) h.finish(i)
  assert.equal(h.gate._queue.length, 0)
  assert.deepEqual(h.started, Array.from({ length: 5000 }, (_, i) => i))
})

test('release() without admit() is a programming error', () => {
  const gate = new Admission(1)
  assert.throws(() => gate.release(), /without a matching admit/)
  assert.throws(() => new Admission(0), RangeError)
  assert.throws(() => new Admission(1.5), RangeError)
})

test('limit: two per libuv thread, capped at a quarter of a backend limit if there is one', () => {
  assert.equal(threadPoolSize(undefined), 4)
  assert.equal(threadPoolSize(''), 4)
  assert.equal(threadPoolSize('junk'), 4)
  assert.equal(threadPoolSize('0'), 1)
  assert.equal(threadPoolSize('16'), 16)
  assert.equal(threadPoolSize('5000'), 1024)
  assert.equal(concurrencyLimit(4), 8) // the defaults: the addon has no per-process limit
  assert.equal(concurrencyLimit(1024), 2048)
  assert.equal(concurrencyLimit(4, 256), 8)
  assert.equal(concurrencyLimit(1, 256), 2)
  assert.equal(concurrencyLimit(16, 256), 32)
  assert.equal(concurrencyLimit(1024, 256), 64) // a backend limit of 256 (koffi's) shared with other users
  assert.equal(concurrencyLimit(1024, 4096), 1024)
  assert.equal(concurrencyLimit(4, 2), 1)
})
