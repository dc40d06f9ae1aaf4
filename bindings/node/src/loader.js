'use strict'
// The one place that finds and loads the Node-API addon (dstack.node: libdstack linked in
// statically, plus wrappers generated from include/dstack.abi.json by scripts/abi/emit_napi.py).
// Everything else in the package calls through `native().lib`.

const fs = require('node:fs')
const path = require('node:path')
const abi = require('./abi')
const { DstackError } = require('./errors')

const PKG = path.resolve(__dirname, '..')
const EXPECTED_VERSION = require('../package.json').version

let cached = null

/** `linux-x64`: the prebuilds/ folder for this process. */
function platformKey(platform = process.platform, arch = process.arch) {
  return `${platform}-${arch}`
}

/**
 * Where the addon is looked for, in order: `$DSTACK_NODE_ADDON` alone when set; otherwise
 * the prebuilt one the npm package ships for this platform, then a build in this folder
 * (`bash bindings/node/build-addon.sh` in a checkout of the repository).
 */
function candidatePaths() {
  if (process.env.DSTACK_NODE_ADDON) return [process.env.DSTACK_NODE_ADDON]
  return [
    path.join(PKG, 'prebuilds', platformKey(), 'dstack.node'),
    path.join(PKG, 'build', 'dstack.node'),
  ]
}

/** "0.1" of "0.1.0": libdstack keeps its C ABI within one major.minor series. */
function series(version) {
  const m = /^(\d+)\.(\d+)\./.exec(version || '')
  return m ? `${m[1]}.${m[2]}` : null
}

/** glibc or musl, for the message when a Linux prebuild does not load. */
function libcNote() {
  if (process.platform !== 'linux') return ''
  try {
    return process.report.getReport().header.glibcVersionRuntime ? '' : ' (this Linux has no glibc: the prebuilt addon needs glibc, build one for musl)'
  } catch {
    return ''
  }
}

/**
 * Load the addon once and return `{ lib, path, version }`. The addon's `dstack_version()`
 * must be in the package's own major.minor series, it must have every function of
 * src/abi.js, and its wrappers must come from the same ABI description (fingerprint);
 * otherwise this throws one Error naming the addon's path, its version and the expected one.
 */
function native() {
  if (cached) return cached
  const candidates = candidatePaths()
  const expected = `libdstack ${series(EXPECTED_VERSION)}.x (package ${EXPECTED_VERSION})`
  const hint = process.env.DSTACK_NODE_ADDON
    ? 'Set DSTACK_NODE_ADDON to a dstack.node built by bindings/node/build-addon.sh, or unset it.'
    : 'In a checkout of the libdstack repository, build it with ' +
      '`cargo build --release -p dstack-ffi && bash bindings/node/build-addon.sh`; or set DSTACK_NODE_ADDON.'
  const loadError = (what, cause) => {
    const err = new Error(`${what}; this binding needs ${expected}. ${hint}`)
    if (cause) err.cause = cause
    return err
  }
  const found = candidates.find((p) => fs.existsSync(p))
  if (!found) {
    const which = process.env.DSTACK_NODE_ADDON ? 'cannot load the dstack addon' : `no dstack addon for ${platformKey()}`
    throw loadError(`${which} (looked for ${candidates.join(', ')})`)
  }
  const mod = { exports: {} }
  try {
    process.dlopen(mod, found)
  } catch (e) {
    throw loadError(`${found} is not a dstack addon that loads here: ${e.message.split('\n')[0]}${libcNote()}`, e)
  }
  const lib = mod.exports
  const version = typeof lib.dstack_version === 'function' ? lib.dstack_version() : null
  if (!version) throw loadError(`${found} is not the dstack addon (no dstack_version)`)
  if (series(version) !== series(EXPECTED_VERSION)) throw loadError(`${found} is libdstack ${version}`)
  const missing = Object.keys(abi.ADDON_FUNCTIONS).filter((name) => typeof lib[name] !== 'function')
  if (missing.length) throw loadError(`${found} is libdstack ${version} but lacks ${missing.join(', ')}`)
  if (lib.abiFingerprint !== abi.ADDON_FINGERPRINT) {
    throw loadError(`${found} is libdstack ${version} built from another ABI description ` +
      `(wrapper fingerprint ${lib.abiFingerprint}, this package's ${abi.ADDON_FINGERPRINT}): rebuild it`)
  }
  // Failures inside the addon (the C error out, bad arguments) become DstackErrors.
  lib.setErrorFactory((status, message) => new DstackError(status, message))
  cached = { lib, path: found, version }
  return cached
}

module.exports = { native, candidatePaths, platformKey }
