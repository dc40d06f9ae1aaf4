//go:build ethereum || web3

package dstack

import (
	"crypto/ecdsa"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// EthereumAccount with the official SDK's field types (go-ethereum), built
// with -tags ethereum or -tags web3. The address and public key are still
// computed by libdstack; PrivateKey is a go-ethereum secp256k1 key
// (crypto.S256()), usable with crypto.Sign, bind.NewKeyedTransactorWithChainID
// and the rest of go-ethereum.
type EthereumAccount struct {
	Address    common.Address
	PrivateKey *ecdsa.PrivateKey
}

// Sign signs a 32-byte hash: 65 bytes r‖s‖v with v ∈ {0,1} and low S, as
// go-ethereum's crypto.Sign (done by libdstack).
func (a *EthereumAccount) Sign(messageHash []byte) ([]byte, error) {
	if a == nil || a.PrivateKey == nil || a.PrivateKey.D == nil {
		return nil, nilReceiver("EthereumAccount")
	}
	return secp256k1SignPrehash(a.PrivateKey.D.FillBytes(make([]byte, 32)), messageHash)
}

// PublicKey returns the public key, as the official SDK. Nil for a nil
// account or one without a private key.
func (a *EthereumAccount) PublicKey() *ecdsa.PublicKey {
	if a == nil || a.PrivateKey == nil {
		return nil
	}
	return &a.PrivateKey.PublicKey
}

func ethereumAccountFromSecret(secret []byte) (*EthereumAccount, error) {
	text, err := ethereumAddress(secret)
	if err != nil {
		return nil, err
	}
	pub, err := secp256k1PublicKey(secret, false)
	if err != nil {
		return nil, err
	}
	key := &ecdsa.PrivateKey{
		PublicKey: ecdsa.PublicKey{
			Curve: crypto.S256(),
			X:     new(big.Int).SetBytes(pub[1:33]),
			Y:     new(big.Int).SetBytes(pub[33:65]),
		},
		D: new(big.Int).SetBytes(secret),
	}
	return &EthereumAccount{Address: common.HexToAddress(text), PrivateKey: key}, nil
}

type ethereumAccountView struct {
	Address    common.Address
	PrivateKey string
}

// Format prints the account with PrivateKey redacted.
func (a EthereumAccount) Format(f fmt.State, verb rune) {
	secret := ""
	if a.PrivateKey != nil {
		secret = redactedText
	}
	formatView(f, verb, ethereumAccountView{a.Address, secret},
		"dstack.ethereumAccountView", "dstack.EthereumAccount")
}

// String is the %v form, with PrivateKey redacted.
func (a EthereumAccount) String() string { return fmt.Sprintf("%v", a) }

// GoString is the %#v form, with PrivateKey redacted.
func (a EthereumAccount) GoString() string { return fmt.Sprintf("%#v", a) }
