'use strict'

const { Status, STATUS_NAMES } = require('./abi')

/**
 * Every failure of this package is a DstackError: agent errors, transport errors, bad input
 * and failed verifications alike. `status` is the libdstack status code (see `Status`, from
 * include/dstack.h through the generated src/abi.js), `code` its name (`'AGENT_ERROR'`,
 * `'TIMEOUT'`, …) and `message` the library's text, which for AGENT_ERROR is the agent's own
 * `{"error": …}` message.
 */
class DstackError extends Error {
  constructor(status, message) {
    super(message)
    this.name = 'DstackError'
    this.status = status
    this.code = STATUS_NAMES[status] || `STATUS_${status}`
  }
}

module.exports = { DstackError, Status }
