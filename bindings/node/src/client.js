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

/** Handed by TappdClient to DstackClient's constructor; nothing outside this module has it. */
const TAPPD = Symbol('TappdClient')

/** The algorithms upstream sends without first probing the agent's version. */
const SECP256K1_ALGORITHMS = new Set(['secp256k1', 'k256', ''])

/**
 * The official SDK's message in front of libdstack's (people match on the official text).
 * `e` is returned unchanged unless it is a DstackError with one of `statuses`.
 */
function worded(official, e, statuses) {
  if (!(e instanceof DstackError) || !statuses.includes(e.status)) return e
  return new DstackError(e.status, `${official}${/[.!?]$/.test(official) ? ' ' : ': '}${e.message}`)
}

/** `p`, with rejections reworded by `worded` when `when` holds. */
async function wordedCall(p, when, official, statuses) {
  try {
    return await p
  } catch (e) {
    throw when ? worded(official, e, statuses) : e
  }
}

/**
 * The one default of every libdstack binding: 3 s per call, connect included (upstream's JS
 * SDK uses a fixed 30 s; pass `{ timeoutMs: 30000 }` for that).
 */
const DEFAULT_TIMEOUT_MS = 3000

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
 * The agent reads at most 10 MiB of request body (docs/PROTOCOL.md §1.2, Rocket's default) and
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
    // As upstream, 0 means "the whole DER" here (tlsKeyAsUint8Array(pem, 0) is empty).
    asUint8Array: (maxLength) => tlsKeyAsUint8Array(key, maxLength === 0 || maxLength === 0n ? undefined : maxLength),
    __name__: 'GetTlsKeyResponse',
  }
  return Object.freeze(redactFields(res, ['key']))
}

/**
 * GetKey / DeriveK256Key: the key, its chain, and the request's purpose and effective
 * algorithm as libdstack settled them (PURPOSE, ALGORITHM: the core applies the default).
 */
function readGetKey(r) {
  return makeGetKeyResponse({
    key: r.bytes(Field.KEY),
    chain: r.list(Field.SIGNATURE_CHAIN) || [],
    purpose: r.text(Field.PURPOSE),
    algorithm: r.text(Field.ALGORITHM),
  })
}

function makeGetKeyResponse({ key, chain, purpose, algorithm }) {
  const res = { key, signature_chain: chain, __name__: 'GetKeyResponse' }
  method(res, 'verifySignatureChain', (appId, trustedKmsKey) => {
    if (chain.length < 2) {
      throw new DstackError(Status.VERIFICATION_FAILED, `signature chain has ${chain.length} entries, expected 2`)
    }
    const publicKey = algorithm === 'ed25519' ? ed25519PublicKey(key) : secp256k1PublicKey(key)
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
    // The signature over the data first, then the key's chain (docs/PROTOCOL.md §6.2).
    if (!verifySignature(algorithm, data, signature, publicKey)) {
      throw new DstackError(Status.VERIFICATION_FAILED, 'signature does not verify with public_key')
    }
    return verify.verifySignatureChain(publicKey, 'signing', chain[1], chain[2], appId, trustedKmsKey)
  })
  return Object.freeze(res)
}

/**
 * A GetQuote/TdxQuote result as upstream builds it — the agent's fields plus an enumerable
 * `replayRtmrs` getter whose function replays the logged digests (upstream's algorithm and
 * result) — and, non-enumerable, the sound checks: `replayRtmrsFromEvents()` (runtime-event
 * digests recomputed), `verifyEventLog()`, `decodeQuote()`, `decodeEventLog()`.
 */
function withQuoteChecks(res, quote, expectedReportData) {
  Object.defineProperty(res, 'replayRtmrs', {
    get: () => () => verify.replayRtmrsFromDigests(res.event_log),
    enumerable: true,
  })
  method(res, 'replayRtmrsFromEvents', () => verify.replayRtmrs(res.event_log))
  // `res` is frozen: the quote's bytes as libdstack returned them are its `quote`.
  method(res, 'verifyEventLog', (reportData) =>
    verify.verifyEventLog(quote, res.event_log, reportData === undefined ? expectedReportData() : reportData))
  method(res, 'decodeQuote', () => verify.parseQuote(quote))
  method(res, 'decodeEventLog', () => verify.parseEventLog(res.event_log))
  return Object.freeze(res)
}

/** Lowercase hex of bytes read from a field, as the agent writes them (undefined stays). */
function hexOf(b) {
  return b === undefined ? undefined : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}

