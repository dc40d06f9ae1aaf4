'use strict'
// koffi reads include/dstack_decls.h as is: every type statement becomes a koffi type with
// its C spelling unchanged, and every function line goes to `lib.func(line)` unchanged.
// Then real calls, checked against independent facts (node:crypto, JSON.stringify).
//
//   node check_koffi.js LIBDSTACK        (koffi resolved through NODE_PATH)

const fs = require('node:fs')
const path = require('node:path')
const crypto = require('node:crypto')
const koffi = require('koffi')

const root = path.resolve(__dirname, '..', '..')
const abi = JSON.parse(fs.readFileSync(path.join(root, 'include', 'dstack.abi.json'), 'utf8'))
const text = fs.readFileSync(path.join(root, 'include', 'dstack_decls.h'), 'utf8')
let checks = 0
function check(cond, what) {
  if (!cond) {
    console.error(`check_koffi: FAILED: ${what}`)
    process.exit(1)
  }
  checks++
}

// Statements: comments dropped, split at `;` outside braces.
const statements = []
{
  const body = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '')
  let depth = 0
  let cur = ''
  for (const ch of body) {
    if (ch === '{') depth++
    if (ch === '}') depth--
    if (ch === ';' && depth === 0) {
      if (cur.trim()) statements.push(cur.trim())
      cur = ''
    } else cur += ch
  }
  check(!cur.trim(), 'the file ends with a complete statement')
}

const lib = koffi.load(process.argv[2])
const constants = {}
const fns = {}
for (const st of statements) {
  let m
  if ((m = /^enum\s*(\w*)\s*\{([\s\S]*)\}$/.exec(st))) {
    // koffi has no enums: read the values to compare them below.
    for (const item of m[2].split(',')) {
      const e = /^\s*(\w+)\s*=\s*(\d+)\s*$/.exec(item)
      if (e) constants[e[1]] = Number(e[2])
      else check(!item.trim(), `enumerator "${item}"`)
    }
  } else if ((m = /^typedef struct (\w+) (\w+)$/.exec(st)) && m[1] === m[2]) {
    koffi.opaque(m[1])
  } else if ((m = /^typedef struct (\w+) \{([\s\S]*)\} (\w+)$/.exec(st))) {
    const fields = {}
    for (const decl of m[2].split(';').map((s) => s.trim()).filter(Boolean)) {
      const f = /^(.*?)\s*(\w+)$/.exec(decl)
      fields[f[2]] = f[1] // the C type exactly as written
    }
    koffi.struct(m[1], fields)
  } else if ((m = /^typedef (\w+) (\w+)$/.exec(st))) {
    koffi.alias(m[2], m[1])
  } else {
    const name = /(\w+)\s*\(/.exec(st)[1]
    fns[name] = lib.func(st + ';') // the line as is
  }
}
check(Object.keys(fns).length === abi.functions.length, `${Object.keys(fns).length} prototypes parsed`)
for (const c of abi.constants) {
  if (typeof c.value === 'number') check(constants[c.name] === c.value, `${c.name} = ${c.value}`)
}

check(fns.dstack_version() === abi.version, 'dstack_version()')

const raw = Buffer.from('{"services":{}}')
const hash = Buffer.alloc(32)
check(fns.dstack_compose_hash_raw(raw, raw.length, hash, null) === constants.DSTACK_STATUS_OK, 'compose_hash_raw')
check(hash.equals(crypto.createHash('sha256').update(raw).digest()), 'compose_hash_raw = sha256')

// size_t *out_json_len without _Out_: a typed array is the pointed-to memory.
const doc = Buffer.from('{"b":[1,2],"a":{"d":null,"c":"x"}}')
const expected = Buffer.from('{"a":{"c":"x","d":null},"b":[1,2]}')
const len = new BigUint64Array(1)
let st = fns.dstack_compose_canonical_json(doc, doc.length, false, null, 0, len, null)
check(st === constants.DSTACK_STATUS_BUFFER_TOO_SMALL && Number(len[0]) === expected.length, 'needed size')
const out = Buffer.alloc(Number(len[0]))
st = fns.dstack_compose_canonical_json(doc, doc.length, false, out, out.length, len, null)
check(st === constants.DSTACK_STATUS_OK && out.equals(expected), 'canonical JSON')

// dstack_error **out_error without _Out_: 8 bytes the library writes a pointer into.
const errp = Buffer.alloc(8)
st = fns.dstack_compose_hash(Buffer.from('{'), 1, false, hash, errp)
check(st === constants.DSTACK_STATUS_INVALID_ARGUMENT, 'not JSON gives INVALID_ARGUMENT')
const err = koffi.decode(errp, 'uint64_t') // an address koffi accepts for a pointer parameter
check(fns.dstack_error_status(err) === st, 'dstack_error_status')
const msg = fns.dstack_error_message(err)
check(Number(msg.len) > 0 && Buffer.from(koffi.decode(msg.ptr, 'uint8_t', Number(msg.len))).length > 0, 'message')
fns.dstack_error_free(err)

console.log(`koffi: dstack_decls.h taken as is (${Object.keys(fns).length} prototypes); ${checks} checks passed`)
