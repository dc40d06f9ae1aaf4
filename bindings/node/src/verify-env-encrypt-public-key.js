'use strict'
// KMS signatures over an app's env-encrypt public key (docs/PROTOCOL.md §4.2), by libdstack.
//
// The official contract: the signer's compressed key as "0x…" hex, or `null` — for a
// signature that is not 65 bytes, a timestamp outside the window, an app id that is not hex,
// or a signature that does not recover — never an exception there. The window is checked
// here, with upstream's arithmetic and clock (`Date.now()`) and its `console.error` texts;
// libdstack recovers the signer (and checks `trustedKeys`).

const { DstackError, Status } = require('./errors')
const { Format, bytes, hexOrBytes, callSync } = require('./ffi')
const args = require('./args')

const DEFAULT_MAX_AGE_SECONDS = 300n
const FUTURE_SKEW_SECONDS = 60n

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
 * An integer as upstream's `BigInt(value)` takes it from a number or a bigint (any integer
 * Number converts exactly); anything else is refused by name, as BigInt would throw.
 */
function integer(value, what, unit) {
  if (typeof value === 'bigint') return value
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value)
  throw new DstackError(Status.INVALID_ARGUMENT, `${what} must be an integer (${unit}), as a number or a bigint, got ${args.describe(value)}`)
}

/**
 * libdstack's recovery. `null` where upstream gives null: an app id that is not hex (silently,
 * as upstream), a signature that does not recover or a signer not among `trustedKeys` (with
 * upstream's `console.error`).
 */
function recover(name, ...argv) {
  try {
    return '0x' + callSync(name, ...argv, Format.HEX)
  } catch (e) {
    if (!(e instanceof DstackError)) throw e
    if (e.status === Status.INVALID_HEX || e.status === Status.INVALID_ARGUMENT) return null
    if (e.status === Status.VERIFICATION_FAILED) {
      console.error('signature verification failed:', e)
      return null
    }
    throw e
  }
}

/**
 * Verify a timestamped KMS signature over `publicKey` for `appId` and return the signer's
 * compressed secp256k1 key as `0x…` hex, or `null` — as upstream — for a signature that is
 * not 65 bytes, a timestamp more than 60 s ahead or more than `maxAgeSeconds` (default 300)
 * behind the clock, an app id that is not hex, or a signature that does not recover.
 * The clock is `Date.now()`. Options added here: `now` (unix seconds, instead of the clock)
 * and `trustedKeys` (one or more 33-byte KMS keys: a signer not among them is `null` too —
 * without it, any well-formed signature yields *some* key, which you must compare yourself).
 * Throws DstackError (INVALID_ARGUMENT) only for arguments of the wrong type.
 */
function verifyEnvEncryptPublicKey(publicKey, signature, appId, timestamp, options = {}) {
  const pk = rawBytes(publicKey, 'publicKey')
  const sig = rawBytes(signature, 'signature')
  const id = appIdText(appId)
  const ts = integer(timestamp, 'timestamp', 'unix seconds')
  const o = args.options(options)
  const maxAge = args.absent(o.maxAgeSeconds) ? DEFAULT_MAX_AGE_SECONDS : integer(o.maxAgeSeconds, 'maxAgeSeconds', 'seconds')
  const now = args.absent(o.now) ? BigInt(Math.floor(Date.now() / 1000)) : args.u64(o.now, 'now', { unit: 'unix seconds' })
  const trusted = trustedKeyList(o.trustedKeys)
  if (sig.length !== 65) return null
  const age = now - ts
  if (age < -FUTURE_SKEW_SECONDS) {
    console.error('timestamp is too far in the future')
    return null
  }
  if (age > maxAge) {
    console.error(`timestamp is too old: ${age}s > ${maxAge}s`)
    return null
  }
  // The signed message holds the timestamp's low 64 bits (upstream's big-endian encoding of
  // any bigint). The window is checked above, so libdstack is given a clock equal to it.
  const ts64 = BigInt.asUintN(64, ts)
  return recover('dstack_verify_env_encrypt_public_key', pk, sig, id, ts64, ts64, DEFAULT_MAX_AGE_SECONDS, trusted)
}

/**
 * @deprecated Legacy signatures carry no timestamp and can be replayed; use
 * verifyEnvEncryptPublicKey. The signer, or `null` as upstream (signature not 65 bytes, app
 * id not hex, no recovery); option `trustedKeys` as above.
 */
function verifyEnvEncryptPublicKeyLegacy(publicKey, signature, appId, options = {}) {
  const pk = rawBytes(publicKey, 'publicKey')
  const sig = rawBytes(signature, 'signature')
  const id = appIdText(appId)
  const trusted = trustedKeyList(args.options(options).trustedKeys)
  if (sig.length !== 65) return null
  return recover('dstack_verify_env_encrypt_public_key_legacy', pk, sig, id, trusted)
}

exports.verifyEnvEncryptPublicKey = verifyEnvEncryptPublicKey
exports.verifyEnvEncryptPublicKeyLegacy = verifyEnvEncryptPublicKeyLegacy
