'use strict'
// Key helpers over libdstack: TLS key bytes, Ethereum/Solana identities, ed25519/secp256k1.

const { DstackError, Status } = require('./errors')
const { Format, bytes, hexOrBytes, callSync } = require('./ffi')
const args = require('./args')
const { redactFields } = require('./redact')

/**
 * Largest `maxLength` of tlsKeyAsUint8Array: a P-256 PKCS#8 DER is about 140 bytes, so this
 * only stops a typo from zero-filling gigabytes.
 */
const MAX_TLS_KEY_LENGTH = 1024 * 1024

/**
 * PKCS#8 DER of a PEM private key. `maxLength` undefined/null → the whole DER; otherwise
 * exactly `maxLength` bytes, truncated or zero-padded (0 → empty). A SEC1 ("EC PRIVATE KEY")
 * PEM is an error.
 */
function tlsKeyAsUint8Array(pem, maxLength) {
  const p = bytes(pem, 'pem')
  // int64_t in the C ABI, -1 for "the whole DER".
  const max = args.absent(maxLength) ? -1 : args.integer(maxLength, 'maxLength', 0, MAX_TLS_KEY_LENGTH, 'bytes')
  return callSync('dstack_tls_key_as_uint8array', p, max, max >= 0 ? Math.max(max, 1) : 256)
}

/** sha256 of the PKCS#8 DER: the seed the `*Secure` helpers use for TLS keys. */
function tlsKeySecureSeed(pem) {
  return callSync('dstack_tls_key_secure_seed', bytes(pem, 'pem'))
}

/** EIP-55 checksummed address of a 32-byte secp256k1 secret key. */
function ethereumAddress(secretKey) {
  return callSync('dstack_ethereum_address', hexOrBytes(secretKey, 'secretKey', 32), Format.UTF8)
}

/** SEC1 public key (33-byte compressed by default) of a 32-byte secp256k1 secret key. */
function secp256k1PublicKey(secretKey, compressed = true) {
  const sk = hexOrBytes(secretKey, 'secretKey', 32)
  const c = args.bool(compressed, 'compressed', true)
  return callSync('dstack_secp256k1_public_key', sk, c, 65)
}

/** Solana keypair from a 32-byte ed25519 seed: `{ secretKey (64 B), publicKey (32 B), publicKeyBase58 }`. */
function solanaKeypair(seed) {
  const s = hexOrBytes(seed, 'seed', 32)
  const kp = callSync('dstack_solana_keypair', s, 64, { public_key_b58: Format.UTF8 })
  return Object.freeze(redactFields({
    secretKey: kp.secret_key,
    publicKey: kp.secret_key.slice(32),
    publicKeyBase58: kp.public_key_b58,
  }, ['secretKey']))
}

/** ed25519 public key (32 B) of a 32-byte seed. */
function ed25519PublicKey(seed) {
  return solanaKeypair(seed).publicKey
}

/** Verify an ed25519 signature; returns a boolean, throws only on malformed input. */
function ed25519Verify(publicKey, message, signature) {
  const pk = hexOrBytes(publicKey, 'publicKey', 32)
  const m = bytes(message, 'message')
  const sig = hexOrBytes(signature, 'signature', 64)
  return callSync('dstack_ed25519_verify', pk, m, sig)
}

/**
 * Verify a `sign` result locally, with the agent's `Verify` semantics: `ed25519`; `secp256k1`
 * or `k256` (ECDSA over SHA-256 of `data`, 64-byte `r‖s`, 33- or 65-byte SEC1 key);
 * `secp256k1_prehashed` (`data` is the 32-byte digest). `data` is UTF-8 text or bytes as for
 * `sign`; `signature` and `publicKey` are bytes or hex. Returns a boolean; throws
 * DstackError (`INVALID_ARGUMENT`) for an unknown algorithm or malformed input.
 */
function verifySignature(algorithm, data, signature, publicKey) {
  const a = bytes(algorithm, 'algorithm')
  const d = bytes(data, 'data')
  const sig = hexOrBytes(signature, 'signature')
  const pk = hexOrBytes(publicKey, 'publicKey')
  return callSync('dstack_verify_signature', a, d, sig, pk)
}

/**
 * The 32 bytes behind `toViemAccount` / `toKeypair` and their `*Secure` forms (`fn` names the
 * caller in the warning): a GetKeyResponse's key as is. A GetTlsKeyResponse is deprecated there
 * and warns as upstream; its seed is sha256 of the PKCS#8 DER when `secure`, else the DER's
 * first 32 bytes (upstream's choice, a key-independent constant for P-256).
 */
function keyMaterial(keyResponse, secure, fn) {
  if (keyResponse === null || typeof keyResponse !== 'object') {
    throw new DstackError(Status.INVALID_ARGUMENT, `${fn}: keyResponse must be a GetKeyResponse or GetTlsKeyResponse, got ${args.describe(keyResponse)}`)
  }
  let key = keyResponse.key
  if (keyResponse.__name__ === 'GetTlsKeyResponse') {
    console.warn(`${fn}: Please don't use \`deriveKey\` method to get key, use \`getKey\` instead.`)
    if (typeof key !== 'string') {
      throw new DstackError(Status.INVALID_ARGUMENT, `${fn}: GetTlsKeyResponse key must be a PEM string, got ${args.describe(key)}`)
    }
    key = secure ? tlsKeySecureSeed(key) : tlsKeyAsUint8Array(key, 32)
  }
  // Bytes only: a string here would be used as its UTF-8 bytes, a different key. The length
  // is left to the peer library, as upstream leaves it (see `fromPeer`).
  if (!(key instanceof Uint8Array)) {
    throw new DstackError(Status.INVALID_ARGUMENT, `${fn}: key must be a 32-byte Uint8Array, got ${args.describe(key)}`)
  }
  return key
}

/**
 * `make()` — the peer library's constructor (viem's `privateKeyToAccount`, web3.js's
 * `Keypair.fromSeed`) over `key`, as upstream calls it. A key that is not 32 bytes goes to the
 * library too, so it is accepted or refused as upstream's is (today's versions refuse it:
 * `invalid private key, expected hex or 32 bytes, got string`, `private key of length 32
 * expected, got 64`); the refusal is a DstackError (INVALID_ARGUMENT) whose message is the
 * library's followed by ours.
 */
function fromPeer(key, fn, make) {
  if (key.length === 32) return make()
  try {
    return make()
  } catch (e) {
    const text = e && typeof e.message === 'string' ? e.message : String(e)
    throw new DstackError(Status.INVALID_ARGUMENT, `${text}: ${fn} needs a 32-byte key, got ${args.describe(key)}`)
  }
}

/** `require(name)` of an optional peer dependency, with an install hint when it is absent. */
function optionalPeer(name) {
  try {
    return require(name)
  } catch (e) {
    const pkg = name.split('/').slice(0, name.startsWith('@') ? 2 : 1).join('/')
    const err = new Error(`the optional peer dependency "${name}" is not installed: npm install ${pkg}`)
    err.cause = e
    throw err
  }
}

module.exports = { keyMaterial, fromPeer, optionalPeer, verifySignature, tlsKeyAsUint8Array, tlsKeySecureSeed, ethereumAddress, secp256k1PublicKey, solanaKeypair, ed25519PublicKey, ed25519Verify }
