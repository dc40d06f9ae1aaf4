'use strict'
// The one place that finds libdstack.so and declares the C ABI (ffi/ABI.md) to koffi.
// Everything else in the package calls through `native()`.

const fs = require('node:fs')
const path = require('node:path')

const EXPECTED_VERSION = require('../package.json').version

let cached = null

/**
 * Where the shared library is looked for, in order: `$LIBDSTACK_PATH` alone when set;
 * otherwise the repository build, then the system dynamic loader's search.
 */
function candidatePaths() {
  if (process.env.LIBDSTACK_PATH) return [process.env.LIBDSTACK_PATH]
  return [
    // A checkout of the libdstack repository: bindings/node/src → target/release.
    path.resolve(__dirname, '..', '..', '..', 'target', 'release', 'libdstack.so'),
    // The bare soname: LD_LIBRARY_PATH, ld.so.cache.
    'libdstack.so',
  ]
}

function findLibrary() {
  const candidates = candidatePaths()
  // The bare soname is for the dynamic loader, which does its own search.
  const found = candidates.find((p) => !p.includes('/') || fs.existsSync(p))
  return { path: found || candidates[candidates.length - 1], candidates }
}

/** Bind every C function the package uses; returns `{ fns, missing }` (names not exported). */
function declare(koffi, lib) {
  // Type names the signatures below refer to.
  for (const name of ['dstack_client', 'dstack_tappd_client', 'dstack_response', 'dstack_error', 'dstack_event_log']) {
    koffi.opaque(name)
  }
  // `void *` rather than `const uint8_t *`: koffi hands back a raw pointer we copy from with
  // koffi.view, and accepts a Buffer there when we build slices for input.
  koffi.struct('dstack_slice', { ptr: 'void *', len: 'size_t' })
  koffi.struct('dstack_event', {
    imr: 'uint32_t',
    event_type: 'uint32_t',
    version: 'uint32_t',
    digest: 'dstack_slice',
    event: 'dstack_slice',
    event_payload: 'dstack_slice',
    preimage: 'dstack_slice',
  })

  const E = '_Out_ dstack_error **out_error'
  const R = '_Out_ dstack_response **out_response'
  const B = (n) => `const uint8_t *${n}, size_t ${n}_len`
  const sigs = {
    dstack_version: 'const char *dstack_version(void)',
    dstack_status_message: 'const char *dstack_status_message(uint32_t status)',
    dstack_error_status: 'uint32_t dstack_error_status(const dstack_error *e)',
    dstack_error_message: 'dstack_slice dstack_error_message(const dstack_error *e)',
    dstack_error_free: 'void dstack_error_free(dstack_error *e)',

    dstack_client_new: `uint32_t dstack_client_new(${B('endpoint')}, _Out_ dstack_client **out_client, ${E})`,
    dstack_client_set_timeout_ms: `uint32_t dstack_client_set_timeout_ms(dstack_client *c, uint32_t timeout_ms, ${E})`,
    dstack_client_endpoint: 'dstack_slice dstack_client_endpoint(const dstack_client *c)',
    dstack_client_free: 'void dstack_client_free(dstack_client *c)',
    dstack_client_get_key: `uint32_t dstack_client_get_key(const dstack_client *c, ${B('path')}, ${B('purpose')}, ${B('algorithm')}, uint32_t timeout_ms, ${R}, ${E})`,
    dstack_client_get_quote: `uint32_t dstack_client_get_quote(const dstack_client *c, ${B('report_data')}, uint32_t timeout_ms, ${R}, ${E})`,
    dstack_client_attest: `uint32_t dstack_client_attest(const dstack_client *c, ${B('report_data')}, uint32_t timeout_ms, ${R}, ${E})`,
    dstack_client_get_tls_key: `uint32_t dstack_client_get_tls_key(const dstack_client *c, ${B('subject')}, const dstack_slice *alt_names, size_t alt_names_count, uint32_t flags, const uint64_t *not_before, const uint64_t *not_after, uint32_t timeout_ms, ${R}, ${E})`,
    dstack_client_info: `uint32_t dstack_client_info(const dstack_client *c, uint32_t timeout_ms, ${R}, ${E})`,
    dstack_client_version: `uint32_t dstack_client_version(const dstack_client *c, uint32_t timeout_ms, ${R}, ${E})`,
    dstack_client_gpu_info: `uint32_t dstack_client_gpu_info(const dstack_client *c, uint32_t timeout_ms, ${R}, ${E})`,
    dstack_client_sign: `uint32_t dstack_client_sign(const dstack_client *c, ${B('algorithm')}, ${B('data')}, uint32_t timeout_ms, ${R}, ${E})`,
    dstack_client_verify: `uint32_t dstack_client_verify(const dstack_client *c, ${B('algorithm')}, ${B('data')}, ${B('signature')}, ${B('public_key')}, uint32_t timeout_ms, _Out_ bool *out_valid, ${E})`,
    dstack_client_emit_event: `uint32_t dstack_client_emit_event(const dstack_client *c, ${B('event')}, ${B('payload')}, uint32_t timeout_ms, ${E})`,
    dstack_client_is_reachable: `uint32_t dstack_client_is_reachable(const dstack_client *c, uint32_t timeout_ms, _Out_ bool *out_reachable, ${E})`,

    dstack_tappd_client_new: `uint32_t dstack_tappd_client_new(${B('endpoint')}, _Out_ dstack_tappd_client **out_client, ${E})`,
    dstack_tappd_client_set_timeout_ms: `uint32_t dstack_tappd_client_set_timeout_ms(dstack_tappd_client *c, uint32_t timeout_ms, ${E})`,
    dstack_tappd_client_endpoint: 'dstack_slice dstack_tappd_client_endpoint(const dstack_tappd_client *c)',
    dstack_tappd_client_free: 'void dstack_tappd_client_free(dstack_tappd_client *c)',
    dstack_tappd_client_derive_key: `uint32_t dstack_tappd_client_derive_key(const dstack_tappd_client *c, ${B('path')}, ${B('subject')}, const dstack_slice *alt_names, size_t alt_names_count, uint32_t flags, uint32_t timeout_ms, ${R}, ${E})`,
    dstack_tappd_client_derive_k256_key: `uint32_t dstack_tappd_client_derive_k256_key(const dstack_tappd_client *c, ${B('path')}, ${B('purpose')}, uint32_t timeout_ms, ${R}, ${E})`,
    dstack_tappd_client_tdx_quote: `uint32_t dstack_tappd_client_tdx_quote(const dstack_tappd_client *c, ${B('report_data')}, ${B('hash_algorithm')}, ${B('prefix')}, uint32_t timeout_ms, ${R}, ${E})`,
    dstack_tappd_client_raw_quote: `uint32_t dstack_tappd_client_raw_quote(const dstack_tappd_client *c, ${B('report_data')}, uint32_t timeout_ms, ${R}, ${E})`,
    dstack_tappd_client_info: `uint32_t dstack_tappd_client_info(const dstack_tappd_client *c, uint32_t timeout_ms, ${R}, ${E})`,
    dstack_tappd_client_version: `uint32_t dstack_tappd_client_version(const dstack_tappd_client *c, uint32_t timeout_ms, ${R}, ${E})`,
    dstack_tappd_client_is_reachable: `uint32_t dstack_tappd_client_is_reachable(const dstack_tappd_client *c, uint32_t timeout_ms, _Out_ bool *out_reachable, ${E})`,

    dstack_response_get: `uint32_t dstack_response_get(const dstack_response *r, uint32_t field, _Out_ dstack_slice *out_value, ${E})`,
    dstack_response_count: `uint32_t dstack_response_count(const dstack_response *r, uint32_t field, _Out_ size_t *out_count, ${E})`,
    dstack_response_item: `uint32_t dstack_response_item(const dstack_response *r, uint32_t field, size_t index, _Out_ dstack_slice *out_value, ${E})`,
    dstack_response_u64: `uint32_t dstack_response_u64(const dstack_response *r, uint32_t field, _Out_ uint64_t *out_value, ${E})`,
    dstack_response_body: 'dstack_slice dstack_response_body(const dstack_response *r)',
    dstack_response_free: 'void dstack_response_free(dstack_response *r)',

    dstack_quote_parse: `uint32_t dstack_quote_parse(${B('quote')}, ${R}, ${E})`,
    dstack_event_log_parse: `uint32_t dstack_event_log_parse(${B('json')}, _Out_ dstack_event_log **out_log, ${E})`,
    dstack_event_log_count: 'size_t dstack_event_log_count(const dstack_event_log *l)',
    dstack_event_log_get: `uint32_t dstack_event_log_get(const dstack_event_log *l, size_t index, _Out_ dstack_event *out_event, ${E})`,
    dstack_event_log_free: 'void dstack_event_log_free(dstack_event_log *l)',
    dstack_replay_rtmrs: `uint32_t dstack_replay_rtmrs(${B('event_log_json')}, uint8_t *out_rtmrs, ${E})`,
    dstack_replay_rtmrs_from_digests: `uint32_t dstack_replay_rtmrs_from_digests(${B('event_log_json')}, uint8_t *out_rtmrs, ${E})`,
    dstack_verify_event_log: `uint32_t dstack_verify_event_log(${B('quote')}, ${B('event_log_json')}, ${B('expected_report_data')}, ${E})`,

    dstack_verify_signature_chain: `uint32_t dstack_verify_signature_chain(${B('public_key')}, ${B('purpose')}, ${B('app_signature')}, ${B('kms_signature')}, ${B('app_id')}, ${B('trusted_kms_key')}, uint8_t *out_app_key, uint8_t *out_kms_key, ${E})`,

    dstack_encrypt_env_vars: `uint32_t dstack_encrypt_env_vars(const dstack_slice *keys, const dstack_slice *values, size_t count, ${B('public_key_hex')}, uint8_t *out_hex, size_t out_cap, _Out_ size_t *out_len, ${E})`,
    dstack_verify_env_encrypt_public_key: `uint32_t dstack_verify_env_encrypt_public_key(${B('public_key')}, ${B('signature')}, ${B('app_id_hex')}, uint64_t timestamp, uint64_t now, uint64_t max_age_seconds, const uint8_t *trusted_keys, size_t trusted_keys_count, uint8_t *out_signer, ${E})`,
    dstack_verify_env_encrypt_public_key_legacy: `uint32_t dstack_verify_env_encrypt_public_key_legacy(${B('public_key')}, ${B('signature')}, ${B('app_id_hex')}, const uint8_t *trusted_keys, size_t trusted_keys_count, uint8_t *out_signer, ${E})`,
    dstack_unix_time: 'uint64_t dstack_unix_time(void)',
    dstack_compose_hash: `uint32_t dstack_compose_hash(${B('app_compose_json')}, bool normalize, uint8_t *out_hash, ${E})`,
    dstack_compose_canonical_json: `uint32_t dstack_compose_canonical_json(${B('app_compose_json')}, bool normalize, uint8_t *out, size_t out_cap, _Out_ size_t *out_len, ${E})`,
    dstack_compose_hash_raw: `uint32_t dstack_compose_hash_raw(${B('app_compose_bytes')}, uint8_t *out_hash, ${E})`,

    dstack_tls_key_as_uint8array: `uint32_t dstack_tls_key_as_uint8array(${B('pem')}, int64_t max_length, uint8_t *out, size_t out_cap, _Out_ size_t *out_len, ${E})`,
    dstack_tls_key_secure_seed: `uint32_t dstack_tls_key_secure_seed(${B('pem')}, uint8_t *out_seed, ${E})`,
    dstack_ethereum_address: `uint32_t dstack_ethereum_address(const uint8_t *secret_key, uint8_t *out_address, ${E})`,
    dstack_secp256k1_public_key: `uint32_t dstack_secp256k1_public_key(const uint8_t *secret_key, bool compressed, uint8_t *out, size_t out_cap, _Out_ size_t *out_len, ${E})`,
    dstack_solana_keypair: `uint32_t dstack_solana_keypair(const uint8_t *seed, uint8_t *out_secret_key, uint8_t *out_public_key_b58, size_t out_cap, _Out_ size_t *out_len, ${E})`,
    dstack_ed25519_verify: `uint32_t dstack_ed25519_verify(const uint8_t *public_key, ${B('message')}, const uint8_t *signature, _Out_ bool *out_valid, ${E})`,
    dstack_verify_signature: `uint32_t dstack_verify_signature(${B('algorithm')}, ${B('data')}, ${B('signature')}, ${B('public_key')}, _Out_ bool *out_valid, ${E})`,
    dstack_tappd_report_data: `uint32_t dstack_tappd_report_data(${B('report_data')}, ${B('hash_algorithm')}, ${B('prefix')}, uint8_t *out_report_data, ${E})`,
  }
  const fns = {}
  const missing = []
  for (const [name, sig] of Object.entries(sigs)) {
    try {
      fns[name] = lib.func(sig)
    } catch {
      missing.push(name)
    }
  }
  return { fns, missing }
}

