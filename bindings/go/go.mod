module github.com/libdstack/libdstack/bindings/go

go 1.22

require github.com/ethereum/go-ethereum v1.14.13

require (
	github.com/decred/dcrd/dcrec/secp256k1/v4 v4.0.1 // indirect
	github.com/holiman/uint256 v1.3.1 // indirect
	golang.org/x/crypto v0.22.0 // indirect
	golang.org/x/sys v0.22.0 // indirect
)
