'use strict'
// Relying-party checks the official SDK does not offer: sound RTMR replay checked against a
// quote, quote parsing, and GetKey/Sign signature chains back to a trusted KMS key.

const { DstackError, Status } = require('./errors')
const { Field, Format, bytes, hexOrBytes, callSync, withResponse } = require('./ffi')
const { describe } = require('./args')

function eventLogText(eventLog) {
  if (Array.isArray(eventLog)) return Buffer.from(JSON.stringify(eventLog), 'utf8')
  if (typeof eventLog === 'string' || ArrayBuffer.isView(eventLog) || eventLog instanceof ArrayBuffer) return bytes(eventLog, 'eventLog')
  throw new DstackError(Status.INVALID_ARGUMENT,
    `eventLog must be JSON text, an array of events, a Buffer or a Uint8Array, got ${describe(eventLog)}`)
}

/** RTMR0–3 from the 192 bytes of a replay, given as 384 hex digits. */
function splitRtmrs(hex) {
  return [0, 1, 2, 3].map((i) => hex.slice(i * 96, (i + 1) * 96))
}

/**
 * Sound replay of RTMR0–3 from a dstack event log (JSON text or parsed array): runtime
 * events (type 0x08000001) have their digests recomputed from name and payload (V1/V2),
 * so a stripped GetQuote log still reproduces RTMR3. Returns four lowercase hex strings.
 */
function replayRtmrs(eventLog) {
  return splitRtmrs(callSync('dstack_replay_rtmrs', eventLogText(eventLog), Format.HEX))
}

/**
 * What the official SDKs' `replayRtmrs()` computed: the logged `digest` fields only, short
 * digests right-padded to 48 bytes. Kept for comparison; it cannot reproduce RTMR3 from a
 * stripped log. Prefer `replayRtmrs`.
 */
function replayRtmrsFromDigests(eventLog) {
  return splitRtmrs(callSync('dstack_replay_rtmrs_from_digests', eventLogText(eventLog), Format.HEX))
}

/**
 * Replay the event log soundly and compare RTMR0–3 with the quote; if `expectedReportData`
 * is given (64 bytes, or shorter: right-padded with zeros as the agent does), also check the
 * quote's report_data. Resolves to `true` or throws DstackError(VERIFICATION_FAILED, …).
 * The quote's signature is not checked here: that needs Intel collateral (dcap-qvl).
 */
function verifyEventLog(quote, eventLog, expectedReportData) {
  const q = hexOrBytes(quote, 'quote')
  const json = eventLogText(eventLog)
  let rd = null
  if (expectedReportData !== undefined && expectedReportData !== null) {
    // Right-padded as the agent pads; longer data is refused by libdstack (exactly 64 bytes).
    const raw = hexOrBytes(expectedReportData, 'expectedReportData')
    rd = raw.length >= 64 ? raw : Buffer.concat([raw, Buffer.alloc(64 - raw.length)])
  }
  try {
    callSync('dstack_verify_event_log', q, json, rd)
  } catch (e) {
    // libdstack names the C argument; this one is expectedReportData.
    if (rd && rd.length > 64 && e instanceof DstackError && e.status === Status.INVALID_ARGUMENT) {
      throw new DstackError(e.status, `expectedReportData is ${rd.length} bytes: ${e.message}`)
    }
    throw e
  }
  return true
}

/** Parse a TDX quote (v4/v5): `{ version, tee_type, mrtd, rtmr0..3, report_data }` (hex). */
function parseQuote(quote) {
  return withResponse(callSync('dstack_quote_parse', hexOrBytes(quote, 'quote')), (r) => Object.freeze({
    version: Number(r.u64(Field.QUOTE_VERSION)),
    tee_type: Number(r.u64(Field.TEE_TYPE)),
    mrtd: r.hex(Field.MRTD),
    rtmr0: r.hex(Field.RTMR0),
    rtmr1: r.hex(Field.RTMR1),
    rtmr2: r.hex(Field.RTMR2),
    rtmr3: r.hex(Field.RTMR3),
    report_data: r.hex(Field.REPORT_DATA),
  }))
}

/** How parseEventLog wants each event's byte fields: text as the agent writes them. */
const EVENT_FORMAT = Object.freeze({ digest: Format.HEX, event: Format.UTF8, event_payload: Format.HEX, preimage: Format.HEX })

/** Parse an event log into `EventLog` objects (hex fields as the agent writes them). */
function parseEventLog(eventLog) {
  const handle = callSync('dstack_event_log_parse', eventLogText(eventLog))
  try {
    // Every event in one addon call, each byte field copied once, straight into its string.
    return callSync('dstack_event_log_get_all', handle, EVENT_FORMAT).map((ev) => {
      const e = { imr: ev.imr, event_type: ev.event_type, digest: ev.digest, event: ev.event, event_payload: ev.event_payload }
      if (ev.version === 2) e.version = 2
      if (ev.preimage) e.preimage = ev.preimage
      return e
    })
  } finally {
    callSync('dstack_event_log_free', handle)
  }
}

/**
 * Verify a GetKey/Sign signature chain (docs/PROTOCOL.md §6.2): `publicKey` (33-byte compressed
 * secp256k1 or 32-byte ed25519) signed by the app key for `purpose`, the app key signed by
 * the KMS root for `appId`, and the KMS root equal to `trustedKmsKey` (33-byte compressed,
 * hex or bytes). Returns `{ appPublicKey, kmsPublicKey }` (hex), throws on any mismatch.
 */
function verifySignatureChain(publicKey, purpose, appSignature, kmsSignature, appId, trustedKmsKey) {
  const pub = hexOrBytes(publicKey, 'publicKey')
  const p = bytes(purpose, 'purpose')
  const a = hexOrBytes(appSignature, 'appSignature')
  const k = hexOrBytes(kmsSignature, 'kmsSignature')
  const id = hexOrBytes(appId, 'appId', 20)
  if (trustedKmsKey === undefined || trustedKmsKey === null) {
    throw new DstackError(Status.INVALID_ARGUMENT, 'a trusted KMS public key is required to verify a signature chain')
  }
  const trusted = hexOrBytes(trustedKmsKey, 'trustedKmsKey')
  const keys = callSync('dstack_verify_signature_chain', pub, p, a, k, id, trusted, Format.HEX)
  return Object.freeze({ appPublicKey: keys.app_key, kmsPublicKey: keys.kms_key })
}

module.exports = { replayRtmrs, replayRtmrsFromDigests, verifyEventLog, parseQuote, parseEventLog, verifySignatureChain }
