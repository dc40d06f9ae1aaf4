'use strict'
// Ownership of one native client handle: released by close(), or by the garbage collector
// through a FinalizationRegistry when the JS object is dropped without close(). A handle is
// never freed while a call on it is still running on a worker thread.

const { native } = require('./loader')
const { DstackError, Status } = require('./errors')

const registry = new FinalizationRegistry(({ ptr, free }) => {
  // Reached only when the owner is unreachable, hence no call can be in flight (see owner).
  native().fns[free](ptr)
})

class NativeHandle {
  constructor(ptr, free, owner) {
    this.ptr = ptr
    this.free = free
    // A running use() keeps this handle reachable (its frame holds `this`), and through this
    // reference the owner too, so the finalizer cannot free the native handle under a call
    // that is still running or waiting for admission. The owner ↔ handle cycle is collected
    // as usual once neither is reachable.
    Object.defineProperty(this, 'owner', { value: owner })
    this.inflight = 0
    this.closed = false
    this.token = {}
    registry.register(owner, { ptr, free }, this.token)
  }

  /** Run `fn(ptr)` (which returns a Promise) with the handle pinned until it settles. */
  async use(fn) {
    if (this.closed) throw new DstackError(Status.INVALID_ARGUMENT, 'client is closed')
    this.inflight++
    try {
      return await fn(this.ptr)
    } finally {
      this.inflight--
      if (this.closed && this.inflight === 0) this._release()
    }
  }

  close() {
    if (this.closed) return
    this.closed = true
    registry.unregister(this.token)
    if (this.inflight === 0) this._release()
  }

  _release() {
    if (this.ptr) {
      native().fns[this.free](this.ptr)
      this.ptr = null
    }
  }
}

module.exports = { NativeHandle }
