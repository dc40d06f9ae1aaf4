// Type declarations for @libdstack/dstack-sdk (hand-written; the source is plain JS).

export type Hex = `${string}`
export type BytesLike = string | Buffer | Uint8Array

export declare const Status: Readonly<{
  OK: 0; NULL_ARGUMENT: 1; INVALID_ARGUMENT: 2; INVALID_HEX: 3; BUFFER_TOO_SMALL: 4; NOT_FOUND: 5
  NO_AGENT: 10; TIMEOUT: 11; IO: 12; MALFORMED_HTTP: 13; RESPONSE_TOO_LARGE: 14; HTTP_STATUS: 15
  AGENT_ERROR: 16; MALFORMED_RESPONSE: 17; UNSUPPORTED: 18; VERIFICATION_FAILED: 20; EXPIRED: 21
  CRYPTO: 22; LIMIT_EXCEEDED: 23; RNG: 24; PANIC: 99
}>

/** Thrown by every failing call. `status` is the libdstack status code, `code` its name. */
export declare class DstackError extends Error {
  readonly name: 'DstackError'
  readonly status: number
  readonly code: string
}

export interface ChainKeys {
  /** Compressed secp256k1 app key that signed the derived key (hex). */
  appPublicKey: string
  /** Compressed secp256k1 KMS root key that signed the app key (hex); equals the trusted key. */
  kmsPublicKey: string
}

export interface GetTlsKeyResponse {
  __name__: Readonly<'GetTlsKeyResponse'>
  key: string
  certificate_chain: string[]
  /** PKCS#8 DER; with `maxLength` (not 0, which means the whole DER, as upstream), exactly that many bytes (truncated or zero-padded). */
  asUint8Array: (maxLength?: number) => Uint8Array
}

export interface GetKeyResponse {
  __name__: Readonly<'GetKeyResponse'>
  key: Uint8Array
  signature_chain: Uint8Array[]
  /** Verify the chain back to `trustedKmsKey` (33-byte compressed, hex or bytes); throws on mismatch. */
  verifySignatureChain(appId: BytesLike, trustedKmsKey: BytesLike): ChainKeys & { publicKey: string }
}

export interface SignResponse {
  __name__: Readonly<'SignResponse'>
  signature: Uint8Array
  signature_chain: Uint8Array[]
  public_key: Uint8Array
  /** Verify the signature over the signed data (ed25519, secp256k1) and the chain; throws on mismatch. */
  verifySignatureChain(appId: BytesLike, trustedKmsKey: BytesLike): ChainKeys
}

export interface VerifyResponse {
  __name__: Readonly<'VerifyResponse'>
  valid: boolean
}

export type TdxQuoteHashAlgorithms =
  'sha256' | 'sha384' | 'sha512' | 'sha3-256' | 'sha3-384' | 'sha3-512' |
  'keccak256' | 'keccak384' | 'keccak512' | 'raw'

export interface EventLog {
  imr: number
  event_type: number
  digest: string
  event: string
  event_payload: string
  version?: 1 | 2
  preimage?: string
}

export interface TcbInfo {
  mrtd: string
  rtmr0: string
  rtmr1: string
  rtmr2: string
  rtmr3: string
  app_compose: string
  event_log: EventLog[]
}
export type TcbInfoV03x = TcbInfo & { rootfs_hash?: string }
export type TcbInfoV05x = TcbInfo & { mr_aggregated: string; os_image_hash: string; compose_hash: string; device_id: string }

export interface InfoResponse<VersionTcbInfo extends TcbInfo> {
  app_id: string
  instance_id: string
  app_cert: string
  /** Parsed tcb_info; `null` when the agent sends an empty string. */
  tcb_info: VersionTcbInfo
  app_name: string
  device_id: string
  mr_aggregated?: string
  os_image_hash?: string
  key_provider_info: string
  compose_hash: string
  vm_config?: string
  cloud_vendor?: string
  cloud_product?: string
}

export interface QuoteInfo {
  version: number
  tee_type: number
  mrtd: string
  rtmr0: string
  rtmr1: string
  rtmr2: string
  rtmr3: string
  report_data: string
}

export interface GetQuoteResponse {
  quote: Hex
  event_log: string
  report_data?: Hex
  vm_config?: string
  /** As upstream: replays the logged digests (short ones zero-padded to 48 bytes); four lowercase hex RTMRs. */
  replayRtmrs(): [string, string, string, string]
  /** Sound replay: runtime-event digests recomputed from name and payload, so a stripped log still gives RTMR3. */
  replayRtmrsFromEvents(): [string, string, string, string]
  /** Replay and compare RTMR0-3 (and report_data) with the quote; true or throws DstackError. */
  verifyEventLog(expectedReportData?: BytesLike): true
  decodeQuote(): QuoteInfo
  decodeEventLog(): EventLog[]
}

export interface TdxQuoteResponse extends GetQuoteResponse {
  hash_algorithm?: string
  prefix?: string
}

export interface AttestResponse {
  __name__: Readonly<'AttestResponse'>
  attestation: Hex
}

export interface VersionResponse {
  __name__: Readonly<'VersionResponse'>
  version: string
  rev: string
}

export interface GpuInfoResponse {
  __name__: Readonly<'GpuInfoResponse'>
  attestation: string
}

export interface TlsKeyOptions {
  subject?: string
  altNames?: string[]
  usageRaTls?: boolean
  usageServerAuth?: boolean
  usageClientAuth?: boolean
  /** Seconds since the epoch (uint64): a safe-integer number or a bigint. */
  notBefore?: number | bigint
  /** Seconds since the epoch (uint64): a safe-integer number or a bigint. */
  notAfter?: number | bigint
  withAppInfo?: boolean
}

