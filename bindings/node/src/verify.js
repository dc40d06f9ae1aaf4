'use strict'
// Relying-party checks the official SDK does not offer: sound RTMR replay checked against a
// quote, quote parsing, and GetKey/Sign signature chains back to a trusted KMS key.

const { native } = require('./loader')
const { DstackError, Status } = require('./errors')
const { Field, bytes, hexOrBytes, callSync, withResponse, copySlice, sliceText } = require('./ffi')
const { describe } = require('./args')

function eventLogText(eventLog) {
  if (Array.isArray(eventLog)) return Buffer.from(JSON.stringify(eventLog), 'utf8')
  if (typeof eventLog === 'string' || ArrayBuffer.isView(eventLog) || eventLog instanceof ArrayBuffer) return bytes(eventLog, 'eventLog')
  throw new DstackError(Status.INVALID_ARGUMENT,
    `eventLog must be JSON text, an array of events, a Buffer or a Uint8Array, got ${describe(eventLog)}`)
}

function splitRtmrs(buf) {
  return [0, 1, 2, 3].map((i) => buf.subarray(i * 48, (i + 1) * 48).toString('hex'))
}

/**
 * Sound replay of RTMR0–3 from a dstack event log (JSON text or parsed array): runtime
 * events (type 0x08000001) have their digests recomputed from name and payload (V1/V2),
 * so a stripped GetQuote log still reproduces RTMR3. Returns four lowercase hex strings.
 */
function replayRtmrs(eventLog) {
  const json = eventLogText(eventLog)
  const out = Buffer.alloc(192)
  callSync('dstack_replay_rtmrs', json, json.length, out)
  return splitRtmrs(out)
}

/**
 * What the official SDKs' `replayRtmrs()` computed: the logged `digest` fields only, short
 * digests right-padded to 48 bytes. Kept for comparison; it cannot reproduce RTMR3 from a
 * stripped log. Prefer `replayRtmrs`.
 */
function replayRtmrsFromDigests(eventLog) {
  const json = eventLogText(eventLog)
  const out = Buffer.alloc(192)
  callSync('dstack_replay_rtmrs_from_digests', json, json.length, out)
  return splitRtmrs(out)
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
  let rdLen = 0
  if (expectedReportData !== undefined && expectedReportData !== null) {
    const raw = hexOrBytes(expectedReportData, 'expectedReportData')
    if (raw.length > 64) throw new DstackError(Status.INVALID_ARGUMENT, `expectedReportData is ${raw.length} bytes; at most 64 are allowed`)
    rd = Buffer.alloc(64)
    Buffer.from(raw).copy(rd)
    rdLen = 64
  }
  callSync('dstack_verify_event_log', q, q.length, json, json.length, rd, rdLen)
  return true
}

/** Parse a TDX quote (v4/v5): `{ version, tee_type, mrtd, rtmr0..3, report_data }` (hex). */
function parseQuote(quote) {
  const q = hexOrBytes(quote, 'quote')
  const out = [null]
  callSync('dstack_quote_parse', q, q.length, out)
  return withResponse(out[0], (r) => Object.freeze({
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

/** Parse an event log into `EventLog` objects (hex fields as the agent writes them). */
function parseEventLog(eventLog) {
  const { fns } = native()
  const json = eventLogText(eventLog)
  const out = [null]
  callSync('dstack_event_log_parse', json, json.length, out)
  const handle = out[0]
  try {
    const n = Number(fns.dstack_event_log_count(handle))
    const events = []
    for (let i = 0; i < n; i++) {
      const ev = {}
      callSync('dstack_event_log_get', handle, i, ev)
      const e = {
        imr: ev.imr,
        event_type: ev.event_type,
        digest: Buffer.from(copySlice(ev.digest)).toString('hex'),
        event: sliceText(ev.event),
        event_payload: Buffer.from(copySlice(ev.event_payload)).toString('hex'),
      }
      if (ev.version === 2) e.version = 2
      const pre = copySlice(ev.preimage)
      if (pre.length) e.preimage = Buffer.from(pre).toString('hex')
      events.push(e)
    }
    return events
  } finally {
    fns.dstack_event_log_free(handle)
  }
}

/**
 * Verify a GetKey/Sign signature chain (PROTOCOL.md §6.2): `publicKey` (33-byte compressed
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
  const appKey = Buffer.alloc(33)
  const kmsKey = Buffer.alloc(33)
  callSync('dstack_verify_signature_chain', pub, pub.length, p, p.length, a, a.length, k, k.length,
    id, id.length, trusted, trusted.length, appKey, kmsKey)
  return Object.freeze({ appPublicKey: appKey.toString('hex'), kmsPublicKey: kmsKey.toString('hex') })
}

module.exports = { replayRtmrs, replayRtmrsFromDigests, verifyEventLog, parseQuote, parseEventLog, verifySignatureChain }
