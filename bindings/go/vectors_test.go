package dstack

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Vector tests: testdata/vectors, following the rules in its README.

func loadVectors(t *testing.T, name string) []map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testdataDir, "vectors", name))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []map[string]any `json:"cases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cases) == 0 {
		t.Fatalf("%s has no cases", name)
	}
	return doc.Cases
}

func str(m map[string]any, keys ...string) string {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = mm[k]
	}
	s, _ := v.(string)
	return s
}

func sub(m map[string]any, keys ...string) map[string]any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	mm, _ := v.(map[string]any)
	return mm
}

// Target: the JS result (README), byte-equal canonical JSON and hash.
func TestVectorsComposeHash(t *testing.T) {
	for _, c := range loadVectors(t, "compose_hash.json") {
		id := str(c, "id")
		if str(c, "js_parse") != "JSON.parse" {
			continue // the input is not JSON (JS eval of NaN/Infinity)
		}
		for _, norm := range []bool{false, true} {
			key := "normalize_" + strconv.FormatBool(norm)
			js := sub(c, "js", key)
			got, err := GetComposeHashJSON([]byte(str(c, "input_json")), norm)
			if js["error"] != nil {
				if err == nil {
					t.Errorf("%s %s: JS failed (%v), we returned %s", id, key, js["error"], got)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s %s: %v", id, key, err)
				continue
			}
			if got != js["hash"] {
				t.Errorf("%s %s: hash %s, want %s", id, key, got, js["hash"])
			}
			canon, err := ComposeCanonicalJSON([]byte(str(c, "input_json")), norm)
			if err != nil || string(canon) != js["canonical_json"] {
				t.Errorf("%s %s: canonical %q (%v), want %q", id, key, canon, err, js["canonical_json"])
			}
		}
	}
}

// The struct API gives the same hash as the JSON it marshals to, for inputs
// the struct represents exactly (no nulls, no values dropped by omitempty).
func TestComposeHashStruct(t *testing.T) {
	for _, c := range loadVectors(t, "compose_hash.json") {
		id := str(c, "id")
		if id != "doc_js_readme" && id != "key_provider_fields" {
			continue
		}
		var ac AppCompose
		if err := json.Unmarshal([]byte(str(c, "input_json")), &ac); err != nil {
			t.Fatal(err)
		}
		got, err := GetComposeHash(ac)
		if err != nil {
			t.Fatal(err)
		}
		if want := str(c, "js", "normalize_false", "hash"); got != want {
			t.Errorf("%s: struct hash %s, want %s", id, got, want)
		}
	}
	// Extra keeps unknown fields.
	var ac AppCompose
	if err := json.Unmarshal([]byte(`{"runner":"docker-compose","storage_fs":"ext4","name":"x"}`), &ac); err != nil {
		t.Fatal(err)
	}
	if string(ac.Extra["storage_fs"]) != `"ext4"` {
		t.Fatalf("extra %v", ac.Extra)
	}
	withExtra, _ := GetComposeHash(ac)
	want, _ := GetComposeHashJSON([]byte(`{"name":"x","runner":"docker-compose","storage_fs":"ext4"}`), false)
	if withExtra != want {
		t.Fatalf("extra field not hashed: %s vs %s", withExtra, want)
	}
}

// Decrypt with the recipient key using only the Go standard library.
func TestVectorsEnvEncrypt(t *testing.T) {
	for _, c := range loadVectors(t, "env_encrypt.json") {
		id := str(c, "id")
		var envs []EnvVar
		b, _ := json.Marshal(c["envs"])
		_ = json.Unmarshal(b, &envs)
		ct, err := EncryptEnvVars(envs, str(c, "public_key_hex_argument"))
		priv := str(c, "remote_private_key_hex")
		if priv == "" {
			if err == nil {
				t.Errorf("%s: invalid key accepted", id)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		raw, err := hex.DecodeString(ct)
		if err != nil || len(raw) < 32+12+16 {
			t.Errorf("%s: ciphertext %q", id, ct)
			continue
		}
		key, err := ecdh.X25519().NewPrivateKey(mustHex(t, priv))
		if err != nil {
			t.Fatal(err)
		}
		eph, err := ecdh.X25519().NewPublicKey(raw[:32])
		if err != nil {
			t.Fatal(err)
		}
		shared, err := key.ECDH(eph)
		if err != nil {
			t.Fatal(err)
		}
		block, _ := aes.NewCipher(shared)
		gcm, _ := cipher.NewGCM(block)
		plain, err := gcm.Open(nil, raw[32:44], raw[44:], nil)
		if err != nil {
			t.Errorf("%s: decrypt: %v", id, err)
			continue
		}
		var doc struct {
			Env []EnvVar `json:"env"`
		}
		if err := json.Unmarshal(plain, &doc); err != nil {
			t.Errorf("%s: plaintext %q: %v", id, plain, err)
			continue
		}
		if len(doc.Env) != len(envs) {
			t.Errorf("%s: %d vars, want %d", id, len(doc.Env), len(envs))
			continue
		}
		for i := range envs {
			if doc.Env[i] != envs[i] {
				t.Errorf("%s: var %d = %+v, want %+v", id, i, doc.Env[i], envs[i])
			}
		}
		if bytes.Contains(plain, []byte(": ")) && !strings.Contains(string(b), ": ") {
			t.Errorf("%s: plaintext is not compact: %q", id, plain)
		}
	}
	if _, err := EncryptEnvVars([]EnvVar{{"A", "b"}}, "zz"); err == nil {
		t.Fatal("bad hex key accepted")
	}
}

// CheckEnvEncryptPublicKey: the Python result, except uppercase 0X accepted
// (as JS), and every failure an error; a recovered key that is not the
// trusted one must be refused when a trusted key is given. The official
// VerifyEnvEncryptPublicKey: the expected key, else nil, nil (as upstream).
func TestVectorsKmsSig(t *testing.T) {
	for _, c := range loadVectors(t, "kms_sig.json") {
		id := str(c, "id")
		pub := mustHex(t, str(c, "public_key_hex"))
		sig := mustHex(t, str(c, "signature_hex"))
		appID := str(c, "app_id")
		want := str(c, "expected")
		if str(c, "kind") == "legacy" {
			got, err := VerifyEnvEncryptPublicKey(pub, sig, appID)
			if err != nil || string(got) != want {
				t.Errorf("%s: official: got %q (%v), want %q and no error", id, got, err, want)
			}
		}
		if strings.Contains(id, "0X_uppercase") {
			want = str(c, "js", "result")
		}
		check := EnvEncryptPublicKeyCheck{}
		if str(c, "kind") != "legacy" {
			ts := uint64(c["timestamp"].(float64))
			check.Timestamp = &ts
			check.Now = time.Unix(int64(c["now"].(float64)), 0)
			if m, ok := c["max_age_seconds"].(float64); ok {
				check.MaxAgeSeconds = uint64(m)
			}
		}
		got, err := CheckEnvEncryptPublicKey(pub, sig, appID, check)
		if want == "" {
			if err == nil {
				t.Errorf("%s: want an error, got %s", id, got)
			}
			continue
		}
		if err != nil || string(got) != want {
			t.Errorf("%s: got %s (%v), want %s", id, got, err, want)
			continue
		}
		// With the real signer as the trusted key, only genuine signatures pass.
		signer := str(c, "signer_compressed_public_key")
		if signer == "" {
			continue
		}
		check.TrustedKMSKeys = [][]byte{[]byte(signer)}
		_, err = CheckEnvEncryptPublicKey(pub, sig, appID, check)
		if (want == signer) != (err == nil) {
			t.Errorf("%s: trusted-key check: recovered %s, signer %s, err %v", id, want, signer, err)
		}
	}
}

// vectorKeyResponse is the response an ethereum/solana vector case converts: a GetKey key
// or a TLS key PEM, as its "source" says.
func vectorKeyResponse(c map[string]any) any {
	if str(c, "source") == "GetKeyResponse" {
		return &GetKeyResponse{Key: str(c, "key_hex")}
	}
	return &GetTlsKeyResponse{Key: str(c, "pem")}
}

func TestVectorsEthereum(t *testing.T) {
	for _, c := range loadVectors(t, "ethereum.json") {
		id := str(c, "id")
		resp := vectorKeyResponse(c)
		for _, fn := range []struct {
			name string
			f    func(interface{}) (*EthereumAccount, error)
		}{{"to_account", ToEthereumAccount}, {"to_account_secure", ToEthereumAccountSecure}} {
			acct, err := fn.f(resp)
			want := str(c, "expected", fn.name)
			if want == "" || isSEC1(c) {
				if err == nil {
					t.Errorf("%s %s: want an error, got %s", id, fn.name, acct.Address.Hex())
				}
				continue
			}
			if err != nil || acct.Address.Hex() != want {
				t.Errorf("%s %s: %v %v, want %s", id, fn.name, acct, err, want)
			}
		}
	}
}

func TestVectorsSolana(t *testing.T) {
	for _, c := range loadVectors(t, "solana.json") {
		id := str(c, "id")
		resp := vectorKeyResponse(c)
		for _, fn := range []struct {
			name string
			f    func(interface{}) (*SolanaKeypair, error)
		}{{"to_keypair", ToSolanaKeypair}, {"to_keypair_secure", ToSolanaKeypairSecure}} {
			kp, err := fn.f(resp)
			want := sub(c, "expected", fn.name)
			if want == nil || want["error"] != nil || isSEC1(c) {
				if err == nil {
					t.Errorf("%s %s: want an error", id, fn.name)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s %s: %v", id, fn.name, err)
				continue
			}
			if kp.PublicKeyBase58() != want["public_key_b58"] || hex.EncodeToString(kp.Bytes()) != want["secret_key_hex"] {
				t.Errorf("%s %s: %s %x, want %v", id, fn.name, kp.PublicKeyBase58(), kp.Bytes(), want)
			}
			if kp.PublicKeyString() != hex.EncodeToString(kp.PublicKey) {
				t.Errorf("%s: PublicKeyString is not hex", id)
			}
			msg := []byte("solana message")
			sig := kp.Sign(msg)
			if !kp.Verify(msg, sig) || kp.Verify([]byte("other"), sig) {
				t.Errorf("%s: sign/verify round trip", id)
			}
		}
	}
}

func TestVectorsTlsKeyAsUint8Array(t *testing.T) {
	for _, c := range loadVectors(t, "tls_key_asuint8.json") {
		id := str(c, "id")
		r := &GetTlsKeyResponse{Key: str(c, "pem")}
		exp := sub(c, "expected")
		full, err := r.AsUint8Array()
		if exp == nil || exp["full"] == nil || isSEC1(c) {
			if err == nil {
				t.Errorf("%s: want an error", id)
			}
			continue
		}
		if err != nil || hex.EncodeToString(full) != exp["full"] {
			t.Errorf("%s: full %x (%v), want %v", id, full, err, exp["full"])
		}
		for k, v := range exp {
			n, err := strconv.Atoi(k)
			if err != nil {
				continue
			}
			got, err := r.AsUint8Array(n)
			if err != nil || hex.EncodeToString(got) != v {
				t.Errorf("%s %d: %x (%v), want %v", id, n, got, err, v)
			}
		}
	}
}

// isSEC1 marks the cases with a SEC1 (not PKCS#8) PEM, which the vectors'
// README makes a clear error although Python returned a value.
func isSEC1(c map[string]any) bool {
	return strings.Contains(str(c, "id"), "sec1")
}

// Accounts made from a GetKey answer sign hashes that recover to their key.
func TestEthereumAccountSign(t *testing.T) {
	acct, err := ToEthereumAccountSecure(&GetKeyResponse{Key: factKeyAP})
	if err != nil {
		t.Fatal(err)
	}
	hash := make([]byte, 32)
	hash[0] = 7
	sig, err := acct.Sign(hash)
	if err != nil || len(sig) != 65 || sig[64] > 1 {
		t.Fatalf("sig %x %v", sig, err)
	}
	pub := acctPublicKey(acct)
	if len(pub) != 65 || pub[0] != 4 {
		t.Fatalf("public key %x", pub)
	}
	if ok, err := VerifySignature("secp256k1_prehashed", hash, sig[:64], pub); err != nil || !ok {
		t.Fatalf("signature does not verify: %v %v", ok, err)
	}
	if _, err := acct.Sign([]byte("short")); err == nil {
		t.Fatal("short hash signed")
	}
	if _, err := ToEthereumAccount("not a response"); err == nil {
		t.Fatal("unsupported type accepted")
	}
}

// The Go status constants (taken from the header) match the table of
// ffi/ABI.md, the written contract.
func TestStatusValuesMatchABIDocument(t *testing.T) {
	doc, err := os.ReadFile("../../ffi/ABI.md")
	if err != nil {
		t.Fatal(err)
	}
	goStatus := map[string]Status{
		"OK": StatusOK, "NULL_ARGUMENT": StatusNullArgument, "INVALID_ARGUMENT": StatusInvalidArgument,
		"INVALID_HEX": StatusInvalidHex, "BUFFER_TOO_SMALL": StatusBufferTooSmall, "NOT_FOUND": StatusNotFound,
		"NO_AGENT": StatusNoAgent, "TIMEOUT": StatusTimeout, "IO": StatusIO, "MALFORMED_HTTP": StatusMalformedHTTP,
		"RESPONSE_TOO_LARGE": StatusResponseTooLarge, "HTTP_STATUS": StatusHTTPStatus, "AGENT_ERROR": StatusAgentError,
		"MALFORMED_RESPONSE": StatusMalformedResponse, "UNSUPPORTED": StatusUnsupported,
		"VERIFICATION_FAILED": StatusVerificationFailed, "EXPIRED": StatusExpired, "CRYPTO": StatusCrypto,
		"LIMIT_EXCEEDED": StatusLimitExceeded, "RNG": StatusRNG, "PANIC": StatusPanic,
	}
	seen := 0
	for _, line := range strings.Split(string(doc), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[2]), "`DSTACK_STATUS_") {
			continue
		}
		name := strings.Trim(strings.TrimSpace(cells[2]), "`")
		value, err := strconv.Atoi(strings.TrimSpace(cells[1]))
		if err != nil {
			t.Fatalf("row %q: %v", line, err)
		}
		got, ok := goStatus[strings.TrimPrefix(name, "DSTACK_STATUS_")]
		if !ok || uint32(got) != uint32(value) {
			t.Errorf("%s: ABI.md says %d, Go has %d (present %v)", name, value, got, ok)
		}
		seen++
	}
	if seen != len(goStatus) {
		t.Fatalf("ABI.md lists %d statuses, Go has %d", seen, len(goStatus))
	}
}
