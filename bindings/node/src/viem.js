'use strict'
// viem accounts from dstack keys (optional peer dependency `viem`).

const { tlsKeyAsUint8Array, tlsKeySecureSeed } = require('./keys')
const { DstackError, Status } = require('./errors')

function privateKeyToAccount(bytes32) {
  if (!bytes32 || bytes32.length !== 32) {
    throw new DstackError(Status.INVALID_ARGUMENT, `key must be 32 bytes, got ${bytes32 ? bytes32.length : 0}`)
  }
  let accounts
  try {
    accounts = require('viem/accounts')
  } catch (e) {
    const err = new Error('the optional peer dependency "viem" is not installed: npm install viem')
    err.cause = e
    throw err
  }
  return accounts.privateKeyToAccount(`0x${Buffer.from(bytes32).toString('hex')}`)
}

function isTls(res) {
  return res && res.__name__ === 'GetTlsKeyResponse'
}

/**
 * @deprecated use toViemAccountSecure. For a GetTlsKeyResponse this uses the first 32 bytes
 * of the PKCS#8 DER, which for every P-256 key is the same constant header (as upstream).
 */
function toViemAccount(keyResponse) {
  if (isTls(keyResponse)) {
    console.warn("toViemAccount: Please don't use `deriveKey` method to get key, use `getKey` instead.")
    return privateKeyToAccount(tlsKeyAsUint8Array(keyResponse.key, 32))
  }
  return privateKeyToAccount(keyResponse.key)
}

/** Account for a GetKeyResponse key as is; for a GetTlsKeyResponse, sha256 of the DER. */
function toViemAccountSecure(keyResponse) {
  if (isTls(keyResponse)) {
    console.warn("toViemAccountSecure: Please don't use `deriveKey` method to get key, use `getKey` instead.")
    return privateKeyToAccount(tlsKeySecureSeed(keyResponse.key))
  }
  return privateKeyToAccount(keyResponse.key)
}

exports.toViemAccount = toViemAccount
exports.toViemAccountSecure = toViemAccountSecure
