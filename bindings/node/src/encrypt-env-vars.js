'use strict'
// Encrypted environment variables for deployment (PROTOCOL.md §4.1), by libdstack.

const { DstackError, Status } = require('./errors')
const { bytes, sliceArray, callWithBuffer } = require('./ffi')
const { describe } = require('./args')

/**
 * Encrypt `envs` ([{key, value}]) to the app's X25519 env-encrypt public key (hex, optional
 * 0x). Resolves to lowercase hex `ephemeral_pub(32) ‖ iv(12) ‖ ciphertext ‖ tag(16)`.
 * A public key that is not 32 bytes of hex is an error (the official SDK encrypted to a
 * garbage key instead).
 */
async function encryptEnvVars(envs, publicKeyHex) {
  if (!Array.isArray(envs)) throw new DstackError(Status.INVALID_ARGUMENT, `envs must be an array of {key, value}, got ${describe(envs)}`)
  if (typeof publicKeyHex !== 'string') throw new DstackError(Status.INVALID_ARGUMENT, `publicKeyHex must be a hex string, got ${describe(publicKeyHex)}`)
  const keep = []
  envs.forEach((e, i) => {
    if (!e || typeof e.key !== 'string' || typeof e.value !== 'string') {
      throw new DstackError(Status.INVALID_ARGUMENT, `envs[${i}] must be {key: string, value: string}`)
    }
  })
  const keys = sliceArray(envs.map((e) => e.key), keep, 'envs[].key')
  const values = sliceArray(envs.map((e) => e.value), keep, 'envs[].value')
  const pk = bytes(publicKeyHex, 'publicKeyHex')
  // Upper bound: plaintext JSON grows by escaping (≤ 6 bytes per input byte) plus framing.
  let plain = 16
  for (const b of keep) plain += b.length * 6 + 32
  const cap = 2 * (32 + 12 + plain + 16)
  const out = callWithBuffer('dstack_encrypt_env_vars',
    [keys.length ? keys : null, values.length ? values : null, keys.length, pk, pk.length], [], cap)
  return out.toString('utf8')
}

exports.encryptEnvVars = encryptEnvVars
