'use strict'
// Solana keypairs from dstack keys (optional peer dependency `@solana/web3.js`).

const { tlsKeyAsUint8Array, tlsKeySecureSeed } = require('./keys')
const { DstackError, Status } = require('./errors')

function fromSeed(seed) {
  if (!seed || seed.length !== 32) {
    throw new DstackError(Status.INVALID_ARGUMENT, `key must be 32 bytes, got ${seed ? seed.length : 0}`)
  }
  let web3
  try {
    web3 = require('@solana/web3.js')
  } catch (e) {
    const err = new Error('the optional peer dependency "@solana/web3.js" is not installed: npm install @solana/web3.js')
    err.cause = e
    throw err
  }
  return web3.Keypair.fromSeed(Uint8Array.from(seed))
}

function isTls(res) {
  return res && res.__name__ === 'GetTlsKeyResponse'
}

/**
 * @deprecated use toKeypairSecure. For a GetTlsKeyResponse the seed is the first 32 bytes of
 * the PKCS#8 DER (a key-independent constant for P-256), as upstream 0.5.8.
 */
function toKeypair(keyResponse) {
  if (isTls(keyResponse)) {
    console.warn("toKeypair: Please don't use `deriveKey` method to get key, use `getKey` instead.")
    return fromSeed(tlsKeyAsUint8Array(keyResponse.key, 32))
  }
  return fromSeed(keyResponse.key)
}

/** Keypair seeded by a GetKeyResponse key as is; for a GetTlsKeyResponse, sha256 of the DER. */
function toKeypairSecure(keyResponse) {
  if (isTls(keyResponse)) {
    console.warn("toKeypairSecure: Please don't use `deriveKey` method to get key, use `getKey` instead.")
    return fromSeed(tlsKeySecureSeed(keyResponse.key))
  }
  return fromSeed(keyResponse.key)
}

exports.toKeypair = toKeypair
exports.toKeypairSecure = toKeypairSecure