/**
 * GetQuote: the agent's members in its order, from the typed fields (ffi/ABI.md "How
 * bindings read responses"): the quote's bytes are kept for decodeQuote/verifyEventLog and
 * hex-encoded once; event_log and vm_config are the agent's text, as given.
 */
function readQuote(r, expectedReportData) {
  const quote = r.bytes(Field.QUOTE)
  const res = { quote: hexOf(quote), event_log: r.text(Field.EVENT_LOG) }
  const rd = r.hex(Field.REPORT_DATA)
  if (rd !== undefined) res.report_data = rd // absent from agents older than the field
  res.vm_config = r.text(Field.VM_CONFIG)
  const attestation = r.hex(Field.ATTESTATION)
  if (attestation) res.attestation = attestation // the agent leaves it out when empty (TDX)
  return withQuoteChecks(res, quote, expectedReportData)
}

/** Tappd TdxQuote / RawQuote: the same, with the effective hash algorithm and prefix. */
function readTdxQuote(r, expectedReportData) {
  const quote = r.bytes(Field.QUOTE)
  const res = {
    quote: hexOf(quote),
    event_log: r.text(Field.EVENT_LOG),
    hash_algorithm: r.text(Field.HASH_ALGORITHM),
    prefix: r.text(Field.PREFIX),
  }
  return withQuoteChecks(res, quote, expectedReportData)
}

/** tcb_info's members beside the registers (v0.5): Info's fields of the same values. */
const TCB_INFO_V05X = [
  ['mr_aggregated', Field.MR_AGGREGATED],
  ['os_image_hash', Field.OS_IMAGE_HASH],
  ['compose_hash', Field.COMPOSE_HASH],
  ['device_id', Field.DEVICE_ID],
]

/**
 * The parsed tcb_info, from the fields libdstack decoded from it (MRTD, RTMR0-3,
 * APP_COMPOSE, TCB_EVENT_LOG: present when the agent published a tcb_info that parsed),
 * in the agent's member order; its events come from libdstack's event-log reader.
 * `null` when the agent published none (upstream threw parsing the empty text). The v0.5
 * members are there when Info has them (older agents have neither), app_compose when the
 * agent sent one. The one member without a field, a 0.3 (tappd) agent's `rootfs_hash`, is
 * read from the text for `tappd` only, and only when the text has it (ffi/ABI.md: a
 * DSTACK_FIELD_ROOTFS_HASH would remove this).
 */
function readTcbInfo(r, tappd) {
  const mrtd = r.hex(Field.MRTD)
  if (mrtd === undefined) return null
  const t = { mrtd, rtmr0: r.hex(Field.RTMR0), rtmr1: r.hex(Field.RTMR1), rtmr2: r.hex(Field.RTMR2), rtmr3: r.hex(Field.RTMR3) }
  for (const [name, field] of TCB_INFO_V05X) {
    const v = r.hex(field)
    if (v) t[name] = v
  }
  const text = tappd ? r.text(Field.TCB_INFO) : ''
  if (text.includes('"rootfs_hash"')) {
    const v = JSON.parse(text).rootfs_hash
    if (typeof v === 'string') t.rootfs_hash = v
  }
  // The log's bytes go straight back to libdstack's event-log reader (no UTF-8 round trip).
  t.event_log = verify.parseEventLog(r.bytes(Field.TCB_EVENT_LOG) || '[]')
  const compose = r.text(Field.APP_COMPOSE)
  if (compose) t.app_compose = compose // an agent with a compose file always sends it
  return t
}

/**
 * Tappd `raw` quotes take exactly 64 bytes. `rawQuote` right-pads shorter data with zeros,
 * as GetQuote does; `tdxQuote(…, 'raw')` left-pads, as the official TappdClient does (its
 * result on the same input). Longer data is left for libdstack to reject.
 */
function rightPad64(b) {
  if (b.length >= 64) return b
  const out = Buffer.alloc(64)
  b.copy(out)
  return out
}

function leftPad64(b) {
  if (b.length >= 64) return b
  const out = Buffer.alloc(64)
  b.copy(out, 64 - b.length)
  return out
}

const REPORT_DATA_TOO_LARGE = 'Report data is too large, it should be less than 64 bytes.'
const RAW_REPORT_DATA_TOO_LARGE = 'Report data is too large, it should less then 64 bytes when hash_algorithm is raw.'
const EMPTY_EVENT_NAME = 'Event name cannot be empty'

