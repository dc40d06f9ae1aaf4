'use strict'
// Key material stays out of util.inspect / console.log output. The objects stay plain data:
// property access and JSON.stringify still give the key (users serialise these on purpose);
// only the inspect view, attached as a non-enumerable symbol, shows a placeholder instead.

const util = require('node:util')

/** What util.inspect prints in place of a secret value. */
class Redacted {
  constructor(text) {
    this.text = text
  }

  [util.inspect.custom](depth, options) {
    return options.stylize(this.text, 'special')
  }
}

function placeholder(value) {
  if (typeof value === 'string') return new Redacted(`<redacted ${value.length} characters>`)
  if (ArrayBuffer.isView(value)) return new Redacted(`<redacted ${value.byteLength} bytes>`)
  return new Redacted('<redacted>')
}

/**
 * Make util.inspect show `obj` with the values of `fields` replaced by a placeholder such as
 * `<redacted 32 bytes>`; every other property is shown as before. Must be called before
 * `obj` is frozen. The hook is non-enumerable, so Object.keys, spreading and JSON are
 * unchanged. Returns `obj`.
 */
function redactFields(obj, fields) {
  Object.defineProperty(obj, util.inspect.custom, {
    value: () => {
      const view = {}
      for (const k of Object.keys(obj)) {
        const v = obj[k]
        view[k] = fields.includes(k) && v !== undefined && v !== null ? placeholder(v) : v
      }
      // Returned as an object, util.inspect formats it with the caller's depth, colours
      // and indentation.
      return view
    },
    enumerable: false,
  })
  return obj
}

module.exports = { redactFields }