/** "0.1" of "0.1.0": libdstack keeps its C ABI within one major.minor series. */
function series(version) {
  const m = /^(\d+)\.(\d+)\./.exec(version || '')
  return m ? `${m[1]}.${m[2]}` : null
}

/**
 * Load libdstack once and return `{ koffi, fns, path, version }`.
 * Every export is bound here and the library's `dstack_version()` must be in the
 * package's own major.minor series; otherwise this throws one Error naming the library
 * path, its version and the expected one.
 */
function native() {
  if (cached) return cached
  const koffi = require('koffi')
  const { path: libPath, candidates } = findLibrary()
  const expected = `libdstack ${series(EXPECTED_VERSION)}.x (package ${EXPECTED_VERSION})`
  const loadError = (what, cause) => {
    const err = new Error(
      `${what}; this binding needs ${expected}. ` +
        'Build it with `cargo build --release -p dstack-ffi` or set LIBDSTACK_PATH.'
    )
    if (cause) err.cause = cause
    return err
  }
  let lib
  try {
    lib = koffi.load(libPath)
  } catch (e) {
    throw loadError(`cannot load libdstack (tried ${candidates.join(', ')}): ${e.message}`, e)
  }
  const { fns, missing } = declare(koffi, lib)
  const version = fns.dstack_version ? fns.dstack_version() : null
  if (!version) throw loadError(`${libPath} is not libdstack (no dstack_version)`)
  if (series(version) !== series(EXPECTED_VERSION)) throw loadError(`${libPath} is libdstack ${version}`)
  if (missing.length) throw loadError(`${libPath} is libdstack ${version} but lacks ${missing.join(', ')}`)
  cached = { koffi, fns, path: libPath, version }
  return cached
}

module.exports = { native }
