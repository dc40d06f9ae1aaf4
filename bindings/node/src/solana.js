'use strict'
// Solana keypairs from dstack keys (optional peer dependency `@solana/web3.js`).

const { keyMaterial, fromPeer, optionalPeer } = require('./keys')

function fromSeed(seed, fn) {
  const { Keypair } = optionalPeer('@solana/web3.js')
  return fromPeer(seed, fn, () => Keypair.fromSeed(Uint8Array.from(seed)))
}

/**
 * @deprecated use toKeypairSecure. For a GetTlsKeyResponse the seed is the first 32 bytes of
 * the PKCS#8 DER (a key-independent constant for P-256), as upstream 0.5.8.
 */
function toKeypair(keyResponse) {
  return fromSeed(keyMaterial(keyResponse, false, 'toKeypair'), 'toKeypair')
}

/** Keypair seeded by a GetKeyResponse key as is; for a GetTlsKeyResponse, sha256 of the DER. */
function toKeypairSecure(keyResponse) {
  return fromSeed(keyMaterial(keyResponse, true, 'toKeypairSecure'), 'toKeypairSecure')
}

exports.toKeypair = toKeypair
exports.toKeypairSecure = toKeypairSecure
