// Compiled with `tsc --noEmit` by test/types.test.js: the declarations describe the API.
import { DstackClient, TappdClient, DstackError, Status, getComposeHash, encryptEnvVars, replayRtmrs, verifySignature, libraryVersion } from '@libdstack/dstack-sdk'
import type { GetKeyResponse, GetQuoteResponse, InfoResponse, TcbInfoV03x, TcbInfoV05x } from '@libdstack/dstack-sdk'
import { toViemAccountSecure } from '@libdstack/dstack-sdk/viem'
import { toKeypairSecure } from '@libdstack/dstack-sdk/solana'
import { verifyEnvEncryptPublicKey } from '@libdstack/dstack-sdk/verify-env-encrypt-public-key'
import { getComposeHash as gch } from '@libdstack/dstack-sdk/get-compose-hash'
import { encryptEnvVars as eev } from '@libdstack/dstack-sdk/encrypt-env-vars'

async function main(): Promise<void> {
  const c = new DstackClient('/var/run/dstack.sock', { timeoutMs: 1000 })
  const k: GetKeyResponse = await c.getKey('p', 'q', 'ed25519')
  const chain = k.verifySignatureChain('00', '00')
  const s: string = chain.kmsPublicKey
  const q: GetQuoteResponse = await c.getQuote(new Uint8Array(4))
  const r: [string, string, string, string] = q.replayRtmrs()
  const info: InfoResponse<TcbInfoV05x> = await c.info()
  const t = await c.getTlsKey({ subject: 'x', altNames: ['y'], notBefore: 1 })
  const der: Uint8Array = t.asUint8Array(32)
  const acct = toViemAccountSecure(k)
  const kp = toKeypairSecure(k)
  const tp = new TappdClient()
  const tq = await tp.tdxQuote('x', 'sha256')
  const asDstack: DstackClient<TcbInfoV03x> = tp
  const sound: [string, string, string, string] = (await asDstack.getQuote('x')).replayRtmrsFromEvents()
  const h: string = getComposeHash({ runner: 'docker-compose' }, true) + gch('{}')
  const e: string = await encryptEnvVars([{ key: 'A', value: 'b' }], '00') + (await eev([], '00'))
  const signer: string | null = verifyEnvEncryptPublicKey(new Uint8Array(32), new Uint8Array(65), '00', 1n, { trustedKeys: ['00'] })
  const signed = await c.sign('secp256k1_prehashed', new Uint8Array(32))
  const valid: boolean = verifySignature('secp256k1_prehashed', new Uint8Array(32), signed.signature, signed.public_key)
  const v: string = libraryVersion()
  try { await c.version() } catch (err) { if (err instanceof DstackError && err.status === Status.TIMEOUT) c.close() }
  void [s, r, sound, info.tcb_info.mrtd, der, acct.address, kp.publicKey, tq.prefix, h, e, signer, replayRtmrs('[]'), valid, v]
}
void main
const t: 11 = Status.TIMEOUT; void t
