'use strict'
// Loading the addon: the package, the workspace and the loaded library agree on the version;
// anything else named by DSTACK_NODE_ADDON fails at load with one error that names the addon
// path, its version and the expected version; a package without an addon for this platform
// names the platform and where it looked; an installed package finds its prebuilds/.

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const abi = require('../src/abi')

const PKG = path.resolve(__dirname, '..')
const REPO = path.resolve(PKG, '..', '..')
const PKG_VERSION = require('../package.json').version
const NODE_INCLUDE = path.join(path.dirname(path.dirname(process.execPath)), 'include', 'node')

function workspaceVersion() {
  const toml = fs.readFileSync(path.join(REPO, 'Cargo.toml'), 'utf8')
  const section = toml.slice(toml.indexOf('[workspace.package]'))
  return /^version\s*=\s*"([^"]+)"/m.exec(section)[1]
}

/** Load the package at `dir` in a fresh process; returns { status, stdout, stderr }. */
function load(dir, env = {}, preload = []) {
  const clean = { ...process.env }
  delete clean.DSTACK_NODE_ADDON
  return spawnSync(process.execPath, [...preload.flatMap((p) => ['-r', p]), '-e', "process.stdout.write(require('.').libraryVersion())"], {
    cwd: dir,
    env: { ...clean, ...env },
    encoding: 'utf8',
  })
}

const loadWith = (addon) => load(PKG, { DSTACK_NODE_ADDON: addon })

/** The one Error line the child printed for its uncaught load failure. */
function loadError(r) {
  assert.notEqual(r.status, 0, `load should fail, got stdout ${r.stdout}`)
  const line = r.stderr.split('\n').find((l) => l.startsWith('Error: '))
  assert.ok(line, r.stderr)
  return line
}