/** Info / Tappd.Info (`tappd`), from the typed fields, in the agent's member order. */
function readInfo(r, tappd = false) {
  return Object.freeze({
    app_id: r.hex(Field.APP_ID),
    instance_id: r.hex(Field.INSTANCE_ID),
    app_cert: r.text(Field.APP_CERT),
    tcb_info: readTcbInfo(r, tappd),
    app_name: r.text(Field.APP_NAME),
    device_id: r.hex(Field.DEVICE_ID),
    mr_aggregated: r.hex(Field.MR_AGGREGATED),
    os_image_hash: r.hex(Field.OS_IMAGE_HASH),
    key_provider_info: r.text(Field.KEY_PROVIDER_INFO),
    compose_hash: r.hex(Field.COMPOSE_HASH),
    vm_config: r.text(Field.VM_CONFIG),
    cloud_vendor: r.text(Field.CLOUD_VENDOR),
    cloud_product: r.text(Field.CLOUD_PRODUCT),
  })
}

function readVersion(r) {
  return Object.freeze({ version: r.text(Field.VERSION), rev: r.text(Field.REV), __name__: 'VersionResponse' })
}

/**
 * Stands in for the native client when the endpoint is one libdstack cannot use (https://,
 * a malformed URL): the official SDK accepts any endpoint that is not an absolute path when
 * the client is made and fails on use, so this client is made too and every call rejects
 * with libdstack's reason.
 */
class UnusableHandle {
  constructor(error) {
    this.status = error.status
    this.message = error.message
  }

  async use() {
    throw new DstackError(this.status, this.message)
  }

  close() {}
}

/**
 * A native client (`kind` `client` or `tappd_client`) on `endpoint` (bytes; empty = the
 * library's socket discovery). Returns the handle and the endpoint it resolved to. `given` is
 * the caller's endpoint string, if any: only for one that is not an absolute path is an
 * endpoint libdstack refuses deferred to the first call (an UnusableHandle).
 */
function openClient(kind, endpoint, timeout, owner, given) {
  let raw
  try {
    raw = callSync(`dstack_${kind}_new`, endpoint)
  } catch (e) {
    const deferrable = typeof given === 'string' && !given.startsWith('/') && e instanceof DstackError &&
      (e.status === Status.UNSUPPORTED || e.status === Status.INVALID_ARGUMENT)
    if (!deferrable) throw e
    return { handle: new UnusableHandle(e), endpoint: given }
  }
  const handle = new NativeHandle(raw, `dstack_${kind}_free`, owner)
  try {
    callSync(`dstack_${kind}_set_timeout_ms`, raw, timeout)
    return { handle, endpoint: callSync(`dstack_${kind}_endpoint`, raw, Format.UTF8) }
  } catch (e) {
    handle.close()
    throw e
  }
}

/** Run `fn` on `handle`'s native client; a time-out carries upstream's text in front. */
function useClient(handle, fn) {
  return wordedCall(handle.use(fn), true, 'request timed out', [Status.TIMEOUT])
}

/** An RPC on `handle` (`dstack_<prefix>_<fn>`) that yields a response handle read by `read`. */
function rpc(handle, prefix, fn, args, read) {
  return useClient(handle, async (h) => {
    const response = await callAsync(`dstack_${prefix}_${fn}`, h, ...args, 0)
    return withResponse(response, read)
  })
}

/**
 * Client for the dstack guest agent (`/var/run/dstack.sock`).
 * `new DstackClient(endpoint?, { timeoutMs }?)`: endpoint undefined → DSTACK_SIMULATOR_ENDPOINT
 * (announced by `console.warn`, as upstream), then the standard socket paths; `http://host:port`
 * also works. An endpoint libdstack cannot use (https://) is accepted here, as upstream, and
 * every call on it rejects with UNSUPPORTED.
 */
class DstackClient {
  constructor(endpoint = undefined, options = undefined, _kind = undefined) {
    const tappd = _kind === TAPPD
    const timeout = timeoutOf(options)
    // undefined, null and '' all mean "discover" (upstream: only undefined; null crashed there).
    let given = args.absent(endpoint) || endpoint === '' ? undefined : endpoint
    if (given === undefined) {
      const name = tappd ? 'TAPPD_SIMULATOR_ENDPOINT' : 'DSTACK_SIMULATOR_ENDPOINT'
      const env = process.env[name]
      if (env) {
        console.warn(tappd ? `Using tappd endpoint: ${env}` : `Using simulator endpoint: ${env}`)
        given = env
      }
    }
    if (tappd) console.warn('TappdClient is deprecated, please use DstackClient instead')
    const ep = given === undefined ? Buffer.alloc(0) : bytes(given, 'endpoint')
    if (given !== undefined) checkSocketExists(ep.toString('utf8'))
    // The DstackGuest methods go to `/<Method>` on this endpoint, for a TappdClient too (as
    // upstream's inherited methods do); a TappdClient's own methods use a tappd client on it.
    let first
    if (tappd) {
      first = openClient('tappd_client', ep, timeout, this, given)
      this._t = first.handle
    }
    try {
      const epd = tappd ? Buffer.from(first.endpoint, 'utf8') : ep
      const d = openClient('client', epd, timeout, this, tappd ? first.endpoint : given)
      this._h = d.handle
      this.endpoint = d.endpoint
      if (given === undefined) checkSocketExists(this.endpoint)
    } catch (e) {
      this.close()
      throw e
    }
  }

