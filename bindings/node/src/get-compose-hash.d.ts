export type KeyProviderKind = 'none' | 'kms' | 'local' | 'tpm'
export interface DockerConfig { registry?: string; username?: string; token_key?: string; [key: string]: unknown }
export interface Requirements {
  os_version?: string
  platforms?: string[]
  tdx_measure_acpi_tables?: boolean
  launch_token_hash?: string
  [key: string]: unknown
}
export interface AppCompose {
  manifest_version?: number | string
  name?: string
  features?: string[]
  runner: string
  snapshotter?: 'overlayfs' | 'stargz'
  docker_compose_file?: string
  docker_config?: DockerConfig
  public_logs?: boolean
  public_sysinfo?: boolean
  public_tcbinfo?: boolean
  kms_enabled?: boolean
  gateway_enabled?: boolean
  tproxy_enabled?: boolean
  local_key_provider_enabled?: boolean
  key_provider?: KeyProviderKind
  key_provider_id?: string
  allowed_envs?: string[]
  no_instance_id?: boolean
  secure_time?: boolean
  requirements?: Requirements
  bash_script?: string
  pre_launch_script?: string
  [key: string]: unknown
}
/** Lowercase hex SHA-256 of the deterministic JSON (same bytes as @phala/dstack-sdk). */
export declare function getComposeHash(appCompose: AppCompose | string, normalize?: boolean): string
/** The exact text getComposeHash hashes. */
export declare function getComposeCanonicalJson(appCompose: AppCompose | string, normalize?: boolean): string
/** SHA-256 of the raw app-compose.json bytes: what the guest measures. */
export declare function getComposeHashFromFileBytes(fileBytes: string | Uint8Array): string