function tmpDir(t, prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/**
 * A Node-API addon built from `source` with the system C compiler and Node's headers, or
 * null without them. `source` defines `static napi_value init(napi_env, napi_value)`.
 */
function buildAddon(t, name, source) {
  if (!fs.existsSync(path.join(NODE_INCLUDE, 'node_api.h'))) return null
  const dir = tmpDir(t, 'dstack-fake-addon-')
  const src = path.join(dir, `${name}.c`)
  const out = path.join(dir, `${name}.node`)
  fs.writeFileSync(src, `#include <node_api.h>\n${source}\nNAPI_MODULE_INIT() { return init(env, exports); }\n`)
  const cc = spawnSync(process.env.CC || 'cc', ['-shared', '-fPIC', `-I${NODE_INCLUDE}`, '-o', out, src], { encoding: 'utf8' })
  if (cc.error || cc.status !== 0) return null
  return out
}

/** C of an addon exporting `dstack_version` (returning `version`), the functions `names` and `extra` C statements. */
function fakeAddon(version, names, extra = '') {
  const exportsC = names.map((n) => `  napi_create_function(env, "${n}", NAPI_AUTO_LENGTH, stub, NULL, &f);\n  napi_set_named_property(env, exports, "${n}", f);`).join('\n')
  return `static napi_value version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  napi_create_string_utf8(env, "${version}", NAPI_AUTO_LENGTH, &v);
  return v;
}
static napi_value stub(napi_env env, napi_callback_info info) { (void)env; (void)info; return NULL; }
static napi_value init(napi_env env, napi_value exports) {
  napi_value f;
  (void)stub;
  napi_create_function(env, "dstack_version", NAPI_AUTO_LENGTH, version, NULL, &f);
  napi_set_named_property(env, exports, "dstack_version", f);
${exportsC}
${extra}
  return exports;
}`
}

const EXPECTED = `libdstack ${PKG_VERSION.split('.').slice(0, 2).join('.')}.x (package ${PKG_VERSION})`
const PLATFORM = `${process.platform}-${process.arch}`

test('package version equals the workspace version and the loaded library', () => {
  assert.equal(PKG_VERSION, workspaceVersion())
  const header = fs.readFileSync(path.join(REPO, 'include', 'dstack.h'), 'utf8')
  const headerVersion = /#define DSTACK_VERSION "([^"]+)"/.exec(header)[1]
  const { libraryVersion } = require('..')
  assert.equal(libraryVersion(), headerVersion)
  assert.equal(libraryVersion(), PKG_VERSION)
  assert.equal(abi.HEADER_VERSION, headerVersion)
})

test('DSTACK_NODE_ADDON naming a missing file: one error with the path and the expected version', () => {
  const missing = path.join(os.tmpdir(), 'no-such-dir-dstack', 'dstack.node')
  const line = loadError(loadWith(missing))
  assert.ok(line.includes(`cannot load the dstack addon (looked for ${missing})`), line)
  assert.ok(line.includes(EXPECTED), line)
})

test('DSTACK_NODE_ADDON naming a library that is not a Node addon (libc)', (t) => {
  // The C library this very process runs on, as the dynamic loader mapped it.
  const maps = fs.readFileSync('/proc/self/maps', 'utf8')
  const libc = maps.split('\n').map((l) => l.split(/\s+/)[5]).find((p) => p && /\/libc[.-][^/]*so/.test(p))
  if (!libc) return t.skip('libc not found in /proc/self/maps')
  const line = loadError(loadWith(libc))
  assert.ok(line.includes(`${libc} is not a dstack addon that loads here`), line)
  assert.ok(line.includes(EXPECTED), line)
})

test('a Node addon without dstack_version is refused', (t) => {
  const addon = buildAddon(t, 'other', 'static napi_value init(napi_env env, napi_value exports) { (void)env; return exports; }')
  if (!addon) return t.skip('no C compiler or Node headers')
  const line = loadError(loadWith(addon))
  assert.ok(line.includes(`${addon} is not the dstack addon (no dstack_version)`), line)
  assert.ok(line.includes(EXPECTED), line)
})

test('an addon of another libdstack major.minor is refused, naming both versions', (t) => {
  const addon = buildAddon(t, 'dstack_future', fakeAddon('9.4.2', []))
  if (!addon) return t.skip('no C compiler or Node headers')
  const line = loadError(loadWith(addon))
  assert.ok(line.includes(`${addon} is libdstack 9.4.2`), line)
  assert.ok(line.includes(EXPECTED), line)
})

test('an addon of the right version that lacks functions is refused, naming them', (t) => {
  const addon = buildAddon(t, 'dstack_partial', fakeAddon(PKG_VERSION, ['dstack_status_message']))
  if (!addon) return t.skip('no C compiler or Node headers')
  const line = loadError(loadWith(addon))
  assert.ok(line.includes(`${addon} is libdstack ${PKG_VERSION} but lacks `), line)
  assert.ok(line.includes('dstack_client_get_key'), line)
  assert.ok(!line.includes('dstack_status_message,'), line)
  assert.ok(line.includes(EXPECTED), line)
})

test('an addon generated from another ABI description is refused (stale build)', (t) => {
  const names = Object.keys(abi.ADDON_FUNCTIONS).filter((n) => n !== 'dstack_version')
  const stamp = `  napi_value fp;
  napi_create_string_utf8(env, "0000000000000000", NAPI_AUTO_LENGTH, &fp);
  napi_set_named_property(env, exports, "abiFingerprint", fp);`
  const addon = buildAddon(t, 'dstack_stale', fakeAddon(PKG_VERSION, names, stamp))
  if (!addon) return t.skip('no C compiler or Node headers')
  const line = loadError(loadWith(addon))
  assert.ok(line.includes(`${addon} is libdstack ${PKG_VERSION} built from another ABI description`), line)
  assert.ok(line.includes(`fingerprint 0000000000000000, this package's ${abi.ADDON_FINGERPRINT}`), line)
})

/** The package's files (not build/, test/, node_modules/) copied to a new folder, as npm installs them. */
function installedCopy(t) {
  const dir = tmpDir(t, 'dstack-installed-')
  fs.cpSync(path.join(PKG, 'src'), path.join(dir, 'src'), { recursive: true })
  fs.copyFileSync(path.join(PKG, 'package.json'), path.join(dir, 'package.json'))
  return dir
}

test('no addon for this platform: the error names the platform, where it looked and how to build one', (t) => {
  const dir = installedCopy(t)
  let line = loadError(load(dir))
  assert.ok(line.includes(`no dstack addon for ${PLATFORM} (looked for ${path.join(dir, 'prebuilds', PLATFORM, 'dstack.node')}, ${path.join(dir, 'build', 'dstack.node')})`), line)
  assert.ok(line.includes('build-addon.sh'), line)
  assert.ok(line.includes(EXPECTED), line)
  // Another platform (as Node reports it): its own prebuilds/ folder is named.
  const pretend = path.join(dir, 'pretend-arm64.js')
  fs.writeFileSync(pretend, "Object.defineProperty(process, 'arch', { value: 'arm64' })\n")
  line = loadError(load(dir, {}, [pretend]))
  assert.ok(line.includes(`no dstack addon for ${process.platform}-arm64 (looked for ${path.join(dir, 'prebuilds', `${process.platform}-arm64`, 'dstack.node')}`), line)
})

test('an installed package loads its prebuilds/<platform>/dstack.node', (t) => {
  const { native } = require('../src/loader')
  const dir = installedCopy(t)
  fs.mkdirSync(path.join(dir, 'prebuilds', PLATFORM), { recursive: true })
  fs.copyFileSync(native().path, path.join(dir, 'prebuilds', PLATFORM, 'dstack.node'))
  const r = load(dir)
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stdout, PKG_VERSION)
})
