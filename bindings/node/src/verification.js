'use strict'
// Offline verification of dstack evidence (`@libdstack/dstack-sdk/verify`): is it from a
// genuine Intel TDX CVM running the expected app, and which app? Over libdstack_verify in a
// second addon, dstack_verify.node (its wrappers generated from include/dstack_verify.h by
// scripts/abi/emit_napi_verify.py), loaded on first use only: the main addon, which every
// app inside the CVM loads, carries no DCAP or X.509 code.

const fs = require('node:fs')
const path = require('node:path')
const abi = require('./abi_verify')
const { DstackError, Status } = require('./errors')
const { platformKey } = require('./loader')

const PKG = path.resolve(__dirname, '..')
const EXPECTED_VERSION = require('../package.json').version
const { TcbPolicy, PccsRequest, VerificationField } = abi
const FORMAT_UTF8 = 1

let cached = null

const VERIFY_PACKAGE = '@libdstack/dstack-sdk-verify'

/**
 * Where the verification addon is looked for: `$DSTACK_NODE_VERIFY_ADDON` alone when set;
 * otherwise a build in this folder (`VERIFY=1 bash bindings/node/build-addon.sh` in a
 * checkout), then the prebuilt one of the optional package @libdstack/dstack-sdk-verify
 * (installed beside this one; resolved as `require.resolve` finds it). Returns the paths
 * in order, the unresolvable package named by its module path.
 */
function candidatePaths() {
  if (process.env.DSTACK_NODE_VERIFY_ADDON) return [process.env.DSTACK_NODE_VERIFY_ADDON]
  const request = `${VERIFY_PACKAGE}/prebuilds/${platformKey()}/dstack_verify.node`
  let resolved
  try {
    resolved = require.resolve(request)
  } catch {
    resolved = request
  }
  return [path.join(PKG, 'build', 'dstack_verify.node'), resolved]
}

function series(version) {
  const m = /^(\d+)\.(\d+)\./.exec(version || '')
  return m ? `${m[1]}.${m[2]}` : null
}

/** Load dstack_verify.node once: version series, functions and wrapper fingerprint checked. */
function verifyAddon() {
  if (cached) return cached
  const candidates = candidatePaths()
  const expected = `libdstack_verify ${series(EXPECTED_VERSION)}.x (package ${EXPECTED_VERSION})`
  const loadError = (what, cause) => {
    const err = new Error(`${what}; verification needs ${expected}. In a checkout of the libdstack ` +
      'repository, build it with `cargo build --release -p dstack-verify-ffi && VERIFY=1 bash ' +
      'bindings/node/build-addon.sh`; or set DSTACK_NODE_VERIFY_ADDON.')
    if (cause) err.cause = cause
    return err
  }
  const found = candidates.find((p) => path.isAbsolute(p) && fs.existsSync(p))
  if (!found && process.env.DSTACK_NODE_VERIFY_ADDON) {
    throw loadError(`no dstack_verify addon (looked for ${candidates.join(', ')})`)
  }
  if (!found) {
    throw new Error(`no dstack_verify addon for ${platformKey()}: offline verification needs the ` +
      `optional package ${VERIFY_PACKAGE} (npm install it beside @libdstack/dstack-sdk, the same ` +
      `version, ${EXPECTED_VERSION}); looked for ${candidates.join(', ')} (not found from ${PKG}), ` +
      'or set DSTACK_NODE_VERIFY_ADDON')
  }
  const mod = { exports: {} }
  try {
    process.dlopen(mod, found)
  } catch (e) {
    throw loadError(`${found} does not load here: ${e.message.split('\n')[0]}`, e)
  }
  const lib = mod.exports
  const version = typeof lib.dstack_version === 'function' ? lib.dstack_version() : null
  if (!version) throw loadError(`${found} is not the dstack_verify addon (no dstack_version)`)
  if (series(version) !== series(EXPECTED_VERSION)) throw loadError(`${found} is libdstack_verify ${version}`)
  const missing = Object.keys(abi.ADDON_FUNCTIONS).filter((name) => typeof lib[name] !== 'function')
  if (missing.length) throw loadError(`${found} (version ${version}) is not the dstack_verify addon: it lacks ${missing.join(', ')}`)
  if (lib.abiFingerprint !== abi.ADDON_FINGERPRINT) {
    throw loadError(`${found} was built from another ABI description (wrapper fingerprint ` +
      `${lib.abiFingerprint}, this package's ${abi.ADDON_FINGERPRINT}): rebuild it`)
  }
  // The addon adds `check`, `expected` and `actual` to the errors of failed checks.
  lib.setErrorFactory((status, message) => new DstackError(status, message))
  cached = { lib, path: found, version }
  return cached
}

