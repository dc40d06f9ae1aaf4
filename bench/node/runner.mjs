// The Node runner of `make bench`, for the Node binding and for the official JS SDK alike
// (both export DstackClient with the same getKey/getQuote).
//
//   node runner.mjs MODULE_DIR getkey SOCKET CALLS WARMUP   sequential awaited getKey calls
//   node runner.mjs MODULE_DIR quote SOCKET CALLS WARMUP    getQuote + the decoded event log:
//        decodeEventLog() where the result has it (ours), else JSON.parse(event_log)
//        (the official SDK's own way: it has no decoder)
//   node runner.mjs MODULE_DIR cold SOCKET                  load, create a client, one getKey, exit
//
// Prints RESULT <cpu µs per call> <wall µs per call> <calls>: CPU is process.cpuUsage()
// (user + system of the whole process, libuv pool threads included).
import { createRequire } from 'node:module'
import path from 'node:path'

const [dir, mode, sock, callsArg, warmArg] = process.argv.slice(2)
if (!dir || !mode || !sock) {
  console.error('usage: node runner.mjs MODULE_DIR getkey|quote|cold SOCKET [CALLS WARMUP]')
  process.exit(2)
}
const require = createRequire(path.resolve(dir, 'package.json'))
const { DstackClient } = require(path.resolve(dir))
const client = new DstackClient(sock)
const reportData = Buffer.alloc(32, 7)
let decodedWith = ''

async function getKey() {
  const r = await client.getKey('bench/key', 'signing')
  if (!r.key || r.key.length === 0) throw new Error('getKey: empty key')
}

async function quote() {
  const q = await client.getQuote(reportData)
  let events
  if (typeof q.decodeEventLog === 'function') {
    decodedWith = 'decodeEventLog()'
    events = q.decodeEventLog()
  } else {
    decodedWith = 'JSON.parse(event_log)'
    events = JSON.parse(q.event_log)
  }
  if (!q.quote || events.length === 0) throw new Error('getQuote: empty quote or event log')
}

try {
  if (mode === 'cold') {
    await getKey()
  } else {
    const one = { getkey: getKey, quote }[mode]
    if (!one) throw new Error(`unknown mode ${mode}`)
    const n = Number(callsArg)
    const warm = Number(warmArg)
    for (let i = 0; i < warm; i++) await one()
    const c0 = process.cpuUsage()
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) await one()
    const wall = Number(process.hrtime.bigint() - t0) / 1e3
    const c = process.cpuUsage(c0)
    console.log(`RESULT ${((c.user + c.system) / n).toFixed(3)} ${(wall / n).toFixed(3)} ${n}`)
    if (decodedWith) console.log(`DECODE ${decodedWith}`)
  }
} finally {
  if (typeof client.close === 'function') client.close()
}
