import type { PrivateKeyAccount } from 'viem/accounts'
import type { GetKeyResponse, GetTlsKeyResponse } from './index'
/** @deprecated use toViemAccountSecure. */
export declare function toViemAccount(keyResponse: GetKeyResponse | GetTlsKeyResponse): PrivateKeyAccount
export declare function toViemAccountSecure(keyResponse: GetKeyResponse | GetTlsKeyResponse): PrivateKeyAccount
