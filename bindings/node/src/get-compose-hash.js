'use strict'
// compose_hash of an app-compose manifest (docs/PROTOCOL.md §4.3), computed by libdstack.

const { DstackError, Status } = require('./errors')
const { Format, bytes, callSync } = require('./ffi')
const args = require('./args')

function manifestJson(appCompose) {
  if (typeof appCompose === 'string') return bytes(appCompose, 'appCompose')
  if (ArrayBuffer.isView(appCompose) || appCompose instanceof ArrayBuffer) {
    // JSON.stringify would hash {"type":"Buffer","data":[…]}, not the manifest.
    throw new DstackError(Status.INVALID_ARGUMENT,
      `appCompose must be an object or JSON text, got ${args.describe(appCompose)}; for the bytes of app-compose.json use getComposeHashFromFileBytes`)
  }
  if (appCompose === null || typeof appCompose !== 'object' || Array.isArray(appCompose)) {
    throw new DstackError(Status.INVALID_ARGUMENT, `appCompose must be an object or JSON text, got ${args.describe(appCompose)}`)
  }
  // JSON.stringify applies the JS rules the deployment tools rely on (undefined dropped,
  // NaN/Infinity → null, ECMAScript numbers); libdstack then sorts keys and hashes.
  return Buffer.from(JSON.stringify(appCompose), 'utf8')
}

/**
 * Lowercase hex SHA-256 of the deterministic JSON of `appCompose` (an object, or JSON text),
 * byte-equal to what @phala/dstack-sdk computes. `normalize` drops the fields the runner
 * ignores (bash → docker_compose_file; compose runners → bash_script; empty pre_launch_script).
 */
function getComposeHash(appCompose, normalize = false) {
  return callSync('dstack_compose_hash', manifestJson(appCompose), args.bool(normalize, 'normalize', false), Format.HEX)
}

/** The exact text `getComposeHash` hashes. */
function getComposeCanonicalJson(appCompose, normalize = false) {
  const json = manifestJson(appCompose)
  return callSync('dstack_compose_canonical_json', json, args.bool(normalize, 'normalize', false), json.length + 64, Format.UTF8)
}

/**
 * SHA-256 of the raw bytes of an app-compose.json file: what the guest actually measures
 * as compose_hash. Use this when you have the deployed file.
 */
function getComposeHashFromFileBytes(fileBytes) {
  return callSync('dstack_compose_hash_raw', bytes(fileBytes, 'fileBytes'), Format.HEX)
}

exports.getComposeHash = getComposeHash
exports.getComposeCanonicalJson = getComposeCanonicalJson
exports.getComposeHashFromFileBytes = getComposeHashFromFileBytes
