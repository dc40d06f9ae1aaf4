import type { Keypair } from '@solana/web3.js'
import type { GetKeyResponse, GetTlsKeyResponse } from './index'
/** @deprecated use toKeypairSecure. */
export declare function toKeypair(keyResponse: GetKeyResponse | GetTlsKeyResponse): Keypair
export declare function toKeypairSecure(keyResponse: GetKeyResponse | GetTlsKeyResponse): Keypair
