'use strict'
// viem accounts from dstack keys (optional peer dependency `viem`).

const { keyMaterial, fromPeer, optionalPeer } = require('./keys')

function privateKeyToAccount(key, fn) {
  const { privateKeyToAccount: make } = optionalPeer('viem/accounts')
  return fromPeer(key, fn, () => make(`0x${Buffer.from(key).toString('hex')}`))
}

/**
 * @deprecated use toViemAccountSecure. For a GetTlsKeyResponse this uses the first 32 bytes
 * of the PKCS#8 DER, which for every P-256 key is the same constant header (as upstream).
 */
function toViemAccount(keyResponse) {
  return privateKeyToAccount(keyMaterial(keyResponse, false, 'toViemAccount'), 'toViemAccount')
}

/** Account for a GetKeyResponse key as is; for a GetTlsKeyResponse, sha256 of the DER. */
function toViemAccountSecure(keyResponse) {
  return privateKeyToAccount(keyMaterial(keyResponse, true, 'toViemAccountSecure'), 'toViemAccountSecure')
}

exports.toViemAccount = toViemAccount
exports.toViemAccountSecure = toViemAccountSecure
