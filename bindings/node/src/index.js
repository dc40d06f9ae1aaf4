'use strict'
// @libdstack/dstack-sdk: the @phala/dstack-sdk 0.5.8 API over libdstack.

const { DstackClient, TappdClient, to_hex } = require('./client')
const { DstackError, Status } = require('./errors')
const { getComposeHash, getComposeCanonicalJson, getComposeHashFromFileBytes } = require('./get-compose-hash')
const { encryptEnvVars } = require('./encrypt-env-vars')
const { verifyEnvEncryptPublicKey, verifyEnvEncryptPublicKeyLegacy } = require('./verify-env-encrypt-public-key')
const { replayRtmrs, replayRtmrsFromDigests, verifyEventLog, parseQuote, parseEventLog, verifySignatureChain } = require('./verify')
const keys = require('./keys')
const { callSync } = require('./ffi')

/** Version of the loaded libdstack ("0.1.0"). */
function libraryVersion() {
  return callSync('dstack_version')
}

exports.DstackClient = DstackClient
exports.TappdClient = TappdClient
exports.DstackError = DstackError
exports.Status = Status
exports.to_hex = to_hex
exports.getComposeHash = getComposeHash
exports.getComposeCanonicalJson = getComposeCanonicalJson
exports.getComposeHashFromFileBytes = getComposeHashFromFileBytes
exports.encryptEnvVars = encryptEnvVars
exports.verifyEnvEncryptPublicKey = verifyEnvEncryptPublicKey
exports.verifyEnvEncryptPublicKeyLegacy = verifyEnvEncryptPublicKeyLegacy
exports.replayRtmrs = replayRtmrs
exports.replayRtmrsFromDigests = replayRtmrsFromDigests
exports.verifyEventLog = verifyEventLog
exports.parseQuote = parseQuote
exports.parseEventLog = parseEventLog
exports.verifySignatureChain = verifySignatureChain
exports.tlsKeyAsUint8Array = keys.tlsKeyAsUint8Array
exports.tlsKeySecureSeed = keys.tlsKeySecureSeed
exports.ethereumAddress = keys.ethereumAddress
exports.secp256k1PublicKey = keys.secp256k1PublicKey
exports.solanaKeypair = keys.solanaKeypair
exports.ed25519Verify = keys.ed25519Verify
exports.verifySignature = keys.verifySignature
exports.libraryVersion = libraryVersion
