'use strict'
// The generated Node glue binds every export: the addon built from
// bindings/node/addon/dstack_gen.c has a wrapper for each function of
// include/dstack.abi.json (except the error type's own, which the wrappers read), the
// generated bindings/node/src/abi.js lists exactly those, and calls through the wrappers work,
// checked against node:crypto and JSON.
//
//   node check_abi_js.js DSTACK_NODE      (an addon built by bindings/node/build-addon.sh)

const fs = require('node:fs')
const path = require('node:path')
const crypto = require('node:crypto')

const root = path.resolve(__dirname, '..', '..')
const abi = require(path.join(root, 'bindings', 'node', 'src', 'abi.js'))
const model = JSON.parse(fs.readFileSync(path.join(root, 'include', 'dstack.abi.json'), 'utf8'))

let checks = 0
function check(cond, what) {
  if (!cond) {
    console.error(`check_abi_js: FAILED: ${what}`)
    process.exit(1)
  }
  checks++
}

const mod = { exports: {} }
process.dlopen(mod, path.resolve(process.argv[2]))
const lib = mod.exports
check(lib.dstack_version() === abi.HEADER_VERSION && lib.headerVersion === abi.HEADER_VERSION, 'dstack_version()')
check(lib.abiFingerprint === abi.ADDON_FINGERPRINT, 'the addon and abi.js come from the same description')

const errorFns = model.functions.filter((f) => f.params.some((p) => p.role === 'handle' && p.type === 'dstack_error'))
const wrapped = model.functions.filter((f) => !errorFns.includes(f)).map((f) => f.name)
for (const name of wrapped) {
  check(abi.ADDON_FUNCTIONS[name] && typeof lib[name] === 'function', `wrapper of ${name}`)
  check(!!abi.ADDON_FUNCTIONS[name].async === model.functions.find((f) => f.name === name).blocking, `${name}: async iff blocking`)
}
for (const name of Object.keys(abi.ADDON_FUNCTIONS)) {
  check(wrapped.includes(name) || wrapped.includes(name.replace(/_all$/, '')), `${name} belongs to an export`)
}
check(errorFns.length === 3 && errorFns.every((f) => !(f.name in lib)), 'dstack_error_* stay inside the addon')

const raw = Buffer.from('abc')
check(lib.dstack_compose_hash_raw(raw, lib.format.hex) === crypto.createHash('sha256').update(raw).digest('hex'), 'fixed output, hex')
// Capacity hint 1: the wrapper retries with the size BUFFER_TOO_SMALL reported.
check(lib.dstack_compose_canonical_json(Buffer.from('{"b":1,"a":2}'), false, 1, lib.format.utf8) === '{"a":2,"b":1}', 'output buffer grown once')
try {
  lib.dstack_compose_hash(Buffer.from('{'), false)
  check(false, 'malformed JSON is refused')
} catch (e) {
  check(e.status === abi.Status.INVALID_ARGUMENT && e.message.length > 0, 'the error out: status and message')
}
try {
  lib.dstack_status_message(2 ** 32)
  check(false, 'uint32 range')
} catch (e) {
  check(e.status === abi.Status.INVALID_ARGUMENT && /uint32_t/.test(e.message), 'values are range-checked')
}

const log = Buffer.from(JSON.stringify([{ imr: 2, event_type: 1, digest: '00'.repeat(48), event: 'x', event_payload: 'ab' }]))
const handle = lib.dstack_event_log_parse(log)
check(lib.dstack_event_log_count(handle) === 1, 'handle, size_t result')
const ev = lib.dstack_event_log_get(handle, 0, { event: lib.format.utf8 })
check(ev.imr === 2 && ev.digest.length === 48 && ev.event === 'x', 'out_struct fields')
check(JSON.stringify(lib.dstack_event_log_get_all(handle, { event: lib.format.utf8 })) === JSON.stringify([ev]), 'X_get_all')
lib.dstack_event_log_free(handle)
lib.dstack_event_log_free(handle) // a second free is a no-op
try {
  lib.dstack_event_log_count(handle)
  check(false, 'a freed handle is refused')
} catch (e) {
  check(/already freed/.test(e.message), 'a freed handle is refused')
}

check(abi.FIELD_KINDS.KEY === 'bytes_or_text' && abi.KeyFlags.TAPPD_RANDOM_SEED === 16, 'constants')
console.log(`abi.js / dstack_gen.c: ${Object.keys(abi.ADDON_FUNCTIONS).length} addon functions for ${wrapped.length} exports; ${checks} checks passed`)
