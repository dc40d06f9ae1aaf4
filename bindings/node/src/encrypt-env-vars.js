'use strict'
// Encrypted environment variables for deployment (docs/PROTOCOL.md §4.1), by libdstack.

const { DstackError, Status } = require('./errors')
const { Format, bytes, byteList, callSync } = require('./ffi')
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
  envs.forEach((e, i) => {
    if (!e || typeof e.key !== 'string' || typeof e.value !== 'string') {
      throw new DstackError(Status.INVALID_ARGUMENT, `envs[${i}] must be {key: string, value: string}`)
    }
  })
  const keys = byteList(envs.map((e) => e.key), 'envs[].key')
  const values = byteList(envs.map((e) => e.value), 'envs[].value')
  const pk = bytes(publicKeyHex, 'publicKeyHex')
  // Upper bound: plaintext JSON grows by escaping (≤ 6 bytes per input byte) plus framing.
  let plain = 16
  for (const b of [...keys, ...values]) plain += b.length * 6 + 32
  const cap = 2 * (32 + 12 + plain + 16)
  return callSync('dstack_encrypt_env_vars', keys, values, pk, cap, Format.UTF8)
}

exports.encryptEnvVars = encryptEnvVars
