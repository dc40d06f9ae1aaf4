package dstack

// #include "dstack.h"
import "C"

import (
	"bytes"
	"encoding/hex"
	"strings"
	"time"
	"unsafe"
)

// EnvVar is one environment variable to encrypt for a deployment.
type EnvVar struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// EncryptEnvVars encrypts env vars for an app whose env-encrypt X25519
// public key is publicKeyHex (64 hex digits, optional 0x): hex of
// ephemeral public key ‖ IV ‖ AES-256-GCM(JSON {"env":[…]}) ‖ tag.
func EncryptEnvVars(envVars []EnvVar, publicKeyHex string) (string, error) {
	keys := make([]string, len(envVars))
	values := make([]string, len(envVars))
	for i, e := range envVars {
		keys[i], values[i] = e.Key, e.Value
	}
	ck := newCSlices(keys)
	defer ck.free()
	cv := newCSlices(values)
	defer cv.free()
	kp, n := ck.ptr()
	vp, _ := cv.ptr()
	pp, pl := strArg(publicKeyHex)
	guess := 2*(32+12+16+64) + 64
	for _, e := range envVars {
		guess += 2 * (len(e.Key) + 6*len(e.Value) + 32)
	}
	out, err := outBuffer(guess, func(out *C.uint8_t, capacity C.size_t, outLen *C.size_t, cerr **C.dstack_error) C.dstack_status {
		return C.dstack_encrypt_env_vars(kp, vp, n, pp, pl, out, capacity, outLen, cerr)
	})
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// VerifyEnvEncryptPublicKeyOptions configures
// VerifyEnvEncryptPublicKeyWithTimestamp. Zero values mean the defaults.
type VerifyEnvEncryptPublicKeyOptions struct {
	// MaxAgeSeconds: how old the timestamp may be (default 300).
	MaxAgeSeconds uint64
	// FutureSkewSeconds: how far in the future it may be (default 60).
	FutureSkewSeconds uint64
	// TrustedKMSKeys, when set, makes a signer outside the list an error
	// (StatusVerificationFailed). Not in the official SDK.
	TrustedKMSKeys [][]byte
	// Now replaces the wall clock (for tests and replays). Not in the
	// official SDK.
	Now time.Time
}

// VerifyEnvEncryptPublicKey recovers the KMS key that signed publicKey for
// appID (hex, optional 0x) in the legacy format without a timestamp, and
// returns it as "0x" + hex of the 33-byte compressed key.
//
// A well-formed signature always recovers *some* key: the caller must
// compare it with a trusted KMS key — or pass trustedKMSKeys, which makes
// any other signer an error. Malformed input is an error (the official SDK
// returned nil, nil).
func VerifyEnvEncryptPublicKey(publicKey []byte, signature []byte, appID string, trustedKMSKeys ...[]byte) ([]byte, error) {
	trusted, count, err := packTrustedKeys(trustedKMSKeys)
	if err != nil {
		return nil, err
	}
	var signer [33]byte
	kp, kl := bytesArg(publicKey)
	sp, sl := bytesArg(signature)
	ap, al := strArg(appID)
	tp, _ := bytesArg(trusted)
	var cerr *C.dstack_error
	st := C.dstack_verify_env_encrypt_public_key_legacy(kp, kl, sp, sl, ap, al, tp, C.size_t(count),
		(*C.uint8_t)(unsafe.Pointer(&signer[0])), &cerr)
	if err := takeError(st, cerr); err != nil {
		return nil, err
	}
	return []byte("0x" + hex.EncodeToString(signer[:])), nil
}

// VerifyEnvEncryptPublicKeyWithTimestamp is VerifyEnvEncryptPublicKey for
// the timestamped message (prefix ":" app_id timestamp_be64 public_key).
// The timestamp must lie within [now - MaxAgeSeconds, now +
// FutureSkewSeconds], else StatusExpired.
func VerifyEnvEncryptPublicKeyWithTimestamp(publicKey []byte, signature []byte, appID string, timestamp uint64, opts *VerifyEnvEncryptPublicKeyOptions) ([]byte, error) {
	maxAge, skew := uint64(300), uint64(60)
	now := time.Now()
	var trustedKeys [][]byte
	if opts != nil {
		if opts.MaxAgeSeconds > 0 {
			maxAge = opts.MaxAgeSeconds
		}
		if opts.FutureSkewSeconds > 0 {
			skew = opts.FutureSkewSeconds
		}
		if !opts.Now.IsZero() {
			now = opts.Now
		}
		trustedKeys = opts.TrustedKMSKeys
	}
	if now.Unix() < 0 {
		return nil, newError(StatusInvalidArgument, "the clock is before 1970")
	}
	nowSec := uint64(now.Unix())
	// The window is checked here because the skew is configurable in this
	// API; libdstack then checks the same window with the clock set to the
	// timestamp for future ones, so its fixed 60 s skew does not apply twice.
	clock := nowSec
	if timestamp > nowSec {
		if timestamp-nowSec > skew {
			return nil, newError(StatusExpired, "timestamp is too far in the future: %ds > %ds", timestamp-nowSec, skew)
		}
		clock = timestamp
	} else if nowSec-timestamp > maxAge {
		return nil, newError(StatusExpired, "timestamp is too old: %ds > %ds", nowSec-timestamp, maxAge)
	}
	trusted, count, err := packTrustedKeys(trustedKeys)
	if err != nil {
		return nil, err
	}
	var signer [33]byte
	kp, kl := bytesArg(publicKey)
	sp, sl := bytesArg(signature)
	ap, al := strArg(appID)
	tp, _ := bytesArg(trusted)
	var cerr *C.dstack_error
	st := C.dstack_verify_env_encrypt_public_key(kp, kl, sp, sl, ap, al, C.uint64_t(timestamp), C.uint64_t(clock), C.uint64_t(maxAge),
		tp, C.size_t(count), (*C.uint8_t)(unsafe.Pointer(&signer[0])), &cerr)
	if err := takeError(st, cerr); err != nil {
		return nil, err
	}
	return []byte("0x" + hex.EncodeToString(signer[:])), nil
}

// packTrustedKeys lays trusted keys out as count × 33 bytes; a key may be
// given as 33 raw bytes or as "0x"-prefixed/bare hex text.
func packTrustedKeys(keys [][]byte) ([]byte, int, error) {
	var buf bytes.Buffer
	for i, k := range keys {
		raw := k
		if len(k) != 33 {
			text := strings.TrimPrefix(strings.TrimPrefix(string(k), "0x"), "0X")
			b, err := hex.DecodeString(text)
			if err != nil || len(b) != 33 {
				return nil, 0, newError(StatusInvalidArgument, "trusted KMS key %d must be a 33-byte compressed secp256k1 key", i)
			}
			raw = b
		}
		buf.Write(raw)
	}
	return buf.Bytes(), len(keys), nil
}