function invalid(message) {
  return new DstackError(Status.INVALID_ARGUMENT, message)
}

function describe(v) {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  return typeof v === 'object' ? `a ${v.constructor ? v.constructor.name : 'object'}` : `${typeof v} ${String(v)}`
}

/** Bytes as given; a string as hex (optional 0x). */
function binary(value, what) {
  if (typeof value === 'string') {
    const h = /^0x/i.test(value.trim()) ? value.trim().slice(2) : value.trim()
    if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) {
      throw new DstackError(Status.INVALID_HEX, `${what} is neither bytes nor hex text`)
    }
    return Buffer.from(h, 'hex')
  }
  if (Buffer.isBuffer(value)) return value
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  if (value instanceof ArrayBuffer) return Buffer.from(value)
  throw invalid(`${what} must be a Buffer, a Uint8Array or hex text, got ${describe(value)}`)
}

/** Collateral: JSON bytes, JSON text or an object; undefined/null for none. */
function collateralBytes(collateral) {
  if (collateral === undefined || collateral === null) return null
  if (typeof collateral === 'string') return Buffer.from(collateral, 'utf8')
  if (Buffer.isBuffer(collateral) || ArrayBuffer.isView(collateral)) return binary(collateral, 'collateral')
  if (typeof collateral === 'object') return Buffer.from(JSON.stringify(collateral), 'utf8')
  throw invalid(`collateral must be JSON (text, bytes or an object), got ${describe(collateral)}`)
}

const STATUS_BITS = {
  uptodate: TcbPolicy.UP_TO_DATE,
  swhardeningneeded: TcbPolicy.SW_HARDENING_NEEDED,
  configurationneeded: TcbPolicy.CONFIGURATION_NEEDED,
  configurationandswhardeningneeded: TcbPolicy.CONFIGURATION_AND_SW_HARDENING_NEEDED,
  outofdate: TcbPolicy.OUT_OF_DATE,
  outofdateconfigurationneeded: TcbPolicy.OUT_OF_DATE_CONFIGURATION_NEEDED,
  tdrelaunchadvised: TcbPolicy.TD_RELAUNCH_ADVISED,
  tdrelaunchadvisedconfigurationneeded: TcbPolicy.TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED,
  any: TcbPolicy.ANY,
}

/**
 * The `dstack_tcb_policy` bitmask of `policy`: undefined (UpToDate only), a number of
 * `TcbPolicy` bits, or Intel status names (an array, or a comma-separated string; `any`
 * for every status but Revoked). With names, UpToDate is always accepted.
 */
function tcbPolicy(policy) {
  if (policy === undefined || policy === null) return TcbPolicy.UP_TO_DATE
  if (typeof policy === 'number') return policy
  const names = typeof policy === 'string' ? policy.split(',') : policy
  if (!Array.isArray(names)) throw invalid(`tcbPolicy must be a number or status names, got ${describe(policy)}`)
  let mask = TcbPolicy.UP_TO_DATE
  for (const name of names) {
    if (typeof name !== 'string') throw invalid(`tcbPolicy: ${describe(name)} is not a status name`)
    const key = name.trim().toLowerCase()
    if (!key) continue
    if (!(key in STATUS_BITS)) throw invalid(`tcbPolicy: unknown TCB status "${name.trim()}" (Revoked is never accepted)`)
    mask |= STATUS_BITS[key]
  }
  return mask
}

