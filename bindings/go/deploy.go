package dstack

// #include "dstack.h"
import "C"

import (
	"bytes"
	"encoding/hex"
	"errors"
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
// VerifyEnvEncryptPublicKeyWithTimestamp, as in the official SDK. Zero
// values mean the defaults.
type VerifyEnvEncryptPublicKeyOptions struct {
	// MaxAgeSeconds: how old the timestamp may be (default 300).
	MaxAgeSeconds uint64
	// FutureSkewSeconds: how far in the future it may be (default 60).
	FutureSkewSeconds uint64
}

// VerifyEnvEncryptPublicKey recovers the key that signed publicKey for
// appID (hex, optional "0x") in the legacy format without a timestamp, and
// returns it as "0x" + hex of the 33-byte compressed key — the official
// SDK's function, with its results: nil, nil when the app id is not hex or
// the signature is not 65 bytes or does not recover.
//
// A well-formed signature always recovers *some* key: the caller must
// compare the result with a trusted KMS key. CheckEnvEncryptPublicKey does
// that and reports every failure as an error.
func VerifyEnvEncryptPublicKey(publicKey []byte, signature []byte, appID string) ([]byte, error) {
	return officialRecover(func() ([]byte, error) {
		return CheckEnvEncryptPublicKey(publicKey, signature, appID, EnvEncryptPublicKeyCheck{})
	}, signature, appID)
}

// VerifyEnvEncryptPublicKeyWithTimestamp is VerifyEnvEncryptPublicKey for
// the timestamped message (prefix ":" app_id timestamp_be64 public_key), as
// in the official SDK: a signature that is not 65 bytes, an app id that is
// not hex or a signature that does not recover give nil, nil; a timestamp
// outside [now - MaxAgeSeconds, now + FutureSkewSeconds] is an error
// (StatusExpired) with the official text ("timestamp is too old: …",
// "timestamp is too far in the future").
func VerifyEnvEncryptPublicKeyWithTimestamp(publicKey []byte, signature []byte, appID string, timestamp uint64, opts *VerifyEnvEncryptPublicKeyOptions) ([]byte, error) {
	if len(signature) != 65 {
		return nil, nil
	}
	check := EnvEncryptPublicKeyCheck{Timestamp: &timestamp}
	if opts != nil {
		check.MaxAgeSeconds, check.FutureSkewSeconds = opts.MaxAgeSeconds, opts.FutureSkewSeconds
	}
	if err := check.window(time.Now()); err != nil {
		return nil, err
	}
	return officialRecover(func() ([]byte, error) {
		return CheckEnvEncryptPublicKey(publicKey, signature, appID, check)
	}, signature, appID)
}

// officialRecover runs a check with the official SDK's outcomes: nil, nil
// for the input the official SDK could not recover a key from.
func officialRecover(check func() ([]byte, error), signature []byte, appID string) ([]byte, error) {
	// The official SDK strips only a lower-case "0x" before hex-decoding.
	if len(signature) != 65 || strings.HasPrefix(appID, "0X") {
		return nil, nil
	}
	signer, err := check()
	if err != nil {
		var de *DstackError
		if errors.As(err, &de) {
			switch de.Status {
			case StatusInvalidArgument, StatusInvalidHex, StatusVerificationFailed, StatusCrypto:
				return nil, nil
			}
		}
		return nil, err
	}
	return signer, nil
}

// EnvEncryptPublicKeyCheck configures CheckEnvEncryptPublicKey. Not in the
// official SDK.
type EnvEncryptPublicKeyCheck struct {
	// Timestamp of a timestamped ("v1") signature, as the KMS returned it;
	// nil checks the legacy message, which has none.
	Timestamp *uint64
	// MaxAgeSeconds: how old Timestamp may be (default 300).
	MaxAgeSeconds uint64
	// FutureSkewSeconds: how far in the future it may be (default 60).
	FutureSkewSeconds uint64
	// TrustedKMSKeys, when set, makes a signer outside the list an error
	// (StatusVerificationFailed). Each key is 33 raw bytes or its hex text.
	TrustedKMSKeys [][]byte
	// Now replaces the wall clock (for tests and replays).
	Now time.Time
}

// window checks the timestamp (if any) against now.
func (c *EnvEncryptPublicKeyCheck) window(now time.Time) error {
	if c.Timestamp == nil {
		return nil
	}
	maxAge, skew := c.MaxAgeSeconds, c.FutureSkewSeconds
	if maxAge == 0 {
		maxAge = 300
	}
	if skew == 0 {
		skew = 60
	}
	if now.Unix() < 0 {
		return newError(StatusInvalidArgument, "the clock is before 1970")
	}
	nowSec, ts := uint64(now.Unix()), *c.Timestamp
	if ts > nowSec {
		if ts-nowSec > skew {
			return newError(StatusExpired, "timestamp is too far in the future: %ds > %ds", ts-nowSec, skew)
		}
	} else if nowSec-ts > maxAge {
		return newError(StatusExpired, "timestamp is too old: %ds > %ds", nowSec-ts, maxAge)
	}
	return nil
}

// CheckEnvEncryptPublicKey recovers the KMS key that signed publicKey for
// appID (hex, optional 0x or 0X) and returns it as "0x" + hex of the 33-byte
// compressed key, like VerifyEnvEncryptPublicKey, but every failure is an
// error: malformed input (StatusInvalidArgument, StatusInvalidHex), a
// signature that does not recover or a signer outside TrustedKMSKeys
// (StatusVerificationFailed), a timestamp outside the window
// (StatusExpired). Not in the official SDK.
func CheckEnvEncryptPublicKey(publicKey []byte, signature []byte, appID string, check EnvEncryptPublicKeyCheck) ([]byte, error) {
	now := time.Now()
	if !check.Now.IsZero() {
		now = check.Now
	}
	if err := check.window(now); err != nil {
		return nil, err
	}
	trusted, count, err := packTrustedKeys(check.TrustedKMSKeys)
	if err != nil {
		return nil, err
	}
	var signer [33]byte
	kp, kl := bytesArg(publicKey)
	sp, sl := bytesArg(signature)
	ap, al := strArg(appID)
	tp, _ := bytesArg(trusted)
	out := (*C.uint8_t)(unsafe.Pointer(&signer[0]))
	var cerr *C.dstack_error
	var st C.dstack_status
	if check.Timestamp == nil {
		st = C.dstack_verify_env_encrypt_public_key_legacy(kp, kl, sp, sl, ap, al, tp, C.size_t(count), out, &cerr)
	} else {
		// The window was checked above with the configurable skew; libdstack
		// checks it again with the clock set to the timestamp for a future
		// one, so its fixed 60 s skew does not apply twice.
		ts := *check.Timestamp
		clock := uint64(now.Unix())
		if ts > clock {
			clock = ts
		}
		maxAge := check.MaxAgeSeconds
		st = C.dstack_verify_env_encrypt_public_key(kp, kl, sp, sl, ap, al, C.uint64_t(ts), C.uint64_t(clock), C.uint64_t(maxAge),
			tp, C.size_t(count), out, &cerr)
	}
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
