'use strict'
// `@libdstack/dstack-sdk/verify` over the second addon (dstack_verify.node): the real
// Intel-signed quotes of testdata/dcap and the real GetQuote fixture, live simulator
// evidence (GetQuote, Attest, RA-TLS certificates, over a real TLS handshake with
// checkServerIdentity), forged variants of both, and fetchCollateral against a local PCCS
// on 127.0.0.1. Times are pinned.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const http = require('node:http')
const net = require('node:net')
const path = require('node:path')
const tls = require('node:tls')
const { spawnSync } = require('node:child_process')

const { DstackClient, DstackError } = require('../src/index')
const v = require('../src/verification')
const { startSimulator, TESTDATA, APP_ID } = require('./support/simulator')

// 2025-06-25T00:00:00Z: inside the window of the 2025-06-19 collateral.
const NOW_2025 = 1750809600
// 2026-03-01T00:00:00Z: inside the window of the 2026-02-18 collateral.
const NOW_2026 = 1772323200
// The tdx_quote collateral's window.
const TDX_FROM = 1750329147
const TDX_UNTIL = 1752919235
// Validity of the RA-TLS certificates asked for below (2025-01-01 to 2036-01-01).
const NOT_BEFORE = 1735689600
const NOT_AFTER = 2082758400
const INTEL_ROOT_SHA256 = '44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3'

const read = (rel) => fs.readFileSync(path.join(TESTDATA, rel))
const dev = (extra = {}) => ({ now: NOW_2025, insecureSkipIntelSignature: true, ...extra })

/** The DstackError of a failed check: its code, check name, and a message with both values. */
function fails(fn, code, check) {
  let err
  try {
    fn()
  } catch (e) {
    err = e
  }
  assert.ok(err instanceof DstackError, `want a DstackError ${check}, got ${err}`)
  assert.equal(err.code, code, err.message)
  assert.equal(err.check, check, err.message)
  assert.ok(err.message.startsWith(`${check}: `), err.message)
  if (err.expected !== undefined) assert.ok(err.message.includes(`expected ${err.expected}`))
  if (err.actual !== undefined) assert.ok(err.message.includes(`got ${err.actual}`))
  return err
}

async function rejects(promise, code, check) {
  let err
  try {
    await promise
  } catch (e) {
    err = e
  }
  return fails(() => { if (err) throw err }, code, check)
}

test('a real TDX quote is UpToDate, with every field', () => {
  const quote = read('dcap/tdx_quote')
  const collateral = read('dcap/tdx_quote_collateral.json')
  const r = v.verifyQuote(quote, { collateral, now: NOW_2025 })
  assert.equal(r.evidence, 'quote')
  assert.equal(r.tee, 'tdx')
  assert.equal(r.quote_version, 4)
  assert.equal(r.quote_verified, true)
  assert.equal(r.intel_signature_verified, true)
  assert.equal(r.tcb_status, 'UpToDate')
  assert.deepEqual(r.advisory_ids, [])
  assert.deepEqual(r.accepted_tcb_statuses, ['UpToDate'])
  assert.equal(r.collateral_valid_from, TDX_FROM)
  assert.equal(r.collateral_valid_until, TDX_UNTIL)
  assert.equal(r.ppid.length, 32)
  // The registers as the quote holds them (header 48 bytes; MRTD at body offset 136).
  assert.equal(r.quote_body.mrtd, quote.subarray(48 + 136, 48 + 184).toString('hex'))
  assert.equal(r.quote_body.rtmr3, quote.subarray(48 + 472, 48 + 520).toString('hex'))
  assert.equal(r.report_data, quote.subarray(48 + 520, 48 + 584).toString('hex'))
  assert.equal(r.app_info, null)
  assert.ok(Object.isFrozen(r) && Object.isFrozen(r.quote_body))
  for (const k of ['quote_verified', 'event_log_verified', 'os_image_hash_verified', 'report_data', 'tcb_status', 'advisory_ids', 'app_info']) {
    assert.ok(k in r, k)
  }
  // The same from hex text, collateral as text or an object, now as a Date or a bigint.
  const again = v.verifyQuote('0x' + quote.toString('hex'), { collateral: JSON.parse(collateral), now: new Date(NOW_2025 * 1000) })
  assert.deepEqual(again, r)
  assert.deepEqual(v.verifyQuote(quote, { collateral: collateral.toString(), now: BigInt(NOW_2025) }), r)

  // Report data; the window's edges.
  const rd = Buffer.from(r.report_data, 'hex')
  assert.equal(v.verifyQuote(quote, { collateral, now: NOW_2025, expectedReportData: rd }).report_data_checked, true)
  const other = Buffer.from(rd)
  other[0] ^= 1
  const e = fails(() => v.verifyQuote(quote, { collateral, now: NOW_2025, expectedReportData: other }), 'VERIFICATION_FAILED', 'report_data')
  assert.equal(e.expected, other.toString('hex'))
  assert.equal(e.actual, rd.toString('hex'))
  v.verifyQuote(quote, { collateral, now: TDX_FROM })
  v.verifyQuote(quote, { collateral, now: TDX_UNTIL - 1 })
  const x = fails(() => v.verifyQuote(quote, { collateral, now: TDX_UNTIL }), 'EXPIRED', 'collateral_validity')
  assert.equal(x.expected, 'a time from 2025-06-19T10:32:27Z to before 2025-07-19T10:00:35Z')
  assert.equal(x.actual, '2025-07-19T10:00:35Z')
})