/** `now` as Unix seconds (default the current time): a number, a bigint or a Date. */
function unixSeconds(now) {
  if (now === undefined || now === null) return Math.floor(Date.now() / 1000)
  if (now instanceof Date) {
    const t = now.getTime()
    if (!Number.isFinite(t) || t < 0) throw invalid('now is an invalid Date or before 1970')
    return Math.floor(t / 1000)
  }
  return now // numbers and bigints: the addon checks the uint64 range
}

function options(opts) {
  if (opts === undefined || opts === null) return {}
  if (typeof opts !== 'object') throw invalid(`options must be an object, got ${describe(opts)}`)
  return opts
}

/** Runs one verification and returns the result object (the library's JSON, frozen). */
function run(fn, evidence, opts, withReportData = true) {
  const o = options(opts)
  const { lib } = verifyAddon()
  const args = [evidence, collateralBytes(o.collateral), unixSeconds(o.now), tcbPolicy(o.tcbPolicy)]
  if (withReportData) {
    args.push(o.expectedReportData === undefined || o.expectedReportData === null
      ? null
      : (typeof o.expectedReportData === 'string' ? Buffer.from(o.expectedReportData, 'utf8')
        : binary(o.expectedReportData, 'expectedReportData')))
  } else if (o.expectedReportData !== undefined && o.expectedReportData !== null) {
    throw invalid('expectedReportData does not apply to a certificate: its key fixes the report data')
  }
  args.push(Boolean(o.insecureSkipIntelSignature))
  const handle = lib[fn](...args)
  try {
    return deepFreeze(JSON.parse(lib.dstack_verification_json(handle, FORMAT_UTF8)))
  } finally {
    lib.dstack_verification_free(handle)
  }
}

function deepFreeze(v) {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x)
    Object.freeze(v)
  }
  return v
}

/**
 * Verify a raw TDX (v4/v5) or SGX (v3) quote (bytes or hex), DCAP only: the PCK chain up to
 * the pinned Intel SGX Root CA, `collateral` (PCCS QuoteCollateralV3 JSON; see
 * `fetchCollateral`) valid at `now`, the QE report and identity, the quote signature, the
 * TCB status against `tcbPolicy`, the TD attributes, and `expectedReportData` when given.
 * Returns the result object (every field; byte fields as lowercase hex; the keys of upstream
 * dstack-verifier's `/verify` details among them). A failed check throws a DstackError
 * (code VERIFICATION_FAILED, EXPIRED or INVALID_ARGUMENT) whose `check` names it and whose
 * `expected`/`actual` are the values compared.
 */
function verifyQuote(quote, opts) {
  return run('dstack_verify_quote', binary(quote, 'quote'), opts)
}

/**
 * Verify a GetQuote answer: the JSON text the agent returns, the parsed object, or the
 * result of `DstackClient.getQuote` (`{ quote, event_log, vm_config }`). The quote as in
 * `verifyQuote`, the event log replayed soundly against it, and the app's identity
 * (`app_info`).
 */
function verifyGetQuote(getQuote, opts) {
  let json
  if (typeof getQuote === 'string') json = Buffer.from(getQuote, 'utf8')
  else if (Buffer.isBuffer(getQuote) || ArrayBuffer.isView(getQuote)) json = binary(getQuote, 'getQuote')
  else if (getQuote && typeof getQuote === 'object' && 'quote' in getQuote) {
    const o = { quote: getQuote.quote, event_log: getQuote.event_log }
    if (getQuote.vm_config) o.vm_config = getQuote.vm_config
    json = Buffer.from(JSON.stringify(o), 'utf8')
  } else {
    throw invalid(`getQuote must be the GetQuote JSON (text, bytes or object), got ${describe(getQuote)}`)
  }
  return run('dstack_verify_get_quote', json, opts)
}

