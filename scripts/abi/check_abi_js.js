'use strict'
// The generated Node module (bindings/node/src/abi.js) declares every export to koffi,
// with `_Out_` where koffi must copy a result back, and the calls work.
//
//   node check_abi_js.js LIBDSTACK        (koffi resolved through NODE_PATH)

const path = require('node:path')
const crypto = require('node:crypto')
const koffi = require('koffi')
const abi = require(path.resolve(__dirname, '..', '..', 'bindings', 'node', 'src', 'abi.js'))

let checks = 0
function check(cond, what) {
  if (!cond) {
    console.error(`check_abi_js: FAILED: ${what}`)
    process.exit(1)
  }
  checks++
}

const lib = koffi.load(process.argv[2])
abi.declareTypes(koffi)
const fns = {}
for (const [name, sig] of Object.entries(abi.SIGNATURES)) fns[name] = lib.func(sig)
check(fns.dstack_version() === abi.HEADER_VERSION, 'dstack_version()')

const raw = Buffer.from('abc')
const hash = Buffer.alloc(32)
check(fns.dstack_compose_hash_raw(raw, raw.length, hash, null) === abi.Status.OK, 'compose_hash_raw')
check(hash.equals(crypto.createHash('sha256').update(raw).digest()), 'compose_hash_raw = sha256')

const len = [0]
let st = fns.dstack_compose_canonical_json(Buffer.from('{"b":1,"a":2}'), 13, false, null, 0, len, null)
check(abi.STATUS_NAMES[st] === 'BUFFER_TOO_SMALL' && Number(len[0]) === 13, '_Out_ size_t *out_json_len')

const err = [null]
st = fns.dstack_compose_hash(Buffer.from('{'), 1, false, hash, err)
check(st === abi.Status.INVALID_ARGUMENT && err[0], '_Out_ dstack_error **out_error')
check(fns.dstack_error_status(err[0]) === st, 'dstack_error_status')
fns.dstack_error_free(err[0])

const log = Buffer.from(JSON.stringify([{ imr: 2, event_type: 1, digest: '00'.repeat(48), event: 'x', event_payload: '' }]))
const handle = [null]
check(fns.dstack_event_log_parse(log, log.length, handle, null) === abi.Status.OK, '_Out_ dstack_event_log **')
const ev = [{}]
check(fns.dstack_event_log_get(handle[0], 0, ev, null) === abi.Status.OK, '_Out_ dstack_event *')
check(ev[0].imr === 2 && Number(ev[0].digest.len) === 48, 'event fields')
fns.dstack_event_log_free(handle[0])

check(abi.FIELD_KINDS.KEY === 'bytes_or_text' && abi.KeyFlags.TAPPD_RANDOM_SEED === 16, 'constants')
console.log(`abi.js: ${Object.keys(fns).length} signatures bound; ${checks} checks passed`)