test('a real SGX quote needs a policy that accepts its status', () => {
  const quote = read('dcap/sgx_quote')
  const collateral = read('dcap/sgx_quote_collateral.json')
  const e = fails(() => v.verifyQuote(quote, { collateral, now: NOW_2025 }), 'VERIFICATION_FAILED', 'tcb_status')
  assert.equal(e.expected, 'one of UpToDate')
  assert.equal(e.actual, 'ConfigurationAndSWHardeningNeeded (advisories INTEL-SA-00289, INTEL-SA-00615)')
  for (const tcbPolicy of [['ConfigurationAndSWHardeningNeeded'], 'configurationandswhardeningneeded', v.TcbPolicy.ANY, 'any']) {
    const r = v.verifyQuote(quote, { collateral, now: NOW_2025, tcbPolicy })
    assert.equal(r.tee, 'sgx')
    assert.equal(r.tcb_status, 'ConfigurationAndSWHardeningNeeded')
    assert.deepEqual(r.advisory_ids, ['INTEL-SA-00289', 'INTEL-SA-00615'])
    assert.equal(r.quote_body.mr_enclave.length, 64)
  }
  assert.equal(v.tcbPolicy(['OutOfDate']), 17)
  assert.throws(() => v.tcbPolicy(['Revoked']), (err) => err.code === 'INVALID_ARGUMENT')
  // Bits outside the policy are refused by the library: no check, a bad argument.
  assert.throws(() => v.verifyQuote(quote, { collateral, now: NOW_2025, tcbPolicy: 256 }),
    (err) => err.code === 'INVALID_ARGUMENT' && err.check === undefined)
  fails(() => v.verifyQuote(read('dcap/tdx_quote_outdated'), {
    collateral: read('dcap/tdx_quote_outdated_collateral.json'), now: NOW_2026, tcbPolicy: 'any',
  }), 'VERIFICATION_FAILED', 'tcb_info')
})

test('forged quotes and collateral fail the check they break', () => {
  const quote = read('dcap/tdx_quote')
  const collateral = read('dcap/tdx_quote_collateral.json')
  for (const [off, check] of [[600, 'quote_signature'], [640, 'quote_signature'], [700, 'qe_report'], [1150, 'qe_report']]) {
    const forged = Buffer.from(quote)
    forged[off] ^= 1
    fails(() => v.verifyQuote(forged, { collateral, now: NOW_2025 }), 'VERIFICATION_FAILED', check)
  }
  fails(() => v.verifyQuote(quote.subarray(0, 1000), { collateral, now: NOW_2025 }), 'VERIFICATION_FAILED', 'quote_format')
  const c = JSON.parse(collateral)
  const sig = c.tcb_info_signature
  c.tcb_info_signature = sig.slice(0, 10) + (sig[10] === '0' ? '1' : '0') + sig.slice(11)
  fails(() => v.verifyQuote(quote, { collateral: c, now: NOW_2025 }), 'VERIFICATION_FAILED', 'collateral_signature')
  fails(() => v.verifyQuote(quote, { collateral: read('dcap/sgx_quote_collateral.json'), now: NOW_2025 }), 'VERIFICATION_FAILED', 'tcb_info')
  fails(() => v.verifyQuote(quote, { now: NOW_2025 }), 'INVALID_ARGUMENT', 'collateral_missing')
  fails(() => v.verifyQuote(quote, { collateral: {}, now: NOW_2025 }), 'INVALID_ARGUMENT', 'collateral_format')
  assert.throws(() => v.verifyQuote('zz', { collateral, now: NOW_2025 }), (err) => err.code === 'INVALID_HEX')
  assert.throws(() => v.verifyQuote(quote, { collateral, now: -1 }), (err) => err.code === 'INVALID_ARGUMENT')
})

