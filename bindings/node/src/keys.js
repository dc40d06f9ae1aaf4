'use strict'
// Key helpers over libdstack: TLS key bytes, Ethereum/Solana identities, ed25519/secp256k1.

const { DstackError, Status } = require('./errors')
const { bytes, hexOrBytes, callSync, callWithBuffer } = require('./ffi')

/**
 * PKCS#8 DER of a PEM private key. `maxLength` undefined/null → the whole DER; otherwise
 * exactly `maxLength` bytes, truncated or zero-padded (0 → empty). A SEC1 ("EC PRIVATE KEY")
 * PEM is an error.
 */
function tlsKeyAsUint8Array(pem, maxLength) {
  const p = bytes(pem, 'PEM')
  let max = -1
  if (maxLength !== undefined && maxLength !== null) {
    if (!Number.isInteger(maxLength) || maxLength < 0) {
      throw new DstackError(Status.INVALID_ARGUMENT, 'maxLength must be a non-negative integer')
    }
    max = maxLength
  }
  const out = callWithBuffer('dstack_tls_key_as_uint8array', [p, p.length, max], [], max >= 0 ? Math.max(max, 1) : 256)
  return new Uint8Array(out)
}

/** sha256 of the PKCS#8 DER: the seed the `*Secure` helpers use for TLS keys. */
function tlsKeySecureSeed(pem) {
  const p = bytes(pem, 'PEM')
  const out = Buffer.alloc(32)
  callSync('dstack_tls_key_secure_seed', p, p.length, out)
  return new Uint8Array(out)
}

/** EIP-55 checksummed address of a 32-byte secp256k1 secret key. */
function ethereumAddress(secretKey) {
  const sk = hexOrBytes(secretKey, 'secret key', 32)
  const out = Buffer.alloc(42)
  callSync('dstack_ethereum_address', sk, out)
  return out.toString('utf8')
}

/** SEC1 public key (33-byte compressed by default) of a 32-byte secp256k1 secret key. */
function secp256k1PublicKey(secretKey, compressed = true) {
  const sk = hexOrBytes(secretKey, 'secret key', 32)
  return new Uint8Array(callWithBuffer('dstack_secp256k1_public_key', [sk, !!compressed], [], 65))
}

/** Solana keypair from a 32-byte ed25519 seed: `{ secretKey (64 B), publicKey (32 B), publicKeyBase58 }`. */
function solanaKeypair(seed) {
  const s = hexOrBytes(seed, 'seed', 32)
  const sk = Buffer.alloc(64)
  const b58 = callWithBuffer('dstack_solana_keypair', [s, sk], [], 64)
  return Object.freeze({
    secretKey: new Uint8Array(sk),
    publicKey: new Uint8Array(sk.subarray(32)),
    publicKeyBase58: b58.toString('utf8'),
  })
}

/** ed25519 public key (32 B) of a 32-byte seed. */
function ed25519PublicKey(seed) {
  return solanaKeypair(seed).publicKey
}

/** Verify an ed25519 signature; returns a boolean, throws only on malformed input. */
function ed25519Verify(publicKey, message, signature) {
  const pk = hexOrBytes(publicKey, 'public key', 32)
  const m = bytes(message, 'message')
  const sig = hexOrBytes(signature, 'signature', 64)
  const out = [false]
  callSync('dstack_ed25519_verify', pk, m, m.length, sig, out)
  return !!out[0]
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
  const pk = hexOrBytes(publicKey, 'public key')
  const out = [false]
  callSync('dstack_verify_signature', a, a.length, d, d.length, sig, sig.length, pk, pk.length, out)
  return !!out[0]
}

/**
 * The 32 bytes behind `toViemAccount` / `toKeypair` and their `*Secure` forms (`fn` names the
 * caller in the warning): a GetKeyResponse's key as is. A GetTlsKeyResponse is deprecated there
 * and warns as upstream; its seed is sha256 of the PKCS#8 DER when `secure`, else the DER's
 * first 32 bytes (upstream's choice, a key-independent constant for P-256).
 */
function keyMaterial(keyResponse, secure, fn) {
  let key = keyResponse && keyResponse.key
  if (keyResponse && keyResponse.__name__ === 'GetTlsKeyResponse') {
    console.warn(`${fn}: Please don't use \`deriveKey\` method to get key, use \`getKey\` instead.`)
    key = secure ? tlsKeySecureSeed(key) : tlsKeyAsUint8Array(key, 32)
  }
  if (!key || key.length !== 32) {
    throw new DstackError(Status.INVALID_ARGUMENT, `key must be 32 bytes, got ${key ? key.length : 0}`)
  }
  return key
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

module.exports = { keyMaterial, optionalPeer, verifySignature, tlsKeyAsUint8Array, tlsKeySecureSeed, ethereumAddress, secp256k1PublicKey, solanaKeypair, ed25519PublicKey, ed25519Verify }
