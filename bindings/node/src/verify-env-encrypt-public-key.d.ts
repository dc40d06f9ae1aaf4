export interface VerifyOptions {
  /** Maximum age of the signed response in seconds. Default 300. */
  maxAgeSeconds?: number | bigint
  /** Current unix time in seconds (default: the system clock). */
  now?: number | bigint
  /** Trusted KMS keys (33-byte compressed, hex or bytes): the signer must be one of them. */
  trustedKeys?: string | Uint8Array | Array<string | Uint8Array>
}
/** Returns the signer as "0x" + compressed hex; throws DstackError where upstream returned null. */
export declare function verifyEnvEncryptPublicKey(publicKey: Uint8Array, signature: Uint8Array, appId: string, timestamp: bigint | number, options?: VerifyOptions): string
/** @deprecated legacy signatures carry no timestamp. */
export declare function verifyEnvEncryptPublicKeyLegacy(publicKey: Uint8Array, signature: Uint8Array, appId: string, options?: Pick<VerifyOptions, 'trustedKeys'>): string
