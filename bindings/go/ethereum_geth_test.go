//go:build ethereum || web3

package dstack

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// With -tags ethereum (or web3): the official SDK's field types, and values
// go-ethereum agrees with.

func acctSecret(a *EthereumAccount) []byte { return a.PrivateKey.D.FillBytes(make([]byte, 32)) }

func acctPublicKey(a *EthereumAccount) []byte {
	pub := a.PublicKey()
	return elliptic.Marshal(crypto.S256(), pub.X, pub.Y) //nolint:staticcheck // go-ethereum's own encoding
}

func TestEthereumAccountHasGoEthereumTypes(t *testing.T) {
	acct, err := ToEthereumAccount(&GetKeyResponse{Key: factKeyAP})
	if err != nil {
		t.Fatal(err)
	}
	var addr common.Address = acct.Address
	var priv *ecdsa.PrivateKey = acct.PrivateKey
	var pub *ecdsa.PublicKey = acct.PublicKey()

	want, err := crypto.ToECDSA(mustHex(t, factKeyAP))
	if err != nil {
		t.Fatal(err)
	}
	if addr != crypto.PubkeyToAddress(want.PublicKey) || !priv.Equal(want) || !pub.Equal(&want.PublicKey) {
		t.Fatalf("account %s differs from go-ethereum's %s", addr.Hex(), crypto.PubkeyToAddress(want.PublicKey).Hex())
	}
	hash := crypto.Keccak256([]byte("message"))
	sig, err := acct.Sign(hash)
	if err != nil {
		t.Fatal(err)
	}
	// go-ethereum signs deterministically (RFC 6979) too: the same bytes.
	gsig, err := crypto.Sign(hash, priv)
	if err != nil || string(gsig) != string(sig) {
		t.Fatalf("signature %x, go-ethereum %x (%v)", sig, gsig, err)
	}
	recovered, err := crypto.SigToPub(hash, sig)
	if err != nil || crypto.PubkeyToAddress(*recovered) != addr {
		t.Fatalf("recovered %v %v", recovered, err)
	}
	if !VerifySignatureSimple([]byte("message"), sig, crypto.CompressPubkey(pub)) {
		t.Fatal("VerifySignatureSimple refused a go-ethereum signature")
	}
	for _, n := range []int{0, 1, 135, 136, 137, 272, 1000} {
		m := bytes.Repeat([]byte{byte(n)}, n)
		if got := keccak256(m); !bytes.Equal(got[:], crypto.Keccak256(m)) {
			t.Fatalf("keccak256 of %d bytes differs from go-ethereum's", n)
		}
	}
	// The official error for a key that is not 32 bytes.
	_, err = ToEthereumAccount(&GetKeyResponse{Key: factKeyAP + "00"})
	wantStatus(t, err, ErrInvalidArgument)
	if _, gerr := crypto.ToECDSA(make([]byte, 33)); gerr == nil || !containsText(err, "failed to create ECDSA private key: "+gerr.Error()) {
		t.Fatalf("33-byte key: %v (go-ethereum: %v)", err, gerr)
	}
}
