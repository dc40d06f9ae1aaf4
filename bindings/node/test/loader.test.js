'use strict'
// Loading libdstack: the package, the workspace and the loaded library agree on the version,
// and anything else named by LIBDSTACK_PATH fails at load with one error that names the
// library path, its version and the expected version.

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const PKG = path.resolve(__dirname, '..')
const REPO = path.resolve(PKG, '..', '..')
const PKG_VERSION = require('../package.json').version

function workspaceVersion() {
  const toml = fs.readFileSync(path.join(REPO, 'Cargo.toml'), 'utf8')
  const section = toml.slice(toml.indexOf('[workspace.package]'))
  return /^version\s*=\s*"([^"]+)"/m.exec(section)[1]
}

/** Load the package in a fresh process with LIBDSTACK_PATH=libPath; returns { status, stdout, stderr }. */
function loadWith(libPath) {
  return spawnSync(process.execPath, ['-e', "process.stdout.write(require('.').libraryVersion())"], {
    cwd: PKG,
    env: { ...process.env, LIBDSTACK_PATH: libPath },
    encoding: 'utf8',
  })
}

/** The one Error line the child printed for its uncaught load failure. */
function loadError(r) {
  assert.notEqual(r.status, 0, `load should fail, got stdout ${r.stdout}`)
  const line = r.stderr.split('\n').find((l) => l.startsWith('Error: '))
  assert.ok(line, r.stderr)
  return line
}

/** A shared object built from `source` with the system C compiler, or null without one. */
function buildSharedObject(t, name, source) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dstack-fake-lib-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const src = path.join(dir, `${name}.c`)
  const out = path.join(dir, `${name}.so`)
  fs.writeFileSync(src, source)
  const cc = spawnSync(process.env.CC || 'cc', ['-shared', '-fPIC', '-o', out, src], { encoding: 'utf8' })
  if (cc.error || cc.status !== 0) return null
  return out
}

const EXPECTED = `libdstack ${PKG_VERSION.split('.').slice(0, 2).join('.')}.x (package ${PKG_VERSION})`

test('package version equals the workspace version and the loaded library', () => {
  assert.equal(PKG_VERSION, workspaceVersion())
  const header = fs.readFileSync(path.join(REPO, 'include', 'dstack.h'), 'utf8')
  const headerVersion = /#define DSTACK_VERSION "([^"]+)"/.exec(header)[1]
  const { libraryVersion } = require('..')
  assert.equal(libraryVersion(), headerVersion)
  assert.equal(libraryVersion(), PKG_VERSION)
})

test('LIBDSTACK_PATH naming a missing file: one error with the path and the expected version', () => {
  const missing = path.join(os.tmpdir(), 'no-such-dir-dstack', 'libdstack.so')
  const line = loadError(loadWith(missing))
  assert.ok(line.includes(missing), line)
  assert.ok(line.includes(EXPECTED), line)
})

test('LIBDSTACK_PATH naming a library that is not libdstack (libc)', (t) => {
  // The C library this very process runs on, as the dynamic loader mapped it.
  const maps = fs.readFileSync('/proc/self/maps', 'utf8')
  const libc = maps.split('\n').map((l) => l.split(/\s+/)[5]).find((p) => p && /\/libc[.-][^/]*so/.test(p))
  if (!libc) return t.skip('libc not found in /proc/self/maps')
  const line = loadError(loadWith(libc))
  assert.ok(line.includes(`${libc} is not libdstack (no dstack_version)`), line)
  assert.ok(line.includes(EXPECTED), line)
})

test('a libdstack of another major.minor is refused, naming both versions', (t) => {
  const lib = buildSharedObject(t, 'libdstack_future', 'const char *dstack_version(void) { return "9.4.2"; }\n')
  if (!lib) return t.skip('no C compiler')
  const line = loadError(loadWith(lib))
  assert.ok(line.includes(`${lib} is libdstack 9.4.2`), line)
  assert.ok(line.includes(EXPECTED), line)
})

test('a libdstack of the right version that lacks exports is refused, naming them', (t) => {
  const lib = buildSharedObject(t, 'libdstack_partial',
    `const char *dstack_version(void) { return "${PKG_VERSION}"; }\n` +
    'const char *dstack_status_message(unsigned s) { (void)s; return ""; }\n')
  if (!lib) return t.skip('no C compiler')
  const line = loadError(loadWith(lib))
  assert.ok(line.includes(`${lib} is libdstack ${PKG_VERSION} but lacks `), line)
  assert.ok(line.includes('dstack_client_get_key'), line)
  assert.ok(!line.includes('dstack_status_message,'), line)
  assert.ok(line.includes(EXPECTED), line)
})