export interface ClientOptions {
  /** Per-call timeout in milliseconds (connect, each read/write, whole call), 1 to 4294967295. Default 3000, as in every libdstack binding (upstream: a fixed 30000). */
  timeoutMs?: number | bigint
}

export declare function to_hex(data: BytesLike): string

export declare class DstackClient<T extends TcbInfo = TcbInfoV05x> {
  readonly endpoint: string
  constructor(endpoint?: string, options?: ClientOptions)
  getKey(path?: string, purpose?: string, algorithm?: string): Promise<GetKeyResponse>
  getTlsKey(options?: TlsKeyOptions): Promise<GetTlsKeyResponse>
  getQuote(reportData: BytesLike): Promise<GetQuoteResponse>
  attest(reportData: BytesLike): Promise<AttestResponse>
  info(): Promise<InfoResponse<T>>
  version(): Promise<VersionResponse>
  isReachable(): Promise<boolean>
  emitEvent(event: string, payload: BytesLike): Promise<void>
  sign(algorithm: string, data: BytesLike): Promise<SignResponse>
  verify(algorithm: string, data: BytesLike, signature: BytesLike, publicKey: BytesLike): Promise<VerifyResponse>
  gpuInfo(): Promise<GpuInfoResponse>
  /** @deprecated Always throws, as upstream. */
  deriveKey(path?: string, subject?: string, altNames?: string[]): Promise<GetTlsKeyResponse>
  /** @deprecated Warns; only `raw`, which is getQuote. */
  tdxQuote(reportData: BytesLike, hashAlgorithm?: TdxQuoteHashAlgorithms): Promise<GetQuoteResponse>
  /** Release the native client (also done by the garbage collector). Idempotent. */
  close(): void
}

export interface TappdDeriveKeyOptions {
  usageRaTls?: boolean
  usageServerAuth?: boolean
  usageClientAuth?: boolean
  randomSeed?: boolean
}

/**
 * @deprecated as upstream (warns when made). A DstackClient: the methods it inherits send the
 * DstackGuest requests (`/GetQuote`, …) to the tappd endpoint, as upstream's do.
 */
export declare class TappdClient extends DstackClient<TcbInfoV03x> {
  constructor(endpoint?: string, options?: ClientOptions)
  /** @deprecated Warns, as upstream. */
  deriveKey(path?: string, subject?: string, altNames?: string[], options?: TappdDeriveKeyOptions): Promise<GetTlsKeyResponse>
  /** `DeriveK256Key` of the tappd service. */
  getKey(path?: string, purpose?: string): Promise<GetKeyResponse>
  /** @deprecated Warns, as upstream; `raw` data is left-padded to 64 bytes, as upstream (see rawQuote). */
  tdxQuote(reportData: BytesLike, hashAlgorithm?: TdxQuoteHashAlgorithms | '', prefix?: string): Promise<TdxQuoteResponse>
  /** `RawQuote`: the data right-padded to 64 bytes, as GetQuote pads. */
  rawQuote(reportData: BytesLike): Promise<TdxQuoteResponse>
  info(): Promise<InfoResponse<TcbInfoV03x>>
  version(): Promise<VersionResponse>
  isReachable(): Promise<boolean>
}

export { getComposeHash, getComposeCanonicalJson, getComposeHashFromFileBytes } from './get-compose-hash'
export type { AppCompose, DockerConfig, Requirements, KeyProviderKind } from './get-compose-hash'
export { encryptEnvVars } from './encrypt-env-vars'
export type { EnvVar } from './encrypt-env-vars'
export { verifyEnvEncryptPublicKey, verifyEnvEncryptPublicKeyLegacy } from './verify-env-encrypt-public-key'
export type { VerifyOptions } from './verify-env-encrypt-public-key'

export declare function replayRtmrs(eventLog: string | EventLog[] | Uint8Array): [string, string, string, string]
export declare function replayRtmrsFromDigests(eventLog: string | EventLog[] | Uint8Array): [string, string, string, string]
export declare function verifyEventLog(quote: BytesLike, eventLog: string | EventLog[] | Uint8Array, expectedReportData?: BytesLike): true
export declare function parseQuote(quote: BytesLike): QuoteInfo
export declare function parseEventLog(eventLog: string | EventLog[] | Uint8Array): EventLog[]
export declare function verifySignatureChain(publicKey: BytesLike, purpose: string, appSignature: BytesLike, kmsSignature: BytesLike, appId: BytesLike, trustedKmsKey: BytesLike): ChainKeys
export declare function tlsKeyAsUint8Array(pem: string, maxLength?: number): Uint8Array
export declare function tlsKeySecureSeed(pem: string): Uint8Array
export declare function ethereumAddress(secretKey: BytesLike): string
export declare function secp256k1PublicKey(secretKey: BytesLike, compressed?: boolean): Uint8Array
export declare function solanaKeypair(seed: BytesLike): { secretKey: Uint8Array; publicKey: Uint8Array; publicKeyBase58: string }
/** Local check of a `sign` result (ed25519, secp256k1/k256 over SHA-256(data), secp256k1_prehashed); signature and key as bytes or hex. */
export declare function verifySignature(algorithm: string, data: BytesLike, signature: BytesLike, publicKey: BytesLike): boolean
export declare function ed25519Verify(publicKey: BytesLike, message: BytesLike, signature: BytesLike): boolean
export declare function libraryVersion(): string
