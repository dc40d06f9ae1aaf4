//go:build !ethereum && !web3

package dstack

import "testing"

// The default build's EthereumAccount: dependency-free field types.

func acctSecret(a *EthereumAccount) []byte    { return a.PrivateKey }
func acctPublicKey(a *EthereumAccount) []byte { return a.PublicKey() }

func TestDefaultEthereumAccountTypes(t *testing.T) {
	acct, err := ToEthereumAccount(&GetKeyResponse{Key: factKeyAP})
	if err != nil {
		t.Fatal(err)
	}
	var _ Address = acct.Address
	var _ []byte = acct.PrivateKey
	c, err := acct.PublicKeyCompressed()
	if err != nil || len(c) != 33 || len(acct.Address.Bytes()) != 20 || acct.Address.String() != acct.Address.Hex() {
		t.Fatalf("compressed %x %v", c, err)
	}
	var nilAcct *EthereumAccount
	_, err = nilAcct.PublicKeyCompressed()
	wantStatus(t, err, ErrNullArgument)
}
