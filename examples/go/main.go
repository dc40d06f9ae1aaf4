// Demo of the libdstack Go binding: prints the CVM info, a derived key with
// its signature chain verified back to the KMS, a signature checked locally,
// and a quote whose event log is replayed and checked against it.
//
//	dstack-simulator --dir /tmp/sim &   # or run inside a dstack CVM
//	DSTACK_SIMULATOR_ENDPOINT=/tmp/sim/dstack.sock go run . [trusted-kms-key-hex]
package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	dstack "github.com/libdstack/libdstack/bindings/go"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	client := dstack.NewDstackClient()
	defer client.Close()
	fmt.Println("endpoint:", client.Endpoint())

	info, err := client.Info(ctx)
	if err != nil {
		return err
	}
	fmt.Println("app_id:      ", info.AppID)
	fmt.Println("app_name:    ", info.AppName)
	fmt.Println("compose_hash:", info.ComposeHash)

	key, err := client.GetKey(ctx, "demo/wallet", "ethereum", "secp256k1")
	if err != nil {
		return err
	}
	fmt.Println("key:         ", key.Key)
	appID, err := hex.DecodeString(info.AppID)
	if err != nil {
		return err
	}
	// The trusted KMS key must come from outside the CVM (on-chain or
	// pinned). Without one, the demo shows the key the chain recovers.
	if len(os.Args) > 1 {
		trusted, err := hex.DecodeString(os.Args[1])
		if err != nil {
			return err
		}
		chain, err := key.VerifySignatureChain(appID, trusted)
		if err != nil {
			return fmt.Errorf("signature chain: %w", err)
		}
		fmt.Printf("chain:        verified (app key %x, KMS key %x)\n", chain.AppPublicKey, chain.KMSPublicKey)
	} else {
		fmt.Println("chain:        pass the trusted KMS key (hex) as the first argument to verify it")
	}
	acct, err := dstack.ToEthereumAccountSecure(key)
	if err != nil {
		return err
	}
	fmt.Println("eth address: ", acct.Address.Hex())

	msg := []byte("libdstack demo")
	signed, err := client.Sign(ctx, "secp256k1", msg)
	if err != nil {
		return err
	}
	valid, err := dstack.VerifySignature("secp256k1", msg, signed.Signature, signed.PublicKey)
	if err != nil {
		return err
	}
	if !valid {
		return fmt.Errorf("the agent's signature does not verify")
	}
	fmt.Printf("signature:    verified locally (public key %x)\n", signed.PublicKey)

	quote, err := client.GetQuote(ctx, msg)
	if err != nil {
		return err
	}
	rtmrs, err := quote.ReplayRTMRs()
	if err != nil {
		return err
	}
	if err := quote.VerifyEventLog(); err != nil {
		return fmt.Errorf("event log: %w", err)
	}
	fmt.Println("quote:       ", len(quote.Quote)/2, "bytes; event log replays to the quoted RTMRs")
	fmt.Println("rtmr3:       ", rtmrs[3])
	return nil
}
