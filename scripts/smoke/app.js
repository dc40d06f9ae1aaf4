'use strict'
// Package smoke test (scripts/smoke.sh): run in a project that installed the npm package, it
// makes one GetKey and one GetQuote call to the agent at SOCKET, checks the answers, and
// checks that the addon loaded is the one inside the installed package.
// usage: node app.js SOCKET

const fs = require('node:fs')
const path = require('node:path')
const { DstackClient, libraryVersion } = require('@libdstack/dstack-sdk')

async function main() {
  const pkg = require('@libdstack/dstack-sdk/package.json')
  const pkgDir = path.dirname(require.resolve('@libdstack/dstack-sdk/package.json'))
  const client = new DstackClient(process.argv[2])
  try {
    const key = await client.getKey('smoke/test', 'signing')
    const quote = await client.getQuote('smoke')
    // The addon as the dynamic loader mapped it into this process.
    const addon = fs.readFileSync('/proc/self/maps', 'utf8').split('\n')
      .map((l) => l.split(/\s+/)[5]).find((p) => p && p.endsWith('/dstack.node'))
    const quoteBytes = quote.quote.length / 2
    console.log(`node: ${pkg.name} ${pkg.version}, libdstack ${libraryVersion()} from ${addon}: ` +
      `key ${key.key.length} bytes, signature chain ${key.signature_chain.length}, quote ${quoteBytes} bytes`)
    const ok = key.key.length === 32 && key.signature_chain.length === 2 && quoteBytes > 0 &&
      addon === path.join(fs.realpathSync(pkgDir), 'prebuilds', `${process.platform}-${process.arch}`, 'dstack.node') &&
      libraryVersion() === pkg.version
    return ok ? 0 : 1
  } finally {
    client.close()
  }
}

main().then((code) => { process.exitCode = code }, (e) => { console.error(`node: ${e.stack}`); process.exitCode = 1 })
