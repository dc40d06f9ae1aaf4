// getKey latency through libdstack: sequential calls, then 100 concurrent calls.
// Usage: node bench/getkey.mjs [iterations]   (starts the bundled simulator itself,
// or uses DSTACK_SIMULATOR_ENDPOINT if set)
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
const { DstackClient } = require('../src/index.js')
const { startSimulator } = require('../test/support/simulator.js')

const N = Number(process.argv[2] || 1000)
const sim = process.env.DSTACK_SIMULATOR_ENDPOINT ? null : await startSimulator()
const client = new DstackClient(sim ? sim.dstack : process.env.DSTACK_SIMULATOR_ENDPOINT)
try {
  for (let i = 0; i < 50; i++) await client.getKey(`warm/${i}`) // warm the connection pool
  let t0 = process.hrtime.bigint()
  for (let i = 0; i < N; i++) await client.getKey(`seq/${i}`, 'bench')
  const seqNs = Number(process.hrtime.bigint() - t0)
  console.log(`sequential: ${N} calls, ${(seqNs / N / 1000).toFixed(1)} µs/call, ${(N / (seqNs / 1e9)).toFixed(0)} calls/s`)

  const rounds = Math.max(1, Math.floor(N / 100))
  t0 = process.hrtime.bigint()
  for (let r = 0; r < rounds; r++) {
    await Promise.all(Array.from({ length: 100 }, (_, i) => client.getKey(`par/${r}/${i}`, 'bench')))
  }
  const parNs = Number(process.hrtime.bigint() - t0)
  console.log(`concurrent: ${rounds} x 100 calls, ${(parNs / rounds / 1e6).toFixed(2)} ms per batch of 100, ${(parNs / (rounds * 100) / 1000).toFixed(1)} µs/call, ${((rounds * 100) / (parNs / 1e9)).toFixed(0)} calls/s (UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE || 4})`)
} finally {
  client.close()
  if (sim) await sim.stop()
}
