'use strict'
// Calling conventions shared by every module: argument conversion, error handles,
// copying borrowed C memory into JS, and running blocking calls on koffi's worker threads.

const { native } = require('./loader')
const { DstackError, Status } = require('./errors')
const { Admission, concurrencyLimit, threadPoolSize } = require('./admission')
const { describe } = require('./args')

/** dstack_field values (ffi/ABI.md); never renumbered. */
const Field = Object.freeze({
  KEY: 1, SIGNATURE_CHAIN: 2, CERTIFICATE_CHAIN: 3, QUOTE: 4, EVENT_LOG: 5, REPORT_DATA: 6,
  VM_CONFIG: 7, ATTESTATION: 8, APP_ID: 9, INSTANCE_ID: 10, APP_CERT: 11, TCB_INFO: 12,
  APP_NAME: 13, DEVICE_ID: 14, MR_AGGREGATED: 15, OS_IMAGE_HASH: 16, KEY_PROVIDER_INFO: 17,
  COMPOSE_HASH: 18, CLOUD_VENDOR: 19, CLOUD_PRODUCT: 20, MRTD: 21, RTMR0: 22, RTMR1: 23,
  RTMR2: 24, RTMR3: 25, APP_COMPOSE: 26, TCB_EVENT_LOG: 27, SIGNATURE: 28, PUBLIC_KEY: 29,
  VALID: 30, VERSION: 31, REV: 32, HASH_ALGORITHM: 33, PREFIX: 34, QUOTE_VERSION: 35,
  TEE_TYPE: 36, PURPOSE: 37, ALGORITHM: 38,
})

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

/** Copy a borrowed dstack_slice out of C memory. */
function copySlice(slice) {
  const len = Number(slice.len)
  if (!slice.ptr || len === 0) return new Uint8Array(0)
  const { koffi } = native()
  return new Uint8Array(koffi.view(slice.ptr, len)).slice()
}

function sliceText(slice) {
  return Buffer.from(copySlice(slice)).toString('utf8')
}

/** Turn a `dstack_error *` into a DstackError and free the handle. */
function takeError(status, errPtr) {
  const { fns } = native()
  if (!errPtr) {
    return new DstackError(status, fns.dstack_status_message(status) || `libdstack status ${status}`)
  }
  try {
    const st = fns.dstack_error_status(errPtr)
    const msg = sliceText(fns.dstack_error_message(errPtr))
    return new DstackError(st || status, msg || fns.dstack_status_message(status))
  } finally {
    fns.dstack_error_free(errPtr)
  }
}

/**
 * Call a fallible C function synchronously. `args` excludes the trailing out_error,
 * which is added here. Returns nothing; results come through the caller's out arrays.
 */
function callSync(name, ...args) {
  const { fns } = native()
  const err = [null]
  const st = fns[name](...args, err)
  if (st !== Status.OK) throw takeError(st, err[0])
  return st
}

let gate = null

/** The process-wide admission gate of asynchronous calls (src/admission.js). */
function admission() {
  if (gate) return gate
  const { koffi } = native()
  gate = new Admission(concurrencyLimit(threadPoolSize(), koffi.config().max_async_calls))
  return gate
}

/**
 * The same on a koffi worker thread; resolves when the call returns. Any number of calls
 * may be pending: at most `admission().limit` run at once, the others wait in FIFO order.
 */
function callAsync(name, ...args) {
  const fn = native().fns[name]
  const g = gate || admission()
  const err = [null]
  return new Promise((resolve, reject) => {
    g.admit(() => {
      fn.async(...args, err, (e, st) => {
        g.release()
        if (e) return reject(e)
        if (st !== Status.OK) return reject(takeError(st, err[0]))
        resolve(st)
      })
    }, reject)
  })
}

/**
 * Read-only view over a dstack_response. Only used between the call that produced the
 * handle and `free()`; every accessor copies, so nothing outlives the handle.
 */
class ResponseReader {
  constructor(ptr) {
    this.ptr = ptr
  }

  /**
   * Call a `dstack_response_*` accessor (the out_error is added here). False when the
   * response lacks the field (NOT_FOUND), true on success; throws on any other failure.
   */
  _lookup(name, ...args) {
    const { fns } = native()
    const err = [null]
    const st = fns[name](this.ptr, ...args, err)
    if (st === Status.NOT_FOUND) {
      if (err[0]) fns.dstack_error_free(err[0])
      return false
    }
    if (st !== Status.OK) throw takeError(st, err[0])
    return true
  }

  _get(field) {
    const out = {}
    return this._lookup('dstack_response_get', field, out) ? out : undefined
  }

  bytes(field) {
    const s = this._get(field)
    return s === undefined ? undefined : copySlice(s)
  }

  text(field) {
    const s = this._get(field)
    return s === undefined ? undefined : sliceText(s)
  }

  hex(field) {
    const b = this.bytes(field)
    return b === undefined ? undefined : Buffer.from(b).toString('hex')
  }

  list(field, asText = false) {
    const count = [0]
    if (!this._lookup('dstack_response_count', field, count)) return undefined
    const items = []
    for (let i = 0; i < Number(count[0]); i++) {
      const out = {}
      callSync('dstack_response_item', this.ptr, field, i, out)
      items.push(asText ? sliceText(out) : copySlice(out))
    }
    return items
  }

  u64(field) {
    const out = [0]
    return this._lookup('dstack_response_u64', field, out) ? out[0] : undefined
  }

  /** The agent's JSON body, parsed. */
  json() {
    const { fns } = native()
    const text = sliceText(fns.dstack_response_body(this.ptr))
    try {
      return JSON.parse(text)
    } catch (e) {
      throw new DstackError(Status.MALFORMED_RESPONSE, `response body is not JSON: ${e.message}`)
    }
  }
}

/** Run `read(reader)` over a response handle and always free it, even when `read` throws. */
function withResponse(ptr, read) {
  const { fns } = native()
  try {
    return read(new ResponseReader(ptr))
  } finally {
    fns.dstack_response_free(ptr)
  }
}

/** Call an output-buffer function, growing the buffer once if the library asks for more. */
function callWithBuffer(name, before, after, initial = 256) {
  const { fns } = native()
  let cap = initial
  for (let attempt = 0; attempt < 2; attempt++) {
    const out = Buffer.alloc(cap)
    const len = [0]
    const err = [null]
    const st = fns[name](...before, out, cap, len, ...after, err)
    if (st === Status.OK) return out.subarray(0, Number(len[0]))
    if (st === Status.BUFFER_TOO_SMALL && attempt === 0) {
      if (err[0]) fns.dstack_error_free(err[0])
      cap = Number(len[0])
      continue
    }
    throw takeError(st, err[0])
  }
  throw new DstackError(Status.BUFFER_TOO_SMALL, `${name}: output size changed between calls`)
}

/** Build a C array of dstack_slice from strings; keeps the backing Buffers alive in `keep`. */
function sliceArray(values, keep, what) {
  return values.map((v) => {
    const b = bytes(v, what)
    keep.push(b)
    return { ptr: b.length ? b : null, len: b.length }
  })
}

module.exports = {
  Field,
  bytes,
  hexOrBytes,
  copySlice,
  sliceText,
  callSync,
  callAsync,
  admission,
  withResponse,
  callWithBuffer,
  sliceArray,
}
