'use strict'
// Starts the bundled dstack-simulator in a temporary directory for a test file and stops it.

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const PKG = path.resolve(__dirname, '..', '..')
const REPO = path.resolve(PKG, '..', '..')
const TESTDATA = path.resolve(REPO, 'testdata')
const SIMULATOR_BIN = process.env.DSTACK_SIMULATOR_BIN || path.join(REPO, 'target', 'release', 'dstack-simulator')
const APP_KEYS = path.join(TESTDATA, 'fixtures', 'simulator_appkeys.json')
const APP_ID = '5bb4ff9a3837357f19dc176407a5709c62eb6c56'

/**
 * Start the simulator; resolves to `{ dir, dstack, tappd, stop() }` once it printed `ready`.
 * `extraArgs` e.g. ['--legacy'].
 */
function startSimulator(extraArgs = [], { startupMs = 20000 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dstack-node-'))
  const args = ['--dir', dir, '--app-keys', APP_KEYS, '--app-id', APP_ID, ...extraArgs]
  const child = spawn(SIMULATOR_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let errText = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`simulator did not become ready: ${out}${errText}`))
    }, startupMs)
    child.stderr.on('data', (d) => { errText += d })
    child.on('error', (e) => { clearTimeout(timer); reject(e) })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`simulator exited (${code}) before ready: ${out}${errText}`))
    })
    child.stdout.on('data', (d) => {
      out += d
      if (!/^ready$/m.test(out)) return
      clearTimeout(timer)
      child.removeAllListeners('exit')
      const dstack = (out.match(/^dstack: (.+)$/m) || [])[1] || path.join(dir, 'dstack.sock')
      const tappd = (out.match(/^tappd: (.+)$/m) || [])[1] || path.join(dir, 'tappd.sock')
      resolve({
        dir,
        dstack: dstack.trim(),
        tappd: tappd.trim(),
        stop: () => new Promise((res) => {
          if (child.exitCode !== null || child.signalCode !== null) return res(cleanup(dir))
          child.once('exit', () => res(cleanup(dir)))
          child.kill('SIGTERM')
        }),
      })
    })
  })
}

function cleanup(dir) {
  fs.rmSync(dir, { recursive: true, force: true })
}

function loadVectors(name) {
  return JSON.parse(fs.readFileSync(path.join(TESTDATA, 'vectors', name), 'utf8'))
}

function loadFixture(name) {
  return fs.readFileSync(path.join(TESTDATA, 'fixtures', name), 'utf8')
}

module.exports = { startSimulator, loadVectors, loadFixture, TESTDATA, APP_ID, SIMULATOR_BIN }