/**
 * Verify a versioned attestation (V0 SCALE or V1 msgpack): bytes, hex text, or the result
 * of `DstackClient.attest` (`{ attestation: hex }`). The quote as in `verifyQuote`, the
 * event log replayed into all four RTMRs, the runtime events and report data the
 * attestation states, and the app's identity.
 */
function verifyAttestation(attestation, opts) {
  const a = attestation && typeof attestation === 'object' && !ArrayBuffer.isView(attestation) &&
    !(attestation instanceof ArrayBuffer) && 'attestation' in attestation
    ? attestation.attestation
    : attestation
  return run('dstack_verify_attestation', binary(a, 'attestation'), opts)
}

/** DER of a certificate: DER bytes as given, PEM text (the first certificate), or an
 * X509Certificate / PeerCertificate (`.raw`). */
function certificateDer(cert) {
  if (cert && typeof cert === 'object' && Buffer.isBuffer(cert.raw)) return cert.raw
  const text = typeof cert === 'string' ? cert : null
  const raw = text === null ? binary(cert, 'certificate') : null
  if (raw && raw[0] === 0x30) return raw
  const pem = text ?? raw.toString('latin1')
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem)
  if (!m) throw invalid('certificate must be DER bytes, PEM text, or an X509Certificate/PeerCertificate')
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64')
}

/**
 * Verify an RA-TLS certificate issued by the agent (`getTlsKey({ usageRaTls: true })`):
 * DER, PEM (the leaf of a chain), or a `PeerCertificate`/`X509Certificate`. Checks its
 * validity at `now`, the binding of its key into the quote's report data, the quote as in
 * `verifyQuote`, RTMR3 replayed from its event log, and its app-id / app-info extensions
 * (no `expectedReportData`: the key fixes it).
 */
function verifyRaTlsCert(cert, opts) {
  return run('dstack_verify_ra_tls_cert', certificateDer(cert), opts, false)
}

/**
 * A function for `tls.connect({ checkServerIdentity })`: instead of the host-name check it
 * verifies the server's leaf as an RA-TLS certificate with `opts` (as `verifyRaTlsCert`,
 * plus `onVerified(result)`, which may throw or return an Error to refuse a genuine app that
 * is not the expected one). Node calls it only once the chain verified, so pass the
 * issuing CA (the app's or KMS's, the last certificate of the chain) as `ca`; or, with
 * `rejectUnauthorized: false`, call `verifyRaTlsCert(socket.getPeerCertificate())` on
 * 'secureConnect' before sending anything. Collateral must be given (or the Intel check
 * skipped): this hook is synchronous, so fetch it first.
 */
function raTlsCheckServerIdentity(opts) {
  const o = options(opts)
  return function checkServerIdentity(hostname, cert) {
    try {
      if (!cert || !Buffer.isBuffer(cert.raw)) throw invalid('the server presented no certificate')
      const v = verifyRaTlsCert(cert.raw, o)
      if (typeof o.onVerified === 'function') {
        const r = o.onVerified(v)
        if (r instanceof Error) return r
      }
      return undefined
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e))
    }
  }
}

// The header holding each PCCS answer's issuer chain (URL-encoded PEM), alternatives in order.
const CHAIN_HEADERS = [
  [PccsRequest.PCK_CRL, ['SGX-PCK-CRL-Issuer-Chain']],
  [PccsRequest.TCB_INFO, ['TCB-Info-Issuer-Chain', 'SGX-TCB-Info-Issuer-Chain']],
  [PccsRequest.QE_IDENTITY, ['SGX-Enclave-Identity-Issuer-Chain']],
  [PccsRequest.ROOT_CA_CRL, []],
]

