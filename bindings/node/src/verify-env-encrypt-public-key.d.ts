export interface VerifyOptions {
  /** Maximum age of the signed response in seconds. Default 300. */
  maxAgeSeconds?: number | bigint
  /** Current unix time in seconds (default: `Date.now()`). Not in the official SDK. */
  now?: number | bigint
  /** Trusted KMS keys (33-byte compressed, hex or bytes): a signer not among them gives null. Not in the official SDK. */
  trustedKeys?: string | Uint8Array | Array<string | Uint8Array>
}
/**
 * The signer as "0x" + compressed hex, or null (as upstream) for a signature that is not 65
 * bytes, a timestamp outside [now - maxAgeSeconds, now + 60], an app id that is not hex, a
 * signature that does not recover, or a signer not among `trustedKeys`.
 */
export declare function verifyEnvEncryptPublicKey(publicKey: Uint8Array, signature: Uint8Array, appId: string, timestamp: bigint | number, options?: VerifyOptions): string | null
/** @deprecated legacy signatures carry no timestamp. */
export declare function verifyEnvEncryptPublicKeyLegacy(publicKey: Uint8Array, signature: Uint8Array, appId: string, options?: Pick<VerifyOptions, 'trustedKeys'>): string | null
