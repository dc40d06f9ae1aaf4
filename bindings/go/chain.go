package dstack

// #include "dstack.h"
import "C"

import (
	"bytes"
	"unsafe"
)

// ChainInfo is what a verified signature chain proves: PublicKey was
// certified by the app key AppPublicKey, which the KMS key KMSPublicKey
// certified for the app. Keys are compressed SEC1 (33 bytes) except
// PublicKey, which is 32 bytes for ed25519.
type ChainInfo struct {
	PublicKey    []byte
	AppPublicKey []byte
	KMSPublicKey []byte
}

// VerifySignatureChain walks a key's signature chain back to the KMS:
// appSignature must be the app key's signature over
// keccak256(purpose ":" hex(publicKey)), kmsSignature the KMS key's over
// keccak256("dstack-kms-issued:" ‖ appID ‖ app key). The recovered KMS key
// must equal trustedKMSKey (33-byte compressed secp256k1), and appID (20
// bytes) must be the app you expect; neither may come from the CVM being
// checked. Failure is StatusVerificationFailed.
func VerifySignatureChain(publicKey []byte, purpose string, appSignature, kmsSignature, appID, trustedKMSKey []byte) (*ChainInfo, error) {
	var appKey, kmsKey [33]byte
	pp, pl := bytesArg(publicKey)
	up, ul := strArg(purpose)
	ap, al := bytesArg(appSignature)
	kp, kl := bytesArg(kmsSignature)
	ip, il := bytesArg(appID)
	tp, tl := bytesArg(trustedKMSKey)
	var cerr *C.dstack_error
	st := C.dstack_verify_signature_chain(pp, pl, up, ul, ap, al, kp, kl, ip, il, tp, tl,
		(*C.uint8_t)(unsafe.Pointer(&appKey[0])), (*C.uint8_t)(unsafe.Pointer(&kmsKey[0])), &cerr)
	if err := takeError(st, cerr); err != nil {
		return nil, err
	}
	return &ChainInfo{
		PublicKey:    append([]byte(nil), publicKey...),
		AppPublicKey: appKey[:],
		KMSPublicKey: kmsKey[:],
	}, nil
}

// VerifySignatureChain verifies the key's chain back to trustedKMSKey for
// appID (see the function of the same name). The key's public key is derived
// from Key with the algorithm GetKey used; the purpose is the one GetKey was
// called with (set both with WithPurpose for a hand-built response).
func (r *GetKeyResponse) VerifySignatureChain(appID []byte, trustedKMSKey []byte) (*ChainInfo, error) {
	key, err := r.DecodeKey()
	if err != nil {
		return nil, err
	}
	chain, err := r.DecodeSignatureChain()
	if err != nil {
		return nil, err
	}
	if len(chain) != 2 {
		return nil, newError(StatusVerificationFailed, "signature chain must have 2 elements, got %d", len(chain))
	}
	pub, err := publicKeyFor(r.algorithm, key)
	if err != nil {
		return nil, err
	}
	return VerifySignatureChain(pub, r.purpose, chain[0], chain[1], appID, trustedKMSKey)
}

// publicKeyFor derives the public key the agent certified for a GetKey key.
func publicKeyFor(algorithm string, key []byte) ([]byte, error) {
	if len(key) != 32 {
		return nil, newError(StatusInvalidArgument, "key must be 32 bytes, got %d", len(key))
	}
	switch algorithm {
	case "", "secp256k1", "k256":
		return secp256k1PublicKey(key, true)
	case "ed25519":
		kp, err := solanaKeypairFromSeed(key)
		if err != nil {
			return nil, err
		}
		return kp.PublicKey, nil
	default:
		return nil, newError(StatusInvalidArgument, "unknown key algorithm %q", algorithm)
	}
}

// VerifySignatureChain verifies a Sign answer end to end: Signature is a
// valid signature over the signed data by PublicKey and is the chain's first
// element, and PublicKey chains back to trustedKMSKey for appID (purpose
// "signing"). Only responses returned by Sign carry the signed data.
func (r *SignResponse) VerifySignatureChain(appID []byte, trustedKMSKey []byte) (*ChainInfo, error) {
	if r == nil {
		return nil, nilReceiver("SignResponse")
	}
	if len(r.SignatureChain) != 3 {
		return nil, newError(StatusVerificationFailed, "signature chain must have 3 elements, got %d", len(r.SignatureChain))
	}
	if !bytes.Equal(r.SignatureChain[0], r.Signature) {
		return nil, newError(StatusVerificationFailed, "signature is not the first element of the chain")
	}
	if r.algorithm == "" {
		return nil, newError(StatusInvalidArgument, "the response does not carry the signed data; use the value Sign returned")
	}
	if err := verifyPayloadSignature(r.algorithm, r.data, r.Signature, r.PublicKey); err != nil {
		return nil, err
	}
	return VerifySignatureChain(r.PublicKey, "signing", r.SignatureChain[1], r.SignatureChain[2], appID, trustedKMSKey)
}

// VerifySignature checks locally that signature by publicKey over data is
// valid, with the semantics of the agent's former Verify RPC (libdstack's
// dstack_verify_signature): "ed25519" (32-byte key, 64-byte signature);
// "secp256k1" or "k256" (ECDSA over SHA-256(data), 33- or 65-byte SEC1 key,
// 64-byte r‖s signature: pass the first 64 bytes of a 65-byte r‖s‖v one);
// "secp256k1_prehashed" (the same over data itself, which must be 32 bytes).
// A well-formed signature that does not verify is (false, nil); an unknown
// algorithm or a malformed key or signature is StatusInvalidArgument.
func VerifySignature(algorithm string, data, signature, publicKey []byte) (bool, error) {
	ap, al := strArg(algorithm)
	dp, dl := bytesArg(data)
	sp, sl := bytesArg(signature)
	kp, kl := bytesArg(publicKey)
	var valid C.bool
	var cerr *C.dstack_error
	st := C.dstack_verify_signature(ap, al, dp, dl, sp, sl, kp, kl, &valid, &cerr)
	if err := takeError(st, cerr); err != nil {
		return false, err
	}
	return bool(valid), nil
}

// verifyPayloadSignature checks a Sign signature over the signed data
// locally; a signature that does not verify is StatusVerificationFailed.
func verifyPayloadSignature(algorithm string, data, signature, publicKey []byte) error {
	ok, err := VerifySignature(algorithm, data, signature, publicKey)
	if err != nil {
		return err
	}
	if !ok {
		return newError(StatusVerificationFailed, "the %s signature does not verify under the public key", algorithm)
	}
	return nil
}

// VerifySignatureSimple reports whether signature (65 bytes r‖s‖v; v is not
// used) is expectedPubKey's ECDSA signature over Keccak-256(message), as the
// official SDK's function of the same name: expectedPubKey is a 33-byte
// compressed or 65-byte uncompressed secp256k1 key, a high-S signature is
// refused, and anything malformed is false.
func VerifySignatureSimple(message []byte, signature []byte, expectedPubKey []byte) bool {
	if len(signature) != 65 {
		return false
	}
	hash := keccak256(message)
	ok, err := VerifySignature("secp256k1_prehashed", hash[:], signature[:64], expectedPubKey)
	return err == nil && ok
}
