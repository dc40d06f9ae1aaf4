'use strict'
// FIFO admission in front of the native library's asynchronous calls.
//
// Every blocking libdstack call runs on a libuv worker thread (the addon's
// napi_create_async_work). Node-API has no per-process limit on such calls (koffi, used
// before, refused more than 256), but calls beyond the libuv pool size only wait in libuv's
// queue: there each holds its copy of the inputs (up to the agent's 10 MiB body) and delays
// every other libuv user queued behind it (fs, dns, crypto, zlib). So at most `limit` calls
// are handed to the addon at once; the rest wait here, in submission order, holding only
// their JS arguments, and start as earlier ones finish.

const DEFAULT_POOL = 4 // libuv's default thread pool size
const MAX_POOL = 1024 // libuv's upper bound for UV_THREADPOOL_SIZE

/** The libuv thread pool size that `UV_THREADPOOL_SIZE` selects (libuv: unset → 4, 0 → 1, capped at 1024). */
function threadPoolSize(env = process.env.UV_THREADPOOL_SIZE) {
  if (env === undefined || env === '') return DEFAULT_POOL
  const n = Number.parseInt(env, 10)
  if (!Number.isFinite(n)) return DEFAULT_POOL
  return Math.min(Math.max(n, 1), MAX_POOL)
}

/**
 * How many calls to admit at once: two per libuv thread, so that every thread finds its next
 * call already queued when one finishes (no idle gap while the main thread hands over the
 * next), and no more, since further calls could only wait in libuv's queue, holding their
 * input copies and delaying other libuv work. `backendMax` caps it at a quarter of a
 * backend's own per-process limit, for a backend that has one (the addon has none).
 */
function concurrencyLimit(poolSize = threadPoolSize(), backendMax = Infinity) {
  const cap = Math.max(1, Math.floor(backendMax / 4))
  return Math.max(1, Math.min(2 * poolSize, cap))
}

class Admission {
  /** @param {number} limit  calls admitted at once (a positive integer) */
  constructor(limit) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`admission limit must be a positive integer, got ${limit}`)
    this.limit = limit
    this.active = 0
    this._queue = [] // entries [start, fail]; consumed from _head
    this._head = 0
    this._draining = false
  }

  /** Calls waiting for a slot. */
  get queued() {
    return this._queue.length - this._head
  }

  /**
   * Run `start()` now if a slot is free and nobody is waiting, otherwise once the calls
   * admitted before it have made room (first come, first served). `start` begins the
   * asynchronous call and must make sure `release()` is called exactly once when that call
   * has finished, successfully or not. If `start` throws, its slot is released here and
   * `fail(error)` is called instead.
   */
  admit(start, fail) {
    if (this.active < this.limit && this._head === this._queue.length) {
      this.active++
      this._start(start, fail)
    } else {
      this._queue.push([start, fail])
    }
  }

  /** Give a slot back and start the next waiting calls. */
  release() {
    if (this.active <= 0) throw new Error('Admission.release() without a matching admit()')
    this.active--
    // A started call may finish (or throw) synchronously and release again from inside the
    // loop below; the flag keeps that from recursing, so the stack stays flat however many
    // calls are waiting.
    if (this._draining) return
    this._draining = true
    try {
      while (this.active < this.limit && this._head < this._queue.length) {
        const [start, fail] = this._queue[this._head]
        this._queue[this._head++] = undefined
        this.active++
        this._start(start, fail)
      }
    } finally {
      this._draining = false
      if (this._head === this._queue.length) {
        this._queue.length = 0
        this._head = 0
      } else if (this._head >= 1024 && this._head * 2 >= this._queue.length) {
        this._queue = this._queue.slice(this._head)
        this._head = 0
      }
    }
  }

  _start(start, fail) {
    try {
      start()
    } catch (e) {
      this.release()
      fail(e)
    }
  }
}

module.exports = { Admission, concurrencyLimit, threadPoolSize }
