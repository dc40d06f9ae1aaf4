export interface EnvVar { key: string; value: string }
/** Hex of ephemeral_pub(32) ‖ iv(12) ‖ AES-256-GCM ciphertext ‖ tag(16). Rejects bad keys. */
export declare function encryptEnvVars(envs: EnvVar[], publicKeyHex: string): Promise<string>
