'use strict'
// DstackClient and TappdClient: the @phala/dstack-sdk 0.5.8 surface over libdstack.
// Every RPC runs on the libuv thread pool (the addon's async work); results are copied out of
// the response handle and the handle is freed before the Promise resolves.

const fs = require('node:fs')
const { KeyFlags } = require('./abi')
const { DstackError, Status } = require('./errors')
const { Field, Format, bytes, byteList, callSync, callAsync, withResponse } = require('./ffi')
const { NativeHandle } = require('./handle')
const args = require('./args')
const { redactFields } = require('./redact')
const { tlsKeyAsUint8Array, secp256k1PublicKey, ed25519PublicKey, verifySignature } = require('./keys')
const verify = require('./verify')

const { TLS_USAGE_RA_TLS, TLS_USAGE_SERVER_AUTH, TLS_USAGE_CLIENT_AUTH, TLS_WITH_APP_INFO, TAPPD_RANDOM_SEED } = KeyFlags

/** Upstream's default: 30 s per request (libdstack's own default is 3 s). */
const DEFAULT_TIMEOUT_MS = 30000

/** `to_hex` as exported by the official SDK: strings are UTF-8 encoded, never hex-decoded. */
function to_hex(data) {
  return bytes(data, 'data').toString('hex')
}

/** Attach a non-enumerable method, so object keys and JSON shapes stay upstream's. */
function method(obj, name, fn) {
  Object.defineProperty(obj, name, { value: fn, enumerable: false })
  return obj
}

function timeoutOf(options) {
  const o = args.options(options)
  if (o.timeoutMs === undefined) return DEFAULT_TIMEOUT_MS
  return args.u32(o.timeoutMs, 'timeoutMs', { min: 1, unit: 'milliseconds' })
}

/**
 * The agent reads at most 10 MiB of request body (PROTOCOL.md §1.2, Rocket's default) and
 * drops the connection on more, which would surface as a bare I/O error. `parts` are the
 * variable-length fields of one request, `[name, bytes, 'str' | 'hex']`; the body's size is
 * bounded from above (strings JSON-escaped, bytes as hex) and an oversized request is refused
 * here, naming its largest argument.
 */
const AGENT_BODY_LIMIT = 10 * 1024 * 1024
const BODY_FRAMING = 1024 // method-independent JSON keys and punctuation, generously

function checkRequestSize(parts) {
  let worst = BODY_FRAMING
  for (const [, b, kind] of parts) worst += (kind === 'hex' ? 2 : 6) * b.length + 3
  if (worst <= AGENT_BODY_LIMIT) return // short input: no escaping can reach the limit
  let total = BODY_FRAMING
  let largest = parts[0]
  for (const part of parts) {
    const [, b, kind] = part
    total += 3
    if (kind === 'hex') {
      total += 2 * b.length
    } else {
      total += b.length
      for (let i = 0; i < b.length; i++) {
        const c = b[i]
        if (c < 0x20) total += 5
        else if (c === 0x22 || c === 0x5c) total += 1
      }
    }
    if (b.length > largest[1].length) largest = part
  }
  if (total > AGENT_BODY_LIMIT) {
    throw new DstackError(Status.LIMIT_EXCEEDED,
      `${largest[0]} is ${largest[1].length} bytes: the request body would exceed the agent's limit of ${AGENT_BODY_LIMIT} bytes (10 MiB)`)
  }
}

function checkSocketExists(endpoint) {
  // Same rule as the official SDK: an absolute path must exist when the client is made.
  if (endpoint.startsWith('/') && !fs.existsSync(endpoint)) {
    throw new DstackError(Status.NO_AGENT, `Unix socket file ${endpoint} does not exist`)
  }
}

function makeTlsKeyResponse(key, chain) {
  const res = {
    key,
    certificate_chain: chain,
    asUint8Array: (maxLength) => tlsKeyAsUint8Array(key, maxLength),
    __name__: 'GetTlsKeyResponse',
  }
  return Object.freeze(redactFields(res, ['key']))
}

function readGetKey(r) {
  return {
    key: r.bytes(Field.KEY),
    chain: r.list(Field.SIGNATURE_CHAIN) || [],
    purpose: r.text(Field.PURPOSE),
    algorithm: r.text(Field.ALGORITHM),
  }
}

function normalizeAlgorithm(alg) {
  return alg === 'ed25519' ? 'ed25519' : 'secp256k1'
}

