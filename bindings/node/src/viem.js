'use strict'
// viem accounts from dstack keys (optional peer dependency `viem`).

const { keyMaterial, optionalPeer } = require('./keys')

function privateKeyToAccount(key) {
  return optionalPeer('viem/accounts').privateKeyToAccount(`0x${Buffer.from(key).toString('hex')}`)
}

/**
 * @deprecated use toViemAccountSecure. For a GetTlsKeyResponse this uses the first 32 bytes
 * of the PKCS#8 DER, which for every P-256 key is the same constant header (as upstream).
 */
function toViemAccount(keyResponse) {
  return privateKeyToAccount(keyMaterial(keyResponse, false, 'toViemAccount'))
}

/** Account for a GetKeyResponse key as is; for a GetTlsKeyResponse, sha256 of the DER. */
function toViemAccountSecure(keyResponse) {
  return privateKeyToAccount(keyMaterial(keyResponse, true, 'toViemAccountSecure'))
}

exports.toViemAccount = toViemAccount
exports.toViemAccountSecure = toViemAccountSecure
