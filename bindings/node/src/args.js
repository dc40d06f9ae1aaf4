'use strict'
// Checks of public arguments that are not byte strings (those are ffi.bytes/hexOrBytes):
// integers against the range of the C type they end up in, booleans, option objects, lists.
// Every failure is a DstackError with status INVALID_ARGUMENT naming the argument, what it
// must be and what it got; nothing invalid reaches the addon or libdstack (which check again).

const { DstackError, Status } = require('./errors')

const U32_MAX = 0xffffffff
const U64_MAX = (1n << 64n) - 1n

/** A short description of a value for error messages; never echoes string contents. */
function describe(v) {
  if (v === null) return 'null'
  switch (typeof v) {
    case 'undefined': return 'undefined'
    case 'number': return Number.isNaN(v) ? 'NaN' : String(v)
    case 'bigint': return `${v}n`
    case 'boolean': return String(v)
    case 'string': return `a string (${v.length} ${v.length === 1 ? 'character' : 'characters'})`
    case 'symbol': return 'a symbol'
    case 'function': return 'a function'
    default:
      if (Buffer.isBuffer(v)) return `a Buffer (${v.length} bytes)`
      if (Array.isArray(v)) return `an array (${v.length} items)`
      if (ArrayBuffer.isView(v)) return `a ${v.constructor && v.constructor.name ? v.constructor.name : 'typed array'} (${v.byteLength} bytes)`
      return 'an object'
  }
}

function invalid(message) {
  return new DstackError(Status.INVALID_ARGUMENT, message)
}

function absent(v) {
  return v === undefined || v === null
}

/**
 * An integer in `[min, max]` (Numbers within ±(2^53 - 1)), given as a Number or a BigInt;
 * returns a Number. `unit` is appended to the message, e.g. "milliseconds".
 */
function integer(value, what, min, max, unit) {
  const isInt = (typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint'
  if (isInt && value >= min && value <= max) return Number(value)
  throw invalid(`${what} must be an integer from ${min} to ${max}${unit ? ` (${unit})` : ''}, got ${describe(value)}`)
}

/** A uint32_t of the C ABI, at least `min` (default 0). */
function u32(value, what, { min = 0, unit } = {}) {
  return integer(value, what, min, U32_MAX, unit)
}

/**
 * A uint64_t of the C ABI, at least `min` (default 0), as a BigInt. Numbers must be safe
 * integers (beyond 2^53 - 1 a Number no longer holds every integer, so the value the caller
 * meant may already be lost): pass a BigInt for larger values.
 */
function u64(value, what, { min = 0n, unit } = {}) {
  const range = `an integer from ${min} to ${U64_MAX}${unit ? ` (${unit})` : ''}, as a number or a bigint`
  let b
  if (typeof value === 'bigint') {
    b = value
  } else if (typeof value === 'number' && Number.isInteger(value)) {
    if (!Number.isSafeInteger(value)) {
      throw invalid(`${what} must be ${range}, got ${describe(value)}: a number above 2^53 - 1 is not exact, pass a bigint instead`)
    }
    b = BigInt(value)
  } else {
    throw invalid(`${what} must be ${range}, got ${describe(value)}`)
  }
  if (b < min || b > U64_MAX) throw invalid(`${what} must be ${range}, got ${describe(value)}`)
  return b
}

/** A boolean option; undefined or null give `fallback`. */
function bool(value, what, fallback) {
  if (absent(value)) return fallback
  if (typeof value !== 'boolean') throw invalid(`${what} must be a boolean, got ${describe(value)}`)
  return value
}

/** An options object; undefined or null give `{}`. */
function options(value, what = 'options') {
  if (absent(value)) return {}
  if (typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    throw invalid(`${what} must be an object, got ${describe(value)}`)
  }
  return value
}

/** An array argument; undefined or null give `[]`. */
function list(value, what) {
  if (absent(value)) return []
  if (!Array.isArray(value)) throw invalid(`${what} must be an array, got ${describe(value)}`)
  return value
}

module.exports = { describe, integer, u32, u64, bool, options, list, absent, U32_MAX, U64_MAX }
