package dstack

// #include "dstack.h"
import "C"

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"log/slog"
	"unsafe"
)

// Ethereum and Solana helpers. The official SDK builds them with go-ethereum
// behind a build tag; here they are always available and every key
// operation is done by libdstack. EthereumAccount has dependency-free field
// types by default (ethereum.go) and go-ethereum's with -tags ethereum or
// -tags web3 (ethereum_geth.go).

func secp256k1PublicKey(secret []byte, compressed bool) ([]byte, error) {
	if len(secret) != 32 {
		return nil, newError(StatusInvalidArgument, "secret key must be 32 bytes, got %d", len(secret))
	}
	return outBuffer(65, func(out *C.uint8_t, capacity C.size_t, outLen *C.size_t, cerr **C.dstack_error) C.dstack_status {
		return C.dstack_secp256k1_public_key((*C.uint8_t)(unsafe.Pointer(&secret[0])), C.bool(compressed), out, capacity, outLen, cerr)
	})
}

// keyMaterial extracts the seed for the account/keypair helpers.
// GetKeyResponse: the decoded key, of any length (each helper checks it as
// the official SDK does). GetTlsKeyResponse (deprecated use):
// secure → SHA-256 of the PKCS#8 DER; plain → its first 32 bytes, as the
// Python and JS SDKs do (a constant for P-256 keys — never use it for value).
func keyMaterial(keyResponse interface{}, secure bool, who string) ([]byte, error) {
	switch resp := keyResponse.(type) {
	case GetKeyResponse:
		return keyMaterial(&resp, secure, who)
	case GetTlsKeyResponse:
		return keyMaterial(&resp, secure, who)
	case *GetKeyResponse:
		key, err := resp.DecodeKey()
		var de *DstackError
		if errors.As(err, &de) && de.Status == StatusInvalidHex {
			return nil, newError(StatusInvalidHex, "failed to decode key: %s", de.Message)
		}
		if err != nil {
			return nil, err
		}
		return key, nil
	case *GetTlsKeyResponse:
		if resp == nil {
			return nil, nilReceiver("GetTlsKeyResponse")
		}
		slog.Warn(who + ": Please don't use GetTlsKey method to get key, use GetKey instead.")
		if secure {
			var seed [32]byte
			kp, kl := strArg(resp.Key)
			var cerr *C.dstack_error
			st := C.dstack_tls_key_secure_seed(kp, kl, (*C.uint8_t)(unsafe.Pointer(&seed[0])), &cerr)
			if err := takeError(st, cerr); err != nil {
				return nil, err
			}
			return seed[:], nil
		}
		return resp.AsUint8Array(32)
	default:
		return nil, newError(StatusInvalidArgument, "%s: unsupported key response type %T; pass the *GetKeyResponse of GetKey (or a *GetTlsKeyResponse)", who, keyResponse)
	}
}

// SolanaKeypair is an ed25519 keypair.
type SolanaKeypair struct {
	PublicKey  ed25519.PublicKey
	PrivateKey ed25519.PrivateKey

	base58 string
}

// Sign signs message (ed25519, by libdstack). It returns nil for a nil
// keypair or one without a 64-byte PrivateKey.
func (k *SolanaKeypair) Sign(message []byte) []byte {
	if k == nil || len(k.PrivateKey) != ed25519.PrivateKeySize {
		return nil
	}
	sig := make([]byte, 64)
	mp, ml := bytesArg(message)
	var cerr *C.dstack_error
	st := C.dstack_ed25519_sign((*C.uint8_t)(unsafe.Pointer(&k.PrivateKey[0])), mp, ml, (*C.uint8_t)(unsafe.Pointer(&sig[0])), &cerr)
	if takeError(st, cerr) != nil {
		return nil
	}
	return sig
}

// Verify checks an ed25519 signature over message with the keypair's public key.
func (k *SolanaKeypair) Verify(message, signature []byte) bool {
	if k == nil {
		return false
	}
	ok, err := Ed25519Verify(k.PublicKey, message, signature)
	return err == nil && ok
}

// PublicKeyString returns the public key as hex, as the official Go SDK
// does. Solana tools show base58: use PublicKeyBase58.
func (k *SolanaKeypair) PublicKeyString() string {
	if k == nil {
		return ""
	}
	return hex.EncodeToString(k.PublicKey)
}

// PublicKeyBase58 returns the Solana (base58) spelling of the public key.
func (k *SolanaKeypair) PublicKeyBase58() string {
	if k == nil {
		return ""
	}
	return k.base58
}

// Bytes returns the 64-byte secret key (seed ‖ public key).
func (k *SolanaKeypair) Bytes() []byte {
	if k == nil {
		return nil
	}
	return k.PrivateKey
}

// Ed25519Verify checks an ed25519 signature (libdstack).
func Ed25519Verify(publicKey, message, signature []byte) (bool, error) {
	if len(publicKey) != 32 {
		return false, newError(StatusInvalidArgument, "ed25519 public key must be 32 bytes, got %d", len(publicKey))
	}
	if len(signature) != 64 {
		return false, newError(StatusInvalidArgument, "ed25519 signature must be 64 bytes, got %d", len(signature))
	}
	mp, ml := bytesArg(message)
	var valid C.bool
	var cerr *C.dstack_error
	st := C.dstack_ed25519_verify((*C.uint8_t)(unsafe.Pointer(&publicKey[0])), mp, ml, (*C.uint8_t)(unsafe.Pointer(&signature[0])), &valid, &cerr)
	if err := takeError(st, cerr); err != nil {
		return false, err
	}
	return bool(valid), nil
}

func solanaKeypairFromSeed(seed []byte) (*SolanaKeypair, error) {
	if len(seed) < 32 {
		return nil, newError(StatusInvalidArgument, "key too short, need at least 32 bytes (got %d)", len(seed))
	}
	// As the official SDK: a longer key is cut to its first 32 bytes.
	seed = seed[:32]
	secret := make([]byte, 64)
	var b58 [64]byte
	var n C.size_t
	var cerr *C.dstack_error
	st := C.dstack_solana_keypair((*C.uint8_t)(unsafe.Pointer(&seed[0])), (*C.uint8_t)(unsafe.Pointer(&secret[0])),
		(*C.uint8_t)(unsafe.Pointer(&b58[0])), C.size_t(len(b58)), &n, &cerr)
	if err := takeError(st, cerr); err != nil {
		return nil, err
	}
	return &SolanaKeypair{
		PublicKey:  ed25519.PublicKey(secret[32:]),
		PrivateKey: ed25519.PrivateKey(secret),
		base58:     string(b58[:int(n)]),
	}, nil
}

// ToSolanaKeypair makes a keypair from a GetKey answer (the first 32 bytes
// of the key are the seed; a shorter key is an error, as upstream). A GetTlsKey answer is accepted for compatibility, with the
// Python/JS result (first 32 bytes of the DER).
//
// Deprecated: use ToSolanaKeypairSecure.
func ToSolanaKeypair(keyResponse interface{}) (*SolanaKeypair, error) {
	seed, err := keyMaterial(keyResponse, false, "toSolanaKeypair")
	if err != nil {
		return nil, err
	}
	return solanaKeypairFromSeed(seed)
}

// ToSolanaKeypairSecure makes a keypair from a GetKey answer, or from a
// GetTlsKey answer via SHA-256 of its PKCS#8 DER.
func ToSolanaKeypairSecure(keyResponse interface{}) (*SolanaKeypair, error) {
	seed, err := keyMaterial(keyResponse, true, "toSolanaKeypairSecure")
	if err != nil {
		return nil, err
	}
	return solanaKeypairFromSeed(seed)
}