/** A failed PCCS request: `url`, and `httpStatus` when it answered (code IO). */
class PccsError extends DstackError {
  constructor(message, url, httpStatus) {
    super(Status.IO, message)
    this.name = 'PccsError'
    this.url = url
    this.httpStatus = httpStatus
  }
}

function evidenceBytes(evidence) {
  if (evidence && typeof evidence === 'object' && Buffer.isBuffer(evidence.raw)) return evidence.raw
  if (evidence && typeof evidence === 'object' && !ArrayBuffer.isView(evidence) && !(evidence instanceof ArrayBuffer)) {
    if ('attestation' in evidence && !('quote' in evidence)) return binary(evidence.attestation, 'attestation')
    return Buffer.from(JSON.stringify(evidence), 'utf8')
  }
  if (typeof evidence === 'string') {
    const t = evidence.trim()
    if (t.startsWith('{')) return Buffer.from(t, 'utf8')
    if (t.startsWith('-----BEGIN')) return certificateDer(t)
  }
  return binary(evidence, 'evidence')
}

/**
 * Fetch the collateral for the quote in `evidence` from a PCCS (or Intel's PCS) at
 * `pccsUrl` with `fetch`, as the JSON the verifications take (a Buffer). `evidence`: a
 * quote (bytes or hex), a GetQuote answer, an attestation, or an RA-TLS certificate.
 * Options: `fetch` (default globalThis.fetch), `signal`, `timeoutMs` (default 30000, per
 * request). Nothing fetched is trusted: the verification checks it. A failed request or a
 * missing issuer-chain header rejects with a PccsError; answers that do not decode with a
 * DstackError whose `check` is `collateral_format`.
 */
async function fetchCollateral(pccsUrl, evidence, opts) {
  const o = options(opts)
  if (typeof pccsUrl !== 'string' || !pccsUrl.trim()) throw invalid('pccsUrl must be a URL')
  const doFetch = o.fetch ?? globalThis.fetch
  if (typeof doFetch !== 'function') throw invalid('no fetch: pass options.fetch (Node 18+ has one built in)')
  const { lib } = verifyAddon()
  const ev = evidenceBytes(evidence)
  const base = Buffer.from(pccsUrl.trim(), 'utf8')
  const answers = []
  for (const [request, headers] of CHAIN_HEADERS) {
    const url = lib.dstack_pccs_url(ev, base, request, undefined, FORMAT_UTF8)
    const timeout = AbortSignal.timeout(o.timeoutMs ?? 30000)
    const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout
    let resp
    try {
      resp = await doFetch(url, { signal, headers: { accept: '*/*' } })
    } catch (e) {
      throw new PccsError(`PCCS GET ${url}: ${e.cause?.message || e.message}`, url, undefined)
    }
    if (resp.status !== 200) {
      throw new PccsError(`PCCS GET ${url}: HTTP ${resp.status} ${resp.statusText}`.trimEnd(), url, resp.status)
    }
    const body = Buffer.from(await resp.arrayBuffer())
    let chain = null
    for (const h of headers) {
      chain = resp.headers.get(h)
      if (chain) break
    }
    if (headers.length && !chain) {
      throw new PccsError(`PCCS GET ${url}: the answer has no ${headers.join(' or ')} header`, url, resp.status)
    }
    answers.push(body, chain === null ? null : Buffer.from(chain, 'utf8'))
  }
  // pck_crl, its chain, tcb_info, its chain, qe_identity, its chain, root_ca_crl.
  const json = lib.dstack_pccs_collateral(ev, ...answers.slice(0, 7), 64 * 1024, 0)
  return Buffer.from(json.buffer, json.byteOffset, json.byteLength)
}

module.exports = {
  verifyQuote,
  verifyGetQuote,
  verifyAttestation,
  verifyRaTlsCert,
  raTlsCheckServerIdentity,
  fetchCollateral,
  tcbPolicy,
  TcbPolicy,
  VerificationField,
  PccsError,
  candidatePaths,
}