  /** Release the native client. Idempotent; calls still running finish first. */
  close() {
    if (this._h) this._h.close()
    if (this._t) this._t.close()
  }

  /** A DstackGuest RPC (`dstack_client_<fn>`) whose response `read` copies out. */
  _rpc(fn, args, read) {
    return rpc(this._h, 'client', fn, args, read)
  }

  async isReachable() {
    if (this._h instanceof UnusableHandle) return false
    return useClient(this._h, (handle) => callAsync('dstack_client_is_reachable', handle, 0))
  }

  async info() {
    return this._rpc('info', [], readInfo)
  }

  async version() {
    return this._rpc('version', [], readVersion)
  }

  /** `algorithm` absent or empty: libdstack's default (secp256k1), as upstream's. */
  async getKey(path = '', purpose = '', algorithm = undefined) {
    const p = bytes(path ?? '', 'path')
    const u = bytes(purpose ?? '', 'purpose')
    const a = bytes(algorithm ?? '', 'algorithm')
    checkRequestSize([['path', p, 'str'], ['purpose', u, 'str'], ['algorithm', a, 'str']])
    const alg = a.toString('utf8')
    return wordedCall(this._rpc('get_key', [p, u, a], readGetKey), !SECP256K1_ALGORITHMS.has(alg),
    `algorithm "${alg}" is not supported: OS version too old (Version RPC unavailable)`, [Status.UNSUPPORTED])
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
    // The options that need the Version probe, named and ordered as upstream's message has them.
    const newer = ['notBefore', 'notAfter', 'withAppInfo'].filter((k) => !args.absent(o[k]))
    return wordedCall(this._rpc('get_tls_key', [s, names, flags, nb, na], (r) =>
      makeTlsKeyResponse(r.text(Field.KEY), r.list(Field.CERTIFICATE_CHAIN, true) || [])),
    newer.length > 0, `TLS key options [${newer.join(', ')}] are not supported: OS version too old (Version RPC unavailable)`,
    [Status.UNSUPPORTED])
  }

  /**
   * TDX quote over `reportData` (≤ 64 bytes, right-padded with zeros by the agent). The
   * result has upstream's `replayRtmrs` and, non-enumerable, `replayRtmrsFromEvents()`,
   * `verifyEventLog(expectedReportData?)`, `decodeQuote()` and `decodeEventLog()`.
   */
  async getQuote(reportData) {
    const rd = bytes(reportData, 'reportData')
    return wordedCall(this._rpc('get_quote', [rd], (r) => readQuote(r, () => rd)),
      rd.length > 64, REPORT_DATA_TOO_LARGE, [Status.INVALID_ARGUMENT])
  }

  async attest(reportData) {
    const rd = bytes(reportData, 'reportData')
    return wordedCall(this._rpc('attest', [rd], (r) =>
      Object.freeze({ __name__: 'AttestResponse', attestation: r.hex(Field.ATTESTATION) ?? '' })),
    rd.length > 64, REPORT_DATA_TOO_LARGE, [Status.INVALID_ARGUMENT])
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
    return useClient(this._h, async (handle) => {
      const valid = await callAsync('dstack_client_verify', handle, a, d, s, k, 0)
      return Object.freeze({ valid, __name__: 'VerifyResponse' })
    })
  }

  async emitEvent(event, payload) {
    // An empty name is refused by libdstack (dstack-core's EmitEvent); upstream's text in front.
    const e = bytes(event, 'event')
    const p = bytes(payload, 'payload')
    checkRequestSize([['event', e, 'str'], ['payload', p, 'hex']])
    return wordedCall(useClient(this._h, async (handle) => {
      await callAsync('dstack_client_emit_event', handle, e, p, 0)
    }), e.length === 0, EMPTY_EVENT_NAME, [Status.INVALID_ARGUMENT])
  }

  /** @deprecated as upstream: use getKey. Always throws. */
  async deriveKey() {
    throw new DstackError(Status.UNSUPPORTED, 'deriveKey is deprecated, please use getKey instead.')
  }

