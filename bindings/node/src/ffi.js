'use strict'
// Calling conventions shared by every module: argument conversion to bytes, synchronous
// calls, blocking calls through the admission queue, and reading response handles. The addon
// (src/loader.js) does the C side: each wrapper takes byte views and integers, checks them
// against the C types, copies outputs into JS once and throws DstackError on failure.

const { native } = require('./loader')
const { Field } = require('./abi')
const { DstackError, Status } = require('./errors')
const { Admission, concurrencyLimit, threadPoolSize } = require('./admission')
const { describe } = require('./args')

/** How the addon hands back byte outputs (its trailing `format` argument). */
const Format = Object.freeze({ BYTES: 0, UTF8: 1, HEX: 2 })

const EMPTY = Buffer.alloc(0)

/**
 * Bytes for a C `(ptr, len)` input. Strings are UTF-8 (as the official SDK's `to_hex`
 * does: a string is never hex-decoded), byte arrays are passed through without copying.
 */
function bytes(value, what = 'argument') {
  if (value === undefined || value === null) return EMPTY
  if (typeof value === 'string') {
    // A lone UTF-16 surrogate has no UTF-8 form; encoding would silently turn it into U+FFFD.
    if (typeof value.isWellFormed === 'function' && !value.isWellFormed()) {
      throw new DstackError(Status.INVALID_ARGUMENT, `${what} contains a lone UTF-16 surrogate (not valid Unicode)`)
    }
    return Buffer.from(value, 'utf8')
  }
  if (Buffer.isBuffer(value)) return value
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  if (value instanceof ArrayBuffer) return Buffer.from(value)
  throw new DstackError(Status.INVALID_ARGUMENT, `${what} must be a string, Buffer or Uint8Array, got ${describe(value)}`)
}

/** Hex text (optional 0x/0X) or bytes → Buffer; a clear error for bad hex. */
function hexOrBytes(value, what, expectedLen) {
  let out
  if (typeof value === 'string') {
    const h = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value
    if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) {
      throw new DstackError(Status.INVALID_HEX, `${what} is not valid hex`)
    }
    out = Buffer.from(h, 'hex')
  } else {
    out = Buffer.from(bytes(value, what)) // copy: the caller may mutate theirs
  }
  if (expectedLen !== undefined && out.length !== expectedLen) {
    throw new DstackError(Status.INVALID_ARGUMENT, `${what} must be ${expectedLen} bytes, got ${out.length}`)
  }
  return out
}

/** The addon's functions (loads it on first use). */
function lib() {
  return native().lib
}

/** Call an addon function synchronously; it returns the outputs or throws a DstackError. */
function callSync(name, ...args) {
  return native().lib[name](...args)
}

let gate = null

/**
 * The process-wide admission gate of asynchronous calls (src/admission.js): two per libuv
 * thread. The addon itself has no per-process limit.
 */
function admission() {
  if (gate) return gate
  gate = new Admission(concurrencyLimit(threadPoolSize()))
  return gate
}

/**
 * A blocking addon function, run on the libuv thread pool; resolves to its outputs. Any
 * number of calls may be pending: at most `admission().limit` run at once, the others wait
 * in FIFO order (holding only their JS arguments; the addon copies inputs when a call starts).
 */
function callAsync(name, ...args) {
  const fn = native().lib[name]
  const g = gate || admission()
  return new Promise((resolve, reject) => {
    g.admit(() => {
      fn(...args).then(
        (v) => { g.release(); resolve(v) },
        (e) => { g.release(); reject(e) })
    }, reject)
  })
}

/** The value of a lookup, or undefined when the response lacks the field (NOT_FOUND). */
function lookup(call) {
  try {
    return call()
  } catch (e) {
    if (e instanceof DstackError && e.status === Status.NOT_FOUND) return undefined
    throw e
  }
}

/**
 * Read-only view over a dstack_response handle. Only used between the call that produced the
 * handle and its free; every accessor copies, so nothing outlives the handle.
 */
class ResponseReader {
  constructor(handle) {
    this.handle = handle
    this.lib = native().lib
  }

  _get(field, format) {
    return lookup(() => this.lib.dstack_response_get(this.handle, field, format))
  }

  /** A plain Uint8Array. */
  bytes(field) {
    return this._get(field, Format.BYTES)
  }

  text(field) {
    return this._get(field, Format.UTF8)
  }

  hex(field) {
    return this._get(field, Format.HEX)
  }

  /** Every item of a list field (Uint8Arrays, or strings with `asText`), in one addon call. */
  list(field, asText = false) {
    return lookup(() => this.lib.dstack_response_item_all(this.handle, field, asText ? Format.UTF8 : Format.BYTES))
  }

  u64(field) {
    return lookup(() => this.lib.dstack_response_u64(this.handle, field))
  }
}

/** Run `read(reader)` over a response handle and always free it, even when `read` throws. */
function withResponse(handle, read) {
  try {
    return read(new ResponseReader(handle))
  } finally {
    native().lib.dstack_response_free(handle)
  }
}

/** Byte strings (for a `dstack_slice` array argument); the Buffers stay referenced by the call. */
function byteList(values, what) {
  return values.map((v) => bytes(v, what))
}

module.exports = {
  Field,
  Format,
  bytes,
  hexOrBytes,
  byteList,
  lib,
  callSync,
  callAsync,
  admission,
  withResponse,
}
