package dstack

// #include "dstack.h"
import "C"

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"unsafe"
)

// KeyProviderKind is the app's key provider.
type KeyProviderKind string

// Key providers.
const (
	KeyProviderNone  KeyProviderKind = "none"
	KeyProviderKMS   KeyProviderKind = "kms"
	KeyProviderLocal KeyProviderKind = "local"
	KeyProviderTpm   KeyProviderKind = "tpm"
)

// DockerConfig is the registry login of an app.
type DockerConfig struct {
	Registry string `json:"registry,omitempty"`
	Username string `json:"username,omitempty"`
	TokenKey string `json:"token_key,omitempty"`
}

// RequirementPlatform is an allowed attestation platform.
type RequirementPlatform string

// Platforms.
const (
	RequirementPlatformTdx       RequirementPlatform = "dstack-tdx"
	RequirementPlatformGcpTdx    RequirementPlatform = "dstack-gcp-tdx"
	RequirementPlatformAmdSevSnp RequirementPlatform = "dstack-amd-sev-snp"
	RequirementPlatformNitro     RequirementPlatform = "dstack-nitro-enclave"
)

// HealthCheck configures health reporting read by the gateway.
type HealthCheck struct {
	Enabled    bool   `json:"enabled"`
	HealthFile string `json:"health_file,omitempty"`
}

// Requirements are guest-side requirements.
type Requirements struct {
	OsVersion            string                 `json:"os_version,omitempty"`
	Platforms            *[]RequirementPlatform `json:"platforms,omitempty"`
	TdxMeasureAcpiTables *bool                  `json:"tdx_measure_acpi_tables,omitempty"`
	LaunchTokenHash      string                 `json:"launch_token_hash,omitempty"`
	HealthCheck          *HealthCheck           `json:"health_check,omitempty"`
}

// AppCompose is an app-compose.json manifest. Extra holds fields this
// struct does not name (e.g. init_script, port_policy, storage_fs); they are
// kept when unmarshalling and written when marshalling, so they count in the
// compose hash. Not in the official SDK, which dropped unknown fields.
type AppCompose struct {
	ManifestVersion         interface{}     `json:"manifest_version,omitempty"`
	Name                    string          `json:"name,omitempty"`
	Features                []string        `json:"features,omitempty"`
	Runner                  string          `json:"runner"`
	Snapshotter             string          `json:"snapshotter,omitempty"`
	DockerComposeFile       string          `json:"docker_compose_file,omitempty"`
	DockerConfig            *DockerConfig   `json:"docker_config,omitempty"`
	PublicLogs              *bool           `json:"public_logs,omitempty"`
	PublicSysinfo           *bool           `json:"public_sysinfo,omitempty"`
	PublicTcbinfo           *bool           `json:"public_tcbinfo,omitempty"`
	KmsEnabled              *bool           `json:"kms_enabled,omitempty"`
	GatewayEnabled          *bool           `json:"gateway_enabled,omitempty"`
	TproxyEnabled           *bool           `json:"tproxy_enabled,omitempty"`
	LocalKeyProviderEnabled *bool           `json:"local_key_provider_enabled,omitempty"`
	KeyProvider             KeyProviderKind `json:"key_provider,omitempty"`
	KeyProviderID           string          `json:"key_provider_id,omitempty"`
	AllowedEnvs             []string        `json:"allowed_envs,omitempty"`
	NoInstanceID            *bool           `json:"no_instance_id,omitempty"`
	SecureTime              *bool           `json:"secure_time,omitempty"`
	Requirements            *Requirements   `json:"requirements,omitempty"`
	BashScript              string          `json:"bash_script,omitempty"`
	PreLaunchScript         string          `json:"pre_launch_script,omitempty"`

	Extra map[string]json.RawMessage `json:"-"`
}

// appComposeFields is AppCompose without its methods, to marshal the named
// fields with the standard rules.
type appComposeFields AppCompose