function makeGetKeyResponse({ key, chain, purpose, algorithm }) {
  const res = { key, signature_chain: chain, __name__: 'GetKeyResponse' }
  method(res, 'verifySignatureChain', (appId, trustedKmsKey) => {
    if (chain.length < 2) {
      throw new DstackError(Status.VERIFICATION_FAILED, `signature chain has ${chain.length} entries, expected 2`)
    }
    const publicKey = normalizeAlgorithm(algorithm) === 'ed25519' ? ed25519PublicKey(key) : secp256k1PublicKey(key)
    const keys = verify.verifySignatureChain(publicKey, purpose, chain[0], chain[1], appId, trustedKmsKey)
    return Object.freeze({ ...keys, publicKey: Buffer.from(publicKey).toString('hex') })
  })
  return Object.freeze(redactFields(res, ['key']))
}

function makeSignResponse(signature, chain, publicKey, algorithm, data) {
  const res = { signature, signature_chain: chain, public_key: publicKey, __name__: 'SignResponse' }
  method(res, 'verifySignatureChain', (appId, trustedKmsKey) => {
    if (chain.length < 3) {
      throw new DstackError(Status.VERIFICATION_FAILED, `signature chain has ${chain.length} entries, expected 3`)
    }
    // The signature over the data first, then the key's chain (PROTOCOL.md §6.2).
    if (!verifySignature(algorithm, data, signature, publicKey)) {
      throw new DstackError(Status.VERIFICATION_FAILED, 'signature does not verify with public_key')
    }
    return verify.verifySignatureChain(publicKey, 'signing', chain[1], chain[2], appId, trustedKmsKey)
  })
  return Object.freeze(res)
}

/** Attach sound replay and the quote check to a GetQuote/TdxQuote result. */
function withQuoteChecks(res, expectedReportData) {
  method(res, 'replayRtmrs', () => verify.replayRtmrs(res.event_log))
  method(res, 'verifyEventLog', (reportData) =>
    verify.verifyEventLog(res.quote, res.event_log, reportData === undefined ? expectedReportData() : reportData))
  method(res, 'decodeQuote', () => verify.parseQuote(res.quote))
  method(res, 'decodeEventLog', () => verify.parseEventLog(res.event_log))
  return Object.freeze(res)
}

function parseTcbInfo(text) {
  if (typeof text !== 'string' || text === '') return null
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new DstackError(Status.MALFORMED_RESPONSE, `tcb_info is not JSON: ${e.message}`)
  }
}

/**
 * Tappd `raw` quotes take exactly 64 bytes; shorter data is right-padded with zeros, as
 * GetQuote does (the official JS TappdClient left-padded). Longer data is left for
 * libdstack to reject.
 */
function rightPad64(b) {
  if (b.length >= 64) return b
  const out = Buffer.alloc(64)
  b.copy(out)
  return out
}

class BaseClient {
  constructor(kind, endpoint, options) {
    const timeout = timeoutOf(options)
    const ep = args.absent(endpoint) ? Buffer.alloc(0) : bytes(endpoint, 'endpoint')
    if (!args.absent(endpoint)) checkSocketExists(ep.toString('utf8'))
    const handle = callSync(`dstack_${kind}_new`, ep)
    this._kind = kind
    this._h = new NativeHandle(handle, `dstack_${kind}_free`, this)
    try {
      callSync(`dstack_${kind}_set_timeout_ms`, handle, timeout)
      this.endpoint = callSync(`dstack_${kind}_endpoint`, handle, Format.UTF8)
      if (args.absent(endpoint)) checkSocketExists(this.endpoint)
    } catch (e) {
      this._h.close()
      throw e
    }
  }

  /** Release the native client. Idempotent; calls still running finish first. */
  close() {
    this._h.close()
  }

  /** Run an RPC that yields a response handle; `read` copies what it needs out of it. */
  _rpc(fn, args, read) {
    return this._h.use(async (handle) => {
      const response = await callAsync(`dstack_${this._kind}_${fn}`, handle, ...args, 0)
      return withResponse(response, read)
    })
  }

  async isReachable() {
    return this._h.use((handle) => callAsync(`dstack_${this._kind}_is_reachable`, handle, 0))
  }

  async info() {
    return this._rpc('info', [], (r) => {
      const body = r.json()
      return Object.freeze({ ...body, tcb_info: parseTcbInfo(body.tcb_info) })
    })
  }

  async version() {
    return this._rpc('version', [], (r) =>
      Object.freeze({ version: r.text(Field.VERSION), rev: r.text(Field.REV), __name__: 'VersionResponse' }))
  }
}