test('the real GetQuote fixture replays all four RTMRs and names the app; a forged log does not', () => {
  const text = read('fixtures/verifier_fixture_tdx-lite-getquote.json').toString()
  const r = v.verifyGetQuote(text, dev())
  assert.equal(r.evidence, 'get_quote')
  assert.deepEqual(r.rtmrs_verified, [true, true, true, true])
  assert.equal(r.intel_signature_verified, false)
  assert.equal(r.tcb_status, null)
  assert.equal(r.app_info.app_id, '86b0e55f2fa8e4fb69d890f14f54d5612707646e')
  assert.equal(r.app_info.compose_hash, '86b0e55f2fa8e4fb69d890f14f54d5612707646e2573d54e0d2ddaaade77caa9')
  assert.equal(r.app_info.device_id, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  assert.equal(r.app_info.key_provider_name, 'kms')
  assert.deepEqual(v.verifyGetQuote(JSON.parse(text), dev()).app_info, r.app_info)
  fails(() => v.verifyGetQuote(text, { now: NOW_2025 }), 'INVALID_ARGUMENT', 'collateral_missing')
  const forged = text.replace('\\"event\\":\\"compose-hash\\",\\"event_payload\\":\\"86b0',
    '\\"event\\":\\"compose-hash\\",\\"event_payload\\":\\"86b1')
  assert.notEqual(forged, text)
  const e = fails(() => v.verifyGetQuote(forged, dev()), 'VERIFICATION_FAILED', 'rtmr_replay')
  assert.ok(e.message.includes('RTMR3'))
  assert.equal(e.expected.length, 96)
  assert.notEqual(e.expected, e.actual)
})

// ---- live simulator evidence

let sim
let client

test.before(async () => {
  sim = await startSimulator()
  client = new DstackClient(sim.dstack)
})

test.after(async () => {
  if (sim) await sim.stop()
})

async function raTlsKey() {
  return client.getTlsKey({
    subject: 'ratls.test', altNames: ['localhost'], usageRaTls: true, withAppInfo: true,
    notBefore: NOT_BEFORE, notAfter: NOT_AFTER,
  })
}

test('simulator GetQuote verifies with the development opt-out only', async () => {
  const gq = await client.getQuote(Buffer.from('challenge'))
  const r = v.verifyGetQuote(gq, dev({ expectedReportData: 'challenge' }))
  assert.equal(r.report_data_checked, true)
  assert.deepEqual(r.rtmrs_verified, [true, true, true, true])
  const info = await client.info()
  assert.equal(r.app_info.app_id, APP_ID)
  assert.equal(r.app_info.app_id, info.app_id)
  assert.equal(r.app_info.compose_hash, info.compose_hash)
  assert.equal(r.app_info.instance_id, info.instance_id)
  assert.equal(r.app_info.mr_aggregated, info.mr_aggregated)
  for (const collateral of [undefined, read('dcap/tdx_quote_collateral.json')]) {
    const e = fails(() => v.verifyGetQuote(gq, { collateral, now: NOW_2025 }), 'VERIFICATION_FAILED', 'pck_chain_root')
    assert.ok(e.expected.includes(INTEL_ROOT_SHA256) && e.actual.includes('Mock PCK Certificate'))
  }
  fails(() => v.verifyGetQuote(gq, dev({ expectedReportData: 'other' })), 'VERIFICATION_FAILED', 'report_data')
  const log = JSON.parse(gq.event_log)
  const ev = log.find((x) => x.event === 'compose-hash')
  ev.event_payload = (ev.event_payload[0] === '0' ? '1' : '0') + ev.event_payload.slice(1)
  fails(() => v.verifyGetQuote({ quote: gq.quote, event_log: JSON.stringify(log) }, dev()), 'VERIFICATION_FAILED', 'rtmr_replay')
})

test('simulator attestation, and forged ones', async () => {
  const att = await client.attest(Buffer.from('nonce'))
  const r = v.verifyAttestation(att, dev({ expectedReportData: 'nonce' }))
  assert.equal(r.evidence, 'attestation_v1')
  assert.deepEqual(r.rtmrs_verified, [true, true, true, true])
  assert.equal(r.app_info.app_id, APP_ID)
  const raw = Buffer.from(att.attestation, 'hex')
  assert.deepEqual(v.verifyAttestation(raw, dev()).app_info, r.app_info)
  fails(() => v.verifyAttestation(raw, { now: NOW_2025 }), 'VERIFICATION_FAILED', 'pck_chain_root')
  for (const bad of [raw.subarray(0, raw.length - 1), Buffer.concat([raw, Buffer.alloc(1)]), Buffer.from([1, 2])]) {
    fails(() => v.verifyAttestation(bad, dev()), 'VERIFICATION_FAILED', 'attestation_format')
  }
  const forged = Buffer.from(raw)
  forged[forged.lastIndexOf('system-ready')] = 'S'.charCodeAt(0)
  fails(() => v.verifyAttestation(forged, dev()), 'VERIFICATION_FAILED', 'runtime_events')
})

test('simulator RA-TLS certificate, and forged ones', async () => {
  const t = await raTlsKey()
  const r = v.verifyRaTlsCert(t.certificate_chain[0], dev())
  assert.equal(r.evidence, 'ra_tls_cert')
  assert.equal(r.report_data_checked, true)
  assert.deepEqual(r.rtmrs_verified, [false, false, false, true])
  assert.equal(r.certificate.app_id, r.app_info.app_id)
  assert.equal(r.app_info.app_id, APP_ID)
  assert.equal(r.certificate.not_before, NOT_BEFORE)
  assert.equal(r.certificate.not_after, NOT_AFTER)
  assert.equal(r.certificate.attestation_source, 'attestation')
  const x509 = new (require('node:crypto').X509Certificate)(t.certificate_chain[0])
  assert.deepEqual(v.verifyRaTlsCert(x509, dev()), r)
  assert.deepEqual(v.verifyRaTlsCert(x509.raw, dev()), r)
  assert.deepEqual(v.verifyRaTlsCert(t.certificate_chain.join('\n'), dev()), r)
  fails(() => v.verifyRaTlsCert(x509.raw, { now: NOW_2025 }), 'VERIFICATION_FAILED', 'pck_chain_root')
  const e = fails(() => v.verifyRaTlsCert(x509.raw, dev({ now: NOT_BEFORE - 1 })), 'EXPIRED', 'certificate_validity')
  assert.equal(e.actual, '2024-12-31T23:59:59Z')
  const der = Buffer.from(x509.raw)
  const spki = Buffer.from(r.certificate.public_key_der, 'hex')
  der[der.indexOf(spki) + spki.length - 1] ^= 1
  fails(() => v.verifyRaTlsCert(der, dev()), 'VERIFICATION_FAILED', 'ra_tls_binding')
  fails(() => v.verifyRaTlsCert(t.certificate_chain[1], dev()), 'VERIFICATION_FAILED', 'certificate_format')
  assert.throws(() => v.verifyRaTlsCert(x509.raw, dev({ expectedReportData: 'x' })), (err) => err.code === 'INVALID_ARGUMENT')
  const sample = v.verifyRaTlsCert(read('ratls/simulator_ra_tls_cert.pem').toString(), dev())
  assert.equal(sample.certificate.app_id, sample.app_info.app_id)
})

/** One TLS connection to a server presenting `key`/`chain`; resolves to the socket or rejects. */
function connect(t, options) {
  return new Promise((resolve, reject) => {
    const server = tls.createServer({ key: t.key, cert: t.certificate_chain.join('\n') }, (s) => s.end('x'))
    server.listen(0, '127.0.0.1', () => {
      const sock = tls.connect({ host: '127.0.0.1', port: server.address().port, ...options }, () => {
        sock.end()
        server.close()
        resolve(sock)
      })
      sock.on('error', (err) => { server.close(); reject(err) })
    })
  })
}

test('checkServerIdentity: RA-TLS instead of the host name, over a real handshake', async () => {
  const t = await raTlsKey()
  const ca = t.certificate_chain[t.certificate_chain.length - 1]
  const seen = []
  const check = v.raTlsCheckServerIdentity(dev({
    onVerified: (r) => { seen.push(r); return r.app_info.app_id === APP_ID ? undefined : new Error('unexpected app') },
  }))
  const sock = await connect(t, { ca, servername: 'not-the-certificate-name', checkServerIdentity: check })
  assert.equal(sock.authorized, true)
  assert.equal(seen.length, 1)
  assert.equal(seen[0].certificate.subject.includes('ratls.test'), true)
  // The app is not the expected one: the handshake fails with onVerified's error.
  await assert.rejects(connect(t, { ca, checkServerIdentity: v.raTlsCheckServerIdentity(dev({ onVerified: () => new Error('unexpected app') })) }),
    /unexpected app/)
  // Not Intel-signed without the opt-out.
  await rejects(connect(t, { ca, checkServerIdentity: v.raTlsCheckServerIdentity({ now: NOW_2025 }) }), 'VERIFICATION_FAILED', 'pck_chain_root')
  assert.ok(v.raTlsCheckServerIdentity(dev())('h', {}) instanceof Error)
})

// ---- fetchCollateral against a local PCCS

function pccs() {
  const c = JSON.parse(read('dcap/tdx_quote_collateral.json'))
  const enc = (pem) => encodeURIComponent(pem)
  const answers = {
    '/sgx/certification/v4/pckcrl': [Buffer.from(c.pck_crl, 'hex'), { 'SGX-PCK-CRL-Issuer-Chain': enc(c.pck_crl_issuer_chain) }],
    '/tdx/certification/v4/tcb': [`{"tcbInfo":${c.tcb_info},"signature":"${c.tcb_info_signature}"}`, { 'TCB-Info-Issuer-Chain': enc(c.tcb_info_issuer_chain) }],
    '/tdx/certification/v4/qe/identity': [`{"enclaveIdentity":${c.qe_identity},"signature":"${c.qe_identity_signature}"}`,
      { 'SGX-Enclave-Identity-Issuer-Chain': enc(c.qe_identity_issuer_chain) }],
    '/sgx/certification/v4/rootcacrl': [c.root_ca_crl, {}],
  }
  const state = { paths: [], mode: '' }
  const server = http.createServer((req, res) => {
    state.paths.push(req.url)
    const p = req.url.split('?')[0]
    if (!(p in answers) || (state.mode === '404' && p.endsWith('/tcb'))) {
      res.writeHead(404, 'Not Found').end('no such collateral')
      return
    }
    let [body, headers] = answers[p]
    if (state.mode === 'sgx-header' && p.endsWith('/tcb')) headers = { 'SGX-TCB-Info-Issuer-Chain': headers['TCB-Info-Issuer-Chain'] }
    if (state.mode === 'no-header' && p.endsWith('/identity')) headers = {}
    if (state.mode === 'bad-body' && p.endsWith('/tcb')) body = '{"signature":"00"}'
    res.writeHead(200, headers).end(body)
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    state.url = `http://127.0.0.1:${server.address().port}`
    state.close = () => new Promise((r) => server.close(r))
    resolve(state)
  }))
}

