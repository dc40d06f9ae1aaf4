//go:build !ethereum && !web3

package dstack

import (
	"encoding/hex"
	"fmt"
)

// The dependency-free EthereumAccount of the default build. Build with
// -tags ethereum (or web3, the official SDK's tag) for the official field
// types from go-ethereum (ethereum_geth.go).

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
// (go-ethereum's *ecdsa.PrivateKey with -tags ethereum, as in the official
// SDK).
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
	return secp256k1SignPrehash(a.PrivateKey, hash)
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

func ethereumAccountFromSecret(secret []byte) (*EthereumAccount, error) {
	text, err := ethereumAddress(secret)
	if err != nil {
		return nil, err
	}
	acct := &EthereumAccount{PrivateKey: append([]byte(nil), secret...)}
	acct.Address.checksum = text
	if _, err := hex.Decode(acct.Address.raw[:], []byte(text[2:])); err != nil {
		return nil, newError(StatusMalformedResponse, "libdstack returned a malformed address %q", text)
	}
	return acct, nil
}

type ethereumAccountView struct {
	Address    Address
	PrivateKey string
}

// Format prints the account with PrivateKey redacted.
func (a EthereumAccount) Format(f fmt.State, verb rune) {
	formatView(f, verb, ethereumAccountView{a.Address, redactBytes(a.PrivateKey)},
		"dstack.ethereumAccountView", "dstack.EthereumAccount")
}

// String is the %v form, with PrivateKey redacted.
func (a EthereumAccount) String() string { return fmt.Sprintf("%v", a) }

// GoString is the %#v form, with PrivateKey redacted.
func (a EthereumAccount) GoString() string { return fmt.Sprintf("%#v", a) }