/**
 * Client for the dstack guest agent (`/var/run/dstack.sock`).
 * `new DstackClient(endpoint?, { timeoutMs }?)`: endpoint undefined → DSTACK_SIMULATOR_ENDPOINT,
 * then the standard socket paths; `http://host:port` also works.
 */
class DstackClient extends BaseClient {
  constructor(endpoint = undefined, options = undefined) {
    super('client', endpoint, options)
  }

  async getKey(path = '', purpose = '', algorithm = 'secp256k1') {
    const p = bytes(path ?? '', 'path')
    const u = bytes(purpose ?? '', 'purpose')
    const a = bytes(algorithm ?? 'secp256k1', 'algorithm')
    checkRequestSize([['path', p, 'str'], ['purpose', u, 'str'], ['algorithm', a, 'str']])
    return this._rpc('get_key', [p, u, a], (r) => {
      const k = readGetKey(r)
      return makeGetKeyResponse({ ...k, purpose: k.purpose ?? u.toString('utf8'), algorithm: k.algorithm ?? a.toString('utf8') })
    })
  }

  async getTlsKey(options = {}) {
    const o = args.options(options)
    const s = bytes(o.subject ?? '', 'subject')
    const names = byteList(args.list(o.altNames, 'altNames'), 'altNames entry')
    let flags = 0
    if (args.bool(o.usageRaTls, 'usageRaTls', false)) flags |= TLS_USAGE_RA_TLS
    if (args.bool(o.usageServerAuth, 'usageServerAuth', true)) flags |= TLS_USAGE_SERVER_AUTH
    if (args.bool(o.usageClientAuth, 'usageClientAuth', false)) flags |= TLS_USAGE_CLIENT_AUTH
    if (args.bool(o.withAppInfo, 'withAppInfo', false)) flags |= TLS_WITH_APP_INFO
    // uint64_t seconds since the epoch; NULL when absent.
    const time = (v, what) => (args.absent(v) ? null : args.u64(v, what, { unit: 'seconds since the epoch' }))
    const nb = time(o.notBefore, 'notBefore')
    const na = time(o.notAfter, 'notAfter')
    checkRequestSize([['subject', s, 'str'], ...names.map((b) => ['altNames entry', b, 'str'])])
    return this._rpc('get_tls_key', [s, names, flags, nb, na], (r) =>
      makeTlsKeyResponse(r.text(Field.KEY), r.list(Field.CERTIFICATE_CHAIN, true) || []))
  }

  /**
   * TDX quote over `reportData` (≤ 64 bytes, right-padded with zeros by the agent).
   * The result also has `replayRtmrs()`, `verifyEventLog(expectedReportData?)`,
   * `decodeQuote()` and `decodeEventLog()` (non-enumerable).
   */
  async getQuote(reportData) {
    const rd = bytes(reportData, 'reportData')
    return this._rpc('get_quote', [rd], (r) => withQuoteChecks({ ...r.json() }, () => rd))
  }

  async attest(reportData) {
    const rd = bytes(reportData, 'reportData')
    return this._rpc('attest', [rd], (r) =>
      Object.freeze({ __name__: 'AttestResponse', attestation: r.hex(Field.ATTESTATION) ?? '' }))
  }

  async gpuInfo() {
    return this._rpc('gpu_info', [], (r) =>
      Object.freeze({ attestation: r.text(Field.ATTESTATION) ?? '', __name__: 'GpuInfoResponse' }))
  }

  async sign(algorithm, data) {
    const a = bytes(algorithm, 'algorithm')
    const d = Buffer.from(bytes(data, 'data')) // kept for verifySignatureChain
    checkRequestSize([['algorithm', a, 'str'], ['data', d, 'hex']])
    return this._rpc('sign', [a, d], (r) =>
      makeSignResponse(r.bytes(Field.SIGNATURE), r.list(Field.SIGNATURE_CHAIN) || [], r.bytes(Field.PUBLIC_KEY), String(algorithm), d))
  }

  async verify(algorithm, data, signature, publicKey) {
    const a = bytes(algorithm, 'algorithm')
    const d = bytes(data, 'data')
    const s = bytes(signature, 'signature')
    const k = bytes(publicKey, 'publicKey')
    checkRequestSize([['algorithm', a, 'str'], ['data', d, 'hex'], ['signature', s, 'hex'], ['publicKey', k, 'hex']])
    return this._h.use(async (handle) => {
      const valid = await callAsync('dstack_client_verify', handle, a, d, s, k, 0)
      return Object.freeze({ valid, __name__: 'VerifyResponse' })
    })
  }