test('fetchCollateral builds the PCCS URLs and its collateral verifies the quote', async () => {
  const p = await pccs()
  try {
    const quote = read('dcap/tdx_quote')
    const col = await v.fetchCollateral(`${p.url}/sgx/certification/v4/`, quote)
    assert.equal(p.paths[0], '/sgx/certification/v4/pckcrl?ca=platform&encoding=der')
    assert.match(p.paths[1], /^\/tdx\/certification\/v4\/tcb\?fmspc=[0-9A-F]{12}&update=standard$/)
    assert.deepEqual(p.paths.slice(2), ['/tdx/certification/v4/qe/identity?update=standard', '/sgx/certification/v4/rootcacrl'])
    assert.equal(v.verifyQuote(quote, { collateral: col, now: NOW_2025 }).tcb_status, 'UpToDate')
    p.mode = 'sgx-header'
    const again = await v.fetchCollateral(p.url, quote.toString('hex'))
    assert.equal(v.verifyQuote(quote, { collateral: again, now: NOW_2025 }).tcb_status, 'UpToDate')
    p.paths.length = 0
    await v.fetchCollateral(p.url, read('fixtures/verifier_fixture_tdx-lite-getquote.json').toString())
    assert.match(p.paths[1], /^\/tdx\/certification\/v4\/tcb\?fmspc=/)

    p.mode = '404'
    await assert.rejects(v.fetchCollateral(p.url, quote), (err) =>
      err instanceof v.PccsError && err.httpStatus === 404 && err.code === 'IO' && err.url.includes('/tcb?fmspc='))
    p.mode = 'no-header'
    await assert.rejects(v.fetchCollateral(p.url, quote), (err) =>
      err instanceof v.PccsError && err.message.includes('SGX-Enclave-Identity-Issuer-Chain'))
    p.mode = 'bad-body'
    await rejects(v.fetchCollateral(p.url, quote), 'INVALID_ARGUMENT', 'collateral_format')
    p.mode = ''
    const aborted = AbortSignal.abort()
    await assert.rejects(v.fetchCollateral(p.url, quote, { signal: aborted }), (err) => err instanceof v.PccsError)
    await rejects(v.fetchCollateral(p.url, Buffer.from('junk')), 'VERIFICATION_FAILED', 'quote_format')
    await assert.rejects(v.fetchCollateral('', quote), (err) => err.code === 'INVALID_ARGUMENT')
  } finally {
    await p.close()
  }
  // Nothing listens.
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const n = s.address().port; s.close(() => resolve(n)) })
  })
  await assert.rejects(v.fetchCollateral(`http://127.0.0.1:${port}`, read('dcap/tdx_quote')), (err) => err instanceof v.PccsError)
})

