// Compiled with `tsc --noEmit` by test/verification.test.js: src/verification.d.ts describes
// `@libdstack/dstack-sdk/verify`.
import { verifyQuote, verifyGetQuote, verifyAttestation, verifyRaTlsCert, raTlsCheckServerIdentity, fetchCollateral, tcbPolicy, TcbPolicy, PccsError } from '@libdstack/dstack-sdk/verify'
import type { Verification, VerificationError } from '@libdstack/dstack-sdk/verify'

async function main(quote: Uint8Array, answer: string, cert: { raw: Uint8Array }): Promise<void> {
  const collateral: Uint8Array = await fetchCollateral('https://pccs.example', quote, { timeoutMs: 5000 })
  const v: Verification = verifyQuote(quote, { collateral, now: new Date(), tcbPolicy: ['OutOfDate'] })
  const status: string | null = v.tcb_status
  const mrtd: string | undefined = v.quote_body.mrtd
  const g = verifyGetQuote(answer, { insecureSkipIntelSignature: true, expectedReportData: 'nonce', now: 1750809600n })
  const appId: string | undefined = g.app_info?.app_id
  const a = verifyAttestation({ attestation: '00' }, { tcbPolicy: TcbPolicy.UP_TO_DATE | TcbPolicy.OUT_OF_DATE })
  const r = verifyRaTlsCert(cert, { collateral })
  const subject: string | undefined = r.certificate?.subject
  const check = raTlsCheckServerIdentity({ collateral, onVerified: (x) => (x.app_info ? undefined : new Error('no app')) })
  const e: Error | undefined = check('host', cert)
  const mask: number = tcbPolicy('any')
  try {
    verifyQuote(quote)
  } catch (err) {
    const ve = err as VerificationError
    const name: string | undefined = ve.check
    if (err instanceof PccsError) console.log(err.url, err.httpStatus)
    console.log(name, ve.expected, ve.actual)
  }
  console.log(status, mrtd, appId, a.evidence, subject, e, mask)
}
void main