  /** @deprecated as upstream: warns, and only `raw`, which is getQuote. */
  async tdxQuote(reportData, hashAlgorithm) {
    console.warn('tdxQuote is deprecated, please use getQuote instead')
    if (hashAlgorithm !== 'raw') {
      throw new DstackError(Status.UNSUPPORTED, 'tdxQuote only supports raw hash algorithm.')
    }
    return this.getQuote(reportData)
  }
}

/**
 * Client for the legacy tappd agent (`/var/run/tappd.sock`, `/prpc/Tappd.*`), a DstackClient
 * as upstream's is: the methods it inherits (`getQuote`, `getTlsKey`, `attest`, `sign`,
 * `verify`, …) send the DstackGuest requests (`/GetQuote`, …) to the tappd endpoint, as
 * upstream's do. Endpoint undefined → TAPPD_SIMULATOR_ENDPOINT, then the standard tappd
 * socket paths. Warns on construction, as upstream.
 */
class TappdClient extends DstackClient {
  constructor(endpoint = undefined, options = undefined) {
    super(endpoint, options, TAPPD)
  }

  _tappdRpc(fn, args, read) {
    return rpc(this._t, 'tappd_client', fn, args, read)
  }

  /** @deprecated as upstream (warns). P-256 TLS key derived from `path`, with a certificate chain. */
  async deriveKey(path, subject, altNames, options = {}) {
    console.warn('deriveKey is deprecated, please use getKey instead')
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
    return this._tappdRpc('derive_key', [p, s, names, flags], (r) =>
      makeTlsKeyResponse(r.text(Field.KEY), r.list(Field.CERTIFICATE_CHAIN, true) || []))
  }

  /** GetKey over tappd (`DeriveK256Key`): same shape as DstackClient.getKey. */
  async getKey(path = '', purpose = '') {
    const p = bytes(path ?? '', 'path')
    const u = bytes(purpose ?? '', 'purpose')
    checkRequestSize([['path', p, 'str'], ['purpose', u, 'str']])
    return this._tappdRpc('derive_k256_key', [p, u], readGetKey)
  }

  /**
   * @deprecated as upstream (warns). Quote whose report data is `hash(prefix ":" reportData)`
   * (default sha512, prefix `app-data`), or, for `raw`, `reportData` itself (≤ 64 bytes,
   * left-padded with zeros as upstream; `rawQuote` right-pads as GetQuote does).
   */
  async tdxQuote(reportData, hashAlgorithm = '', prefix = '') {
    console.warn('tdxQuote is deprecated, please use getQuote instead')
    const raw = hashAlgorithm === 'raw'
    // Longer raw data is refused by libdstack (exactly 64 bytes); upstream's text in front.
    const rd = raw ? leftPad64(bytes(reportData, 'reportData')) : bytes(reportData, 'reportData')
    const h = bytes(hashAlgorithm ?? '', 'hashAlgorithm')
    const px = bytes(prefix ?? '', 'prefix')
    checkRequestSize([['reportData', rd, 'hex'], ['hashAlgorithm', h, 'str'], ['prefix', px, 'str']])
    // What the agent puts in the quote, computed only if verifyEventLog() is asked to check it.
    const expected = () => callSync('dstack_tappd_report_data', rd, h, px)
    return wordedCall(this._tappdRpc('tdx_quote', [rd, h, px], (r) => readTdxQuote(r, expected)),
      raw && rd.length > 64, RAW_REPORT_DATA_TOO_LARGE, [Status.INVALID_ARGUMENT])
  }

  /** Quote over exactly the given report data (≤ 64 bytes, right-padded with zeros). */
  async rawQuote(reportData) {
    const rd = rightPad64(bytes(reportData, 'reportData'))
    return this._tappdRpc('raw_quote', [rd], (r) => readTdxQuote(r, () => rd))
  }

  /** `Info` of the tappd service (`/prpc/Tappd.Info`). */
  async info() {
    return this._tappdRpc('info', [], (r) => readInfo(r, true))
  }

  /** `Version` of the tappd service (`/prpc/Tappd.Version`). */
  async version() {
    return this._tappdRpc('version', [], readVersion)
  }

  /** Whether the tappd service answers `Info` (`/prpc/Tappd.Info`), as upstream. */
  async isReachable() {
    if (this._t instanceof UnusableHandle) return false
    return useClient(this._t, (handle) => callAsync('dstack_tappd_client_is_reachable', handle, 0))
  }
}

module.exports = { DstackClient, TappdClient, to_hex }