test('the verification addon is found, checked, and refused when it is not one', () => {
  const child = (env) => spawnSync(process.execPath, ['-e',
    "try { require('./src/verification').verifyQuote(Buffer.alloc(0)) } catch (e) { console.log(e.message) }"],
  { cwd: path.join(__dirname, '..'), env: { ...process.env, ...env }, encoding: 'utf8' }).stdout
  assert.match(child({ DSTACK_NODE_VERIFY_ADDON: path.join(__dirname, 'missing.node') }), /no dstack_verify addon/)
  // The main addon is not the verification addon: it lacks the verify functions.
  const main = require('../src/loader').native().path
  assert.match(child({ DSTACK_NODE_VERIFY_ADDON: main }), /is not the dstack_verify addon: it lacks .*dstack_verify_quote/)
})

test('outside a checkout the addon comes from the optional package @libdstack/dstack-sdk-verify', (t) => {
  // A copy of the package without build/: the addon is looked for in the optional package.
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'dstack-verify-pkg-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const pkg = path.join(dir, 'app', 'node_modules', '@libdstack', 'dstack-sdk')
  fs.mkdirSync(pkg, { recursive: true })
  fs.cpSync(path.join(__dirname, '..', 'src'), path.join(pkg, 'src'), { recursive: true })
  fs.copyFileSync(path.join(__dirname, '..', 'package.json'), path.join(pkg, 'package.json'))
  const env = { ...process.env, NODE_PATH: '' }
  delete env.DSTACK_NODE_VERIFY_ADDON
  const child = () => spawnSync(process.execPath, ['-e',
    "const v = require('@libdstack/dstack-sdk/verify'); try { v.verifyQuote(Buffer.alloc(0)) } catch (e) { console.log(e.message) }"],
  { cwd: path.join(dir, 'app'), env, encoding: 'utf8' }).stdout
  const request = `@libdstack/dstack-sdk-verify/prebuilds/${process.platform}-${process.arch}/dstack_verify.node`
  const missing = child()
  assert.ok(missing.includes('offline verification needs the optional package @libdstack/dstack-sdk-verify ' +
    '(npm install it beside @libdstack/dstack-sdk'), missing)
  assert.ok(missing.includes(`looked for ${path.join(pkg, 'build', 'dstack_verify.node')}, ${request}`), missing)
  // Installed beside it: found there, and it checks the (empty) quote.
  const addon = path.join(dir, 'app', 'node_modules', ...request.split('/'))
  fs.mkdirSync(path.dirname(addon), { recursive: true })
  fs.copyFileSync(process.env.DSTACK_NODE_VERIFY_ADDON || path.join(__dirname, '..', 'build', 'dstack_verify.node'), addon)
  const found = child()
  assert.doesNotMatch(found, /no dstack_verify addon/)
  assert.match(found, /quote/i)
})

test('TypeScript declarations of /verify compile (tsc --noEmit, strict)', () => {
  const tsc = require.resolve('typescript/bin/tsc')
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(__dirname, 'types-verify', 'tsconfig.json')], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stdout + r.stderr)
})