// MarshalJSON writes the named fields and Extra (named fields win).
func (a AppCompose) MarshalJSON() ([]byte, error) {
	named, err := marshalNoEscape(appComposeFields(a))
	if err != nil || len(a.Extra) == 0 {
		return named, err
	}
	merged := map[string]json.RawMessage{}
	if err := json.Unmarshal(named, &merged); err != nil {
		return nil, err
	}
	for k, v := range a.Extra {
		if _, ok := merged[k]; !ok {
			merged[k] = v
		}
	}
	return marshalNoEscape(merged)
}

// UnmarshalJSON reads the named fields and keeps the others in Extra.
func (a *AppCompose) UnmarshalJSON(data []byte) error {
	var named appComposeFields
	if err := json.Unmarshal(data, &named); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	for _, k := range appComposeKnownKeys {
		delete(all, k)
	}
	*a = AppCompose(named)
	if len(all) > 0 {
		a.Extra = all
	}
	return nil
}

var appComposeKnownKeys = []string{
	"manifest_version", "name", "features", "runner", "snapshotter", "docker_compose_file",
	"docker_config", "public_logs", "public_sysinfo", "public_tcbinfo", "kms_enabled",
	"gateway_enabled", "tproxy_enabled", "local_key_provider_enabled", "key_provider",
	"key_provider_id", "allowed_envs", "no_instance_id", "secure_time", "requirements",
	"bash_script", "pre_launch_script",
}

// marshalNoEscape is json.Marshal without HTML escaping: "<" must stay "<"
// so the hash matches what deployment tools upload.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// GetComposeHash returns the lowercase hex SHA-256 of the manifest's
// canonical JSON (keys sorted, compact, as the JS SDK and deployment tools
// serialize it). normalize drops the script the runner does not use.
func GetComposeHash(appCompose AppCompose, normalize ...bool) (string, error) {
	doc, err := marshalNoEscape(appCompose)
	if err != nil {
		return "", newError(StatusInvalidArgument, "app compose: %v", err)
	}
	return GetComposeHashJSON(doc, len(normalize) > 0 && normalize[0])
}

// GetComposeHashJSON is GetComposeHash for a manifest given as JSON, with
// every field kept as written (null included).
func GetComposeHashJSON(appComposeJSON []byte, normalize bool) (string, error) {
	var hash [32]byte
	jp, jl := bytesArg(appComposeJSON)
	var cerr *C.dstack_error
	st := C.dstack_compose_hash(jp, jl, C.bool(normalize), (*C.uint8_t)(unsafe.Pointer(&hash[0])), &cerr)
	if err := takeError(st, cerr); err != nil {
		return "", err
	}
	return hex.EncodeToString(hash[:]), nil
}

// ComposeCanonicalJSON returns the exact text GetComposeHashJSON hashes.
func ComposeCanonicalJSON(appComposeJSON []byte, normalize bool) ([]byte, error) {
	jp, jl := bytesArg(appComposeJSON)
	return outBuffer(len(appComposeJSON)+64, func(out *C.uint8_t, capacity C.size_t, outLen *C.size_t, cerr **C.dstack_error) C.dstack_status {
		return C.dstack_compose_canonical_json(jp, jl, C.bool(normalize), out, capacity, outLen, cerr)
	})
}

// GetComposeHashRaw hashes the bytes of an app-compose.json file as they
// are: this is the compose_hash the guest measures.
func GetComposeHashRaw(appComposeFile []byte) (string, error) {
	var hash [32]byte
	jp, jl := bytesArg(appComposeFile)
	var cerr *C.dstack_error
	st := C.dstack_compose_hash_raw(jp, jl, (*C.uint8_t)(unsafe.Pointer(&hash[0])), &cerr)
	if err := takeError(st, cerr); err != nil {
		return "", err
	}
	return hex.EncodeToString(hash[:]), nil
}
