// Demo: agent info, a key whose signature chain is verified against the KMS root, a Sign
// result checked locally, and a quote whose event log is replayed and checked against the
// quote's RTMRs.
//
//   node examples/node/demo.js [socket] [trusted-kms-key-hex]
//
// Without a socket, the SDK discovers one (DSTACK_SIMULATOR_ENDPOINT, /var/run/dstack.sock …).
'use strict'

const { DstackClient, verifySignature } = require('../../bindings/node')

async function main() {
  const [endpoint, trustedKms] = process.argv.slice(2)
  const client = new DstackClient(endpoint || undefined)
  try {
    const info = await client.info()
    console.log(`app:      ${info.app_name} (${info.app_id})`)
    console.log(`compose:  ${info.compose_hash}`)

    const key = await client.getKey('demo/wallet', 'ethereum')
    console.log(`key:      ${Buffer.from(key.key).toString('hex').slice(0, 16)}… (${key.signature_chain.length} signatures)`)
    if (trustedKms) {
      const chain = key.verifySignatureChain(info.app_id, trustedKms)
      console.log(`chain:    verified, app key ${chain.appPublicKey}, KMS ${chain.kmsPublicKey}`)
    } else {
      console.log('chain:    pass the trusted KMS key (33-byte hex) as the 2nd argument to verify it')
    }

    const message = 'demo message'
    const signed = await client.sign('secp256k1', message)
    const ok = verifySignature('secp256k1', message, signed.signature, signed.public_key)
    console.log(`sign:     ${ok ? 'signature verified locally' : 'signature does NOT verify'} (key ${Buffer.from(signed.public_key).toString('hex').slice(0, 16)}…)`)
    if (!ok) process.exitCode = 1

    const quote = await client.getQuote(Buffer.from('demo report data'))
    const rtmrs = quote.replayRtmrsFromEvents() // sound: replayRtmrs() is upstream's digest-only replay
    console.log(`quote:    ${quote.quote.length / 2} bytes, RTMR3 replayed ${rtmrs[3].slice(0, 16)}…`)
    quote.verifyEventLog()
    console.log('replay:   event log matches the quote RTMRs and report data')
  } finally {
    client.close()
  }
}

main().catch((e) => {
  console.error(`error: ${e.code ? `[${e.code}] ` : ''}${e.message}`)
  process.exit(1)
})
