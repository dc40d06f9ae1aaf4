package dstack

// #include "dstack.h"
import "C"

import "unsafe"

// What both EthereumAccount variants (ethereum.go, ethereum_geth.go) share.

// ethereumAddress checks a secret key as go-ethereum's crypto.ToECDSA does,
// with the official SDK's message, and returns its EIP-55 address text.
func ethereumAddress(secret []byte) (string, error) {
	if len(secret) != 32 {
		return "", newError(StatusInvalidArgument, "failed to create ECDSA private key: invalid length, need 256 bits (got %d bytes)", len(secret))
	}
	var text [42]byte
	var cerr *C.dstack_error
	st := C.dstack_ethereum_address((*C.uint8_t)(unsafe.Pointer(&secret[0])), (*C.uint8_t)(unsafe.Pointer(&text[0])), &cerr)
	if err := takeError(st, cerr); err != nil {
		// Zero, or not below the curve order.
		return "", newError(StatusInvalidArgument, "failed to create ECDSA private key: invalid private key (%v)", err)
	}
	return string(text[:]), nil
}

// secp256k1SignPrehash signs a 32-byte hash: r‖s‖v, v ∈ {0,1}, low S.
func secp256k1SignPrehash(secret, hash []byte) ([]byte, error) {
	if len(secret) != 32 {
		return nil, newError(StatusInvalidArgument, "private key must be 32 bytes, got %d", len(secret))
	}
	if len(hash) != 32 {
		return nil, newError(StatusInvalidArgument, "hash is required to be exactly 32 bytes (%d)", len(hash))
	}
	sig := make([]byte, 65)
	var cerr *C.dstack_error
	st := C.dstack_secp256k1_sign_prehash((*C.uint8_t)(unsafe.Pointer(&secret[0])), (*C.uint8_t)(unsafe.Pointer(&hash[0])), (*C.uint8_t)(unsafe.Pointer(&sig[0])), &cerr)
	if err := takeError(st, cerr); err != nil {
		return nil, err
	}
	return sig, nil
}

// ToEthereumAccount makes an account from a GetKey answer (the key is the
// secret; it must be 32 bytes, as go-ethereum's crypto.ToECDSA requires). A
// GetTlsKey answer is accepted for compatibility, with the Python/JS result
// (first 32 bytes of the DER).
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
