// Offline verification of dstack evidence: `@libdstack/dstack-sdk/verify`.
import type { DstackError } from './index'

/** Bits of a TCB policy (`dstack_tcb_policy`), one per Intel TCB status. */
export declare const TcbPolicy: Readonly<{
  UP_TO_DATE: 1
  SW_HARDENING_NEEDED: 2
  CONFIGURATION_NEEDED: 4
  CONFIGURATION_AND_SW_HARDENING_NEEDED: 8
  OUT_OF_DATE: 16
  OUT_OF_DATE_CONFIGURATION_NEEDED: 32
  TD_RELAUNCH_ADVISED: 64
  TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED: 128
  ANY: 255
}>

/** The fields of `dstack_verification` (C accessors; the result object holds them all). */
export declare const VerificationField: Readonly<Record<string, number>>

/** A bitmask, Intel status names (`['OutOfDate']`, `'OutOfDate,SWHardeningNeeded'`, `'any'`). */
export type TcbPolicyInput = number | string | readonly string[]

type Bytes = Uint8Array | ArrayBuffer | string

export interface VerifyOptions {
  /** PCCS QuoteCollateralV3 JSON (text, bytes or object); required unless the Intel check is skipped. */
  collateral?: string | Uint8Array | object | null
  /** Verification time: Unix seconds (number or bigint) or a Date. Default: now. */
  now?: number | bigint | Date
  /** Accepted TCB statuses; default UpToDate only. */
  tcbPolicy?: TcbPolicyInput
  /** The report data the quote must carry (≤ 64 bytes; a string is UTF-8). Not for certificates. */
  expectedReportData?: Uint8Array | string | null
  /** Development only: skip the Intel signature chain (simulator quotes). */
  insecureSkipIntelSignature?: boolean
}

/** The quote body: TD registers (TDX) or enclave fields (SGX), lowercase hex. */
export interface QuoteBody {
  tee_tcb_svn?: string; mr_seam?: string; mr_signer_seam?: string; seam_attributes?: string
  td_attributes?: string; xfam?: string; mrtd?: string; mr_config_id?: string; mr_owner?: string
  mr_owner_config?: string; rtmr0?: string; rtmr1?: string; rtmr2?: string; rtmr3?: string
  mr_service_td?: string | null
  mr_enclave?: string; mr_signer?: string; isv_prod_id?: number; isv_svn?: number; attributes?: string
}

export interface AppInfo {
  app_id: string; compose_hash: string; instance_id: string; device_id: string
  mr_system: string; mr_aggregated: string; os_image_hash: string; key_provider_info: string
  key_provider_name: string; key_provider_id: string; init_script_hashes: string[]; system_ready: boolean
}

export interface CertificateInfo {
  subject: string; issuer: string; not_before: number; not_after: number; public_key_der: string
  app_id: string | null; usage: string | null; app_info_extension: boolean
  attestation_source: 'attestation' | 'legacy_quote_and_event_log'
}

/**
 * A successful verification: every field (byte fields as lowercase hex, times as Unix
 * seconds), frozen. The keys of upstream dstack-verifier's `/verify` details are among them.
 */
export interface Verification {
  readonly valid: true
  readonly evidence: 'quote' | 'get_quote' | 'attestation_v0' | 'attestation_v1' | 'ra_tls_cert'
  readonly tee: 'tdx' | 'sgx'
  readonly quote_version: number
  readonly quote_verified: boolean
  readonly intel_signature_verified: boolean
  readonly insecure_skip_intel_signature: boolean
  readonly tcb_status: string | null
  readonly advisory_ids: readonly string[]
  readonly accepted_tcb_statuses: readonly string[]
  readonly collateral_valid_from: number | null
  readonly collateral_valid_until: number | null
  readonly now: number
  readonly ppid: string
  readonly report_data: string
  readonly report_data_checked: boolean
  readonly report_data_payload: string | null
  readonly quote_body: Readonly<QuoteBody>
  readonly event_log_verified: boolean
  readonly rtmrs_verified: readonly [boolean, boolean, boolean, boolean]
  readonly os_image_hash_verified: boolean
  readonly runtime_events: readonly { event: string; payload: string; version: number }[]
  readonly app_info: Readonly<AppInfo> | null
  readonly vm_config: string | null
  readonly certificate: Readonly<CertificateInfo> | null
}

/** The errors of failed checks carry the check's name and the values it compared. */
export type VerificationError = DstackError & { check?: string; expected?: string; actual?: string }

export declare function verifyQuote(quote: Bytes, options?: VerifyOptions): Verification
export declare function verifyGetQuote(
  getQuote: string | Uint8Array | { quote: string; event_log: string; vm_config?: string },
  options?: VerifyOptions,
): Verification
export declare function verifyAttestation(attestation: Bytes | { attestation: string }, options?: VerifyOptions): Verification
export declare function verifyRaTlsCert(
  cert: Bytes | { raw: Uint8Array },
  options?: Omit<VerifyOptions, 'expectedReportData'>,
): Verification

export interface RaTlsOptions extends Omit<VerifyOptions, 'expectedReportData'> {
  /** Sees each successful verification; throw or return an Error to refuse the peer. */
  onVerified?: (v: Verification) => Error | void
}
/** For `tls.connect({ ca, checkServerIdentity })`: RA-TLS instead of the host-name check. */
export declare function raTlsCheckServerIdentity(
  options?: RaTlsOptions,
): (hostname: string, cert: { raw: Uint8Array }) => Error | undefined

export interface FetchCollateralOptions {
  fetch?: (url: string, init?: { signal?: AbortSignal; headers?: Record<string, string> }) => Promise<{
    status: number; statusText: string; headers: { get(name: string): string | null }; arrayBuffer(): Promise<ArrayBuffer>
  }>
  signal?: AbortSignal
  /** Per request; default 30000. */
  timeoutMs?: number
}
export declare function fetchCollateral(pccsUrl: string, evidence: Bytes | object, options?: FetchCollateralOptions): Promise<Uint8Array>

export declare class PccsError extends Error {
  readonly status: number
  readonly code: string
  readonly url: string
  readonly httpStatus: number | undefined
}

export declare function tcbPolicy(policy?: TcbPolicyInput): number
export declare function candidatePaths(): string[]
