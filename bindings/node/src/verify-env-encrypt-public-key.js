'use strict'
// KMS signatures over an app's env-encrypt public key (PROTOCOL.md §4.2), by libdstack.

const { DstackError, Status } = require('./errors')
const { Format, bytes, hexOrBytes, callSync } = require('./ffi')
const args = require('./args')

function trustedKeyList(keys) {
  // One byte string of 33-byte keys (`trusted_keys[trusted_keys_count][33]` in C).
  if (keys === undefined || keys === null) return null
  const list = Array.isArray(keys) ? keys : [keys]
  return Buffer.concat(list.map((k, i) => hexOrBytes(k, `trustedKeys[${i}]`, 33)))
}

function appIdText(appId) {
  if (typeof appId !== 'string') throw new DstackError(Status.INVALID_ARGUMENT, `appId must be a hex string, got ${args.describe(appId)}`)
  return bytes(appId, 'appId')
}

/** `publicKey` and `signature` are bytes, as upstream; a string is refused, not read as UTF-8. */
function rawBytes(value, what) {
  if (!ArrayBuffer.isView(value)) {
    throw new DstackError(Status.INVALID_ARGUMENT, `${what} must be a Buffer or Uint8Array, got ${args.describe(value)}`)
  }
  return bytes(value, what)
}

/**
 * Verify a timestamped KMS signature over `publicKey` for `appId` and return the signer's
 * compressed secp256k1 key as `0x…` hex. Options: `maxAgeSeconds` (default 300),
 * `now` (unix seconds; default the system clock), `trustedKeys` (one or more 33-byte KMS
 * keys: the signer must be one of them). Throws DstackError on any failure — malformed
 * input, a timestamp outside [now - maxAge, now + 60], a signature that does not recover,
 * or a signer that is not trusted — where the official SDK returned null.
 */
function verifyEnvEncryptPublicKey(publicKey, signature, appId, timestamp, options = {}) {
  const pk = rawBytes(publicKey, 'publicKey')
  const sig = rawBytes(signature, 'signature')
  const id = appIdText(appId)
  const ts = args.u64(timestamp, 'timestamp', { unit: 'unix seconds' })
  const o = args.options(options)
  const now = args.absent(o.now) ? callSync('dstack_unix_time') : args.u64(o.now, 'now', { unit: 'unix seconds' })
  const maxAge = args.absent(o.maxAgeSeconds) ? 300n : args.u64(o.maxAgeSeconds, 'maxAgeSeconds', { min: 1n, unit: 'seconds' })
  const trusted = trustedKeyList(o.trustedKeys)
  return '0x' + callSync('dstack_verify_env_encrypt_public_key', pk, sig, id, ts, now, maxAge, trusted, Format.HEX)
}

/**
 * @deprecated Legacy signatures carry no timestamp and can be replayed; use
 * verifyEnvEncryptPublicKey. Same result and errors; option `trustedKeys` as above.
 */
function verifyEnvEncryptPublicKeyLegacy(publicKey, signature, appId, options = {}) {
  const pk = rawBytes(publicKey, 'publicKey')
  const sig = rawBytes(signature, 'signature')
  const id = appIdText(appId)
  const trusted = trustedKeyList(args.options(options).trustedKeys)
  return '0x' + callSync('dstack_verify_env_encrypt_public_key_legacy', pk, sig, id, trusted, Format.HEX)
}

exports.verifyEnvEncryptPublicKey = verifyEnvEncryptPublicKey
exports.verifyEnvEncryptPublicKeyLegacy = verifyEnvEncryptPublicKeyLegacy
