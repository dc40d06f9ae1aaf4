package dstack

// #include "dstack.h"
import "C"

import (
	"crypto/ed25519"
	"encoding/hex"
	"log/slog"
	"unsafe"
)

// Ethereum and Solana helpers. The official SDK builds them with go-ethereum
// behind build tags; here they are always available, have no dependencies,
// and every key operation is done by libdstack.

// Address is a 20-byte Ethereum address that knows its EIP-55 spelling.
type Address struct {
	raw      [20]byte
	checksum string
}

// Hex returns the EIP-55 checksummed "0x…" address.
func (a Address) Hex() string { return a.checksum }

// String is Hex.
func (a Address) String() string { return a.checksum }

// Bytes returns the 20 address bytes.
func (a Address) Bytes() []byte { return append([]byte(nil), a.raw[:]...) }

// EthereumAccount is a secp256k1 account. PrivateKey is the 32-byte secret
// (go-ethereum's *ecdsa.PrivateKey in the official SDK).
type EthereumAccount struct {
	Address    Address
	PrivateKey []byte
}

// Sign signs a 32-byte hash: 65 bytes r‖s‖v with v ∈ {0,1} and low S, the
// layout go-ethereum's crypto.Sign returns.
func (a *EthereumAccount) Sign(hash []byte) ([]byte, error) {
	if a == nil {
		return nil, nilReceiver("EthereumAccount")
	}
	if len(a.PrivateKey) != 32 {
		return nil, newError(StatusInvalidArgument, "private key must be 32 bytes, got %d", len(a.PrivateKey))
	}
	if len(hash) != 32 {
		return nil, newError(StatusInvalidArgument, "hash must be 32 bytes, got %d", len(hash))
	}
	sig := make([]byte, 65)
	var cerr *C.dstack_error
	st := C.dstack_secp256k1_sign_prehash((*C.uint8_t)(unsafe.Pointer(&a.PrivateKey[0])), (*C.uint8_t)(unsafe.Pointer(&hash[0])), (*C.uint8_t)(unsafe.Pointer(&sig[0])), &cerr)
	if err := takeError(st, cerr); err != nil {
		return nil, err
	}
	return sig, nil
}

// PublicKey returns the uncompressed SEC1 public key (65 bytes, 0x04‖X‖Y);
// the official SDK returned *ecdsa.PublicKey. Returns nil for an invalid key
// or a nil account.
func (a *EthereumAccount) PublicKey() []byte {
	if a == nil {
		return nil
	}
	pub, err := secp256k1PublicKey(a.PrivateKey, false)
	if err != nil {
		return nil
	}
	return pub
}

// PublicKeyCompressed returns the 33-byte compressed SEC1 public key.
func (a *EthereumAccount) PublicKeyCompressed() ([]byte, error) {
	if a == nil {
		return nil, nilReceiver("EthereumAccount")
	}
	return secp256k1PublicKey(a.PrivateKey, true)
}

func secp256k1PublicKey(secret []byte, compressed bool) ([]byte, error) {
	if len(secret) != 32 {
		return nil, newError(StatusInvalidArgument, "secret key must be 32 bytes, got %d", len(secret))
	}
	return outBuffer(65, func(out *C.uint8_t, capacity C.size_t, outLen *C.size_t, cerr **C.dstack_error) C.dstack_status {
		return C.dstack_secp256k1_public_key((*C.uint8_t)(unsafe.Pointer(&secret[0])), C.bool(compressed), out, capacity, outLen, cerr)
	})
}

func ethereumAccountFromSecret(secret []byte) (*EthereumAccount, error) {
	if len(secret) != 32 {
		return nil, newError(StatusInvalidArgument, "key must be 32 bytes, got %d", len(secret))
	}
	var text [42]byte
	var cerr *C.dstack_error
	st := C.dstack_ethereum_address((*C.uint8_t)(unsafe.Pointer(&secret[0])), (*C.uint8_t)(unsafe.Pointer(&text[0])), &cerr)
	if err := takeError(st, cerr); err != nil {
		return nil, err
	}
	acct := &EthereumAccount{PrivateKey: append([]byte(nil), secret...)}
	acct.Address.checksum = string(text[:])
	if _, err := hex.Decode(acct.Address.raw[:], text[2:]); err != nil {
		return nil, newError(StatusMalformedResponse, "libdstack returned a malformed address %q", acct.Address.checksum)
	}
	return acct, nil
}

// keyMaterial extracts the seed for the account/keypair helpers.
// GetKeyResponse: the 32-byte key. GetTlsKeyResponse (deprecated use):
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
		if err != nil {
			return nil, err
		}
		if len(key) != 32 {
			return nil, newError(StatusInvalidArgument, "key must be 32 bytes, got %d", len(key))
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

// ToEthereumAccount makes an account from a GetKey answer (the key is the
// secret). A GetTlsKey answer is accepted for compatibility, with the
// Python/JS result (first 32 bytes of the DER).
//
// Deprecated: use ToEthereumAccountSecure.
func ToEthereumAccount(keyResponse interface{}) (*EthereumAccount, error) {
	key, err := keyMaterial(keyResponse, false, "toEthereumAccount")
	if err != nil {
		return nil, err
	}
	return ethereumAccountFromSecret(key)
}

// ToEthereumAccountSecure makes an account from a GetKey answer, or from a
// GetTlsKey answer via SHA-256 of its PKCS#8 DER (as Python and JS do).
func ToEthereumAccountSecure(keyResponse interface{}) (*EthereumAccount, error) {
	key, err := keyMaterial(keyResponse, true, "toEthereumAccountSecure")
	if err != nil {
		return nil, err
	}
	return ethereumAccountFromSecret(key)
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
	if len(seed) != 32 {
		return nil, newError(StatusInvalidArgument, "seed must be 32 bytes, got %d", len(seed))
	}
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

// ToSolanaKeypair makes a keypair from a GetKey answer (the key is the
// seed). A GetTlsKey answer is accepted for compatibility, with the
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
