'use strict'
// Ownership of one native client handle: released by close(), or, when the JS object is
// dropped without close(), by the addon's finalizer of the handle object (which calls the
// type's `_free` exactly once). A handle is never freed while a call on it is still running
// on a worker thread: the addon pins the handle for the duration of each call, and close()
// here waits for calls still queued for admission.

const { native } = require('./loader')
const { DstackError, Status } = require('./errors')

class NativeHandle {
  /**
   * @param handle  the addon's handle object
   * @param free    name of its `_free` function
   * @param owner   the JS object the handle belongs to (kept for its lifetime)
   */
  constructor(handle, free, owner) {
    this.handle = handle
    this.free = free
    // A running use() keeps this object reachable (its frame holds `this`), and through this
    // reference the owner too, while the call waits for admission or runs.
    Object.defineProperty(this, 'owner', { value: owner })
    this.inflight = 0
    this.closed = false
  }

  /** Run `fn(handle)` (which returns a Promise) with the handle kept until it settles. */
  async use(fn) {
    if (this.closed) throw new DstackError(Status.INVALID_ARGUMENT, 'client is closed')
    this.inflight++
    try {
      return await fn(this.handle)
    } finally {
      this.inflight--
      if (this.closed && this.inflight === 0) this._release()
    }
  }

  close() {
    if (this.closed) return
    this.closed = true
    if (this.inflight === 0) this._release()
  }

  _release() {
    if (this.handle) {
      native().lib[this.free](this.handle)
      this.handle = null
    }
  }
}

module.exports = { NativeHandle }
