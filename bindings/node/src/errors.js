'use strict'

/** libdstack status codes (ffi/ABI.md). Values are never renumbered. */
const Status = Object.freeze({
  OK: 0,
  NULL_ARGUMENT: 1,
  INVALID_ARGUMENT: 2,
  INVALID_HEX: 3,
  BUFFER_TOO_SMALL: 4,
  NOT_FOUND: 5,
  NO_AGENT: 10,
  TIMEOUT: 11,
  IO: 12,
  MALFORMED_HTTP: 13,
  RESPONSE_TOO_LARGE: 14,
  HTTP_STATUS: 15,
  AGENT_ERROR: 16,
  MALFORMED_RESPONSE: 17,
  UNSUPPORTED: 18,
  VERIFICATION_FAILED: 20,
  EXPIRED: 21,
  CRYPTO: 22,
  LIMIT_EXCEEDED: 23,
  RNG: 24,
  PANIC: 99,
})

const NAMES = Object.fromEntries(Object.entries(Status).map(([k, v]) => [v, k]))

/**
 * Every failure of this package is a DstackError: agent errors, transport errors, bad input
 * and failed verifications alike. `status` is the libdstack status code (see `Status`),
 * `code` its name (`'AGENT_ERROR'`, `'TIMEOUT'`, …) and `message` the library's text, which
 * for AGENT_ERROR is the agent's own `{"error": …}` message.
 */
class DstackError extends Error {
  constructor(status, message) {
    super(message)
    this.name = 'DstackError'
    this.status = status
    this.code = NAMES[status] || `STATUS_${status}`
  }
}

module.exports = { DstackError, Status }
