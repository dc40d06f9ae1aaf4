'use strict'
// 100 concurrent getKey calls on one client: all complete, each with its own path's key.

const test = require('node:test')
const assert = require('node:assert/strict')
const { startSimulator } = require('./support/simulator')
const { DstackClient } = require('..')

test('100 concurrent getKey calls return the same keys as sequential calls', async () => {
  const sim = await startSimulator()
  const c = new DstackClient(sim.dstack)
  try {
    const paths = Array.from({ length: 100 }, (_, i) => `concurrent/${i}`)
    const concurrent = await Promise.all(paths.map((p) => c.getKey(p, 'bench')))
    const hexes = concurrent.map((r) => Buffer.from(r.key).toString('hex'))
    assert.equal(new Set(hexes).size, 100, 'every path has its own key')
    // Derivation is deterministic (PROTOCOL.md §6.1): sequential calls agree.
    for (const i of [0, 17, 42, 99]) {
      const again = await c.getKey(paths[i], 'bench')
      assert.equal(Buffer.from(again.key).toString('hex'), hexes[i])
    }
  } finally {
    c.close()
    await sim.stop()
  }
})