  async emitEvent(event, payload) {
    const e = bytes(event, 'event')
    if (e.length === 0) throw new DstackError(Status.INVALID_ARGUMENT, 'Event name cannot be empty')
    const p = bytes(payload, 'payload')
    checkRequestSize([['event', e, 'str'], ['payload', p, 'hex']])
    return this._h.use(async (handle) => {
      await callAsync('dstack_client_emit_event', handle, e, p, 0)
    })
  }

  /** @deprecated as upstream: use getKey. Always throws. */
  async deriveKey() {
    throw new DstackError(Status.UNSUPPORTED, 'deriveKey is deprecated, please use getKey instead.')
  }

  /** @deprecated as upstream: only `raw`, which is getQuote. */
  async tdxQuote(reportData, hashAlgorithm) {
    if (hashAlgorithm !== 'raw') {
      throw new DstackError(Status.UNSUPPORTED, 'tdxQuote only supports raw hash algorithm.')
    }
    return this.getQuote(reportData)
  }
}

/**
 * Client for the legacy tappd agent (`/var/run/tappd.sock`, `/prpc/Tappd.*`).
 * Endpoint undefined → TAPPD_SIMULATOR_ENDPOINT, then the standard tappd socket paths.
 */
class TappdClient extends BaseClient {
  constructor(endpoint = undefined, options = undefined) {
    super('tappd_client', endpoint, options)
  }

  /** P-256 TLS key derived from `path` (deterministic), with a certificate chain. */
  async deriveKey(path, subject, altNames, options = {}) {
    const p = bytes(path ?? '', 'path')
    // An absent or empty subject is the path, as upstream.
    const s = args.absent(subject) || subject === '' ? p : bytes(subject, 'subject')
    const names = byteList(args.list(altNames, 'altNames'), 'altNames entry')
    const o = args.options(options)
    let flags = 0
    if (args.bool(o.usageRaTls, 'usageRaTls', false)) flags |= TLS_USAGE_RA_TLS
    if (args.bool(o.usageServerAuth, 'usageServerAuth', false)) flags |= TLS_USAGE_SERVER_AUTH
    if (args.bool(o.usageClientAuth, 'usageClientAuth', false)) flags |= TLS_USAGE_CLIENT_AUTH
    if (args.bool(o.randomSeed, 'randomSeed', false)) flags |= TAPPD_RANDOM_SEED
    checkRequestSize([['path', p, 'str'], ['subject', s, 'str'], ...names.map((b) => ['altNames entry', b, 'str'])])
    return this._rpc('derive_key', [p, s, names, flags], (r) =>
      makeTlsKeyResponse(r.text(Field.KEY), r.list(Field.CERTIFICATE_CHAIN, true) || []))
  }

  /** GetKey over tappd (`DeriveK256Key`): same shape as DstackClient.getKey. */
  async getKey(path = '', purpose = '') {
    const p = bytes(path ?? '', 'path')
    const u = bytes(purpose ?? '', 'purpose')
    checkRequestSize([['path', p, 'str'], ['purpose', u, 'str']])
    return this._rpc('derive_k256_key', [p, u], (r) => {
      const k = readGetKey(r)
      return makeGetKeyResponse({ ...k, purpose: k.purpose ?? u.toString('utf8'), algorithm: 'secp256k1' })
    })
  }

  /**
   * Quote whose report data is `hash(prefix ":" reportData)` (default sha512, prefix
   * `app-data`), or `reportData` itself for `raw` (≤ 64 bytes, right-padded with zeros).
   */
  async tdxQuote(reportData, hashAlgorithm = '', prefix = '') {
    const rd = hashAlgorithm === 'raw' ? rightPad64(bytes(reportData, 'reportData')) : bytes(reportData, 'reportData')
    const h = bytes(hashAlgorithm ?? '', 'hashAlgorithm')
    const px = bytes(prefix ?? '', 'prefix')
    checkRequestSize([['reportData', rd, 'hex'], ['hashAlgorithm', h, 'str'], ['prefix', px, 'str']])
    // What the agent puts in the quote, computed only if verifyEventLog() is asked to check it.
    const expected = () => callSync('dstack_tappd_report_data', rd, h, px)
    return this._rpc('tdx_quote', [rd, h, px], (r) =>
      withQuoteChecks({ ...r.json() }, expected))
  }

  /** Quote over exactly the given report data (≤ 64 bytes, right-padded with zeros). */
  async rawQuote(reportData) {
    const rd = rightPad64(bytes(reportData, 'reportData'))
    return this._rpc('raw_quote', [rd], (r) => withQuoteChecks({ ...r.json() }, () => rd))
  }
}

module.exports = { DstackClient, TappdClient, to_hex }
