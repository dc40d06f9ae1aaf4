// Package smoke test (scripts/smoke.sh): offline verification through the installed npm
// package (@libdstack/dstack-sdk/verify, the prebuilt dstack_verify.node of the optional
// package @libdstack/dstack-sdk-verify installed beside it): the real
// Intel TDX quote QUOTE with its collateral COLLATERAL at NOW (inside the collateral's
// window) must be UpToDate.
// usage: node verify.js QUOTE COLLATERAL NOW
'use strict'
const fs = require('fs')
const path = require('path')
const v = require('@libdstack/dstack-sdk/verify')

const [quotePath, colPath, now] = process.argv.slice(2)
const r = v.verifyQuote(fs.readFileSync(quotePath), { collateral: fs.readFileSync(colPath), now: Number(now) })
const pkg = path.dirname(require.resolve('@libdstack/dstack-sdk-verify/package.json'))
const addon = path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`, 'dstack_verify.node')
// The verification addon as the dynamic loader mapped it into this process.
const mapped = fs.readFileSync('/proc/self/maps', 'utf8').split('\n')
  .map((l) => l.split(/\s+/).slice(5).join(' ')).find((f) => f.endsWith('/dstack_verify.node'))
console.log(`node: verified the TDX quote offline: tcb_status ${r.tcb_status} (${mapped})`)
if (r.tcb_status !== 'UpToDate' || mapped !== fs.realpathSync(addon)) process.exit(1)
