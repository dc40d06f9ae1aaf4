'use strict'
// KMS signatures over an app's env-encrypt public key (PROTOCOL.md §4.2), by libdstack.

const { native } = require('./loader')
const { DstackError, Status } = require('./errors')
const { bytes, hexOrBytes, callSync } = require('./ffi')

const U64_MAX = (1n << 64n) - 1n

function u64(v, what) {
  let b
  if (typeof v === 'bigint') b = v
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v)
  else throw new DstackError(Status.INVALID_ARGUMENT, `${what} must be an integer`)
  if (b < 0n || b > U64_MAX) throw new DstackError(Status.INVALID_ARGUMENT, `${what} must fit in an unsigned 64-bit integer`)
  return b
}

function trustedKeyList(keys) {
  if (keys === undefined || keys === null) return { buf: null, count: 0 }
  const list = Array.isArray(keys) ? keys : [keys]
  const parts = list.map((k, i) => hexOrBytes(k, `trusted key ${i}`, 33))
  return { buf: parts.length ? Buffer.concat(parts) : null, count: parts.length }
}

function appIdText(appId) {
  if (typeof appId !== 'string') throw new DstackError(Status.INVALID_ARGUMENT, 'appId must be a hex string')
  return Buffer.from(appId, 'utf8')
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
  const pk = bytes(publicKey, 'public key')
  const sig = bytes(signature, 'signature')
  const id = appIdText(appId)
  const ts = u64(timestamp, 'timestamp')
  const now = options.now !== undefined ? u64(options.now, 'now') : BigInt(native().fns.dstack_unix_time())
  const maxAge = options.maxAgeSeconds !== undefined ? u64(options.maxAgeSeconds, 'maxAgeSeconds') : 300n
  if (maxAge === 0n) throw new DstackError(Status.INVALID_ARGUMENT, 'maxAgeSeconds must be positive')
  const trusted = trustedKeyList(options.trustedKeys)
  const out = Buffer.alloc(33)
  callSync('dstack_verify_env_encrypt_public_key', pk, pk.length, sig, sig.length, id, id.length,
    ts, now, maxAge, trusted.buf, trusted.count, out)
  return '0x' + out.toString('hex')
}

/**
 * @deprecated Legacy signatures carry no timestamp and can be replayed; use
 * verifyEnvEncryptPublicKey. Same result and errors; option `trustedKeys` as above.
 */
function verifyEnvEncryptPublicKeyLegacy(publicKey, signature, appId, options = {}) {
  const pk = bytes(publicKey, 'public key')
  const sig = bytes(signature, 'signature')
  const id = appIdText(appId)
  const trusted = trustedKeyList(options.trustedKeys)
  const out = Buffer.alloc(33)
  callSync('dstack_verify_env_encrypt_public_key_legacy', pk, pk.length, sig, sig.length, id, id.length,
    trusted.buf, trusted.count, out)
  return '0x' + out.toString('hex')
}

exports.verifyEnvEncryptPublicKey = verifyEnvEncryptPublicKey
exports.verifyEnvEncryptPublicKeyLegacy = verifyEnvEncryptPublicKeyLegacy
