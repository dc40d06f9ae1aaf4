//go:build dstack_verify

package dstack

// #include "dstack_verify.h"
import "C"

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// PCCSError is a failed collateral fetch: URL could not be fetched, answered
// HTTPStatus (0 when no answer came), or lacked its issuer-chain header.
// errors.Is matches ErrIO.
type PCCSError struct {
	DstackError
	URL        string
	HTTPStatus int
}

// Unwrap gives the *DstackError (status StatusIO).
func (e *PCCSError) Unwrap() error { return &e.DstackError }

func pccsError(url string, status int, format string, args ...any) *PCCSError {
	return &PCCSError{
		DstackError: DstackError{Status: StatusIO, Message: "PCCS GET " + url + ": " + fmt.Sprintf(format, args...)},
		URL:         url, HTTPStatus: status,
	}
}

// The PCCS requests in the order dstack_pccs_collateral takes their answers,
// each with the headers that may carry its issuer chain (none for the root CA CRL).
var pccsRequests = [4]struct {
	request C.dstack_pccs_request
	headers []string
}{
	{C.DSTACK_PCCS_PCK_CRL, []string{"SGX-PCK-CRL-Issuer-Chain"}},
	{C.DSTACK_PCCS_TCB_INFO, []string{"TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain"}},
	{C.DSTACK_PCCS_QE_IDENTITY, []string{"SGX-Enclave-Identity-Issuer-Chain"}},
	{C.DSTACK_PCCS_ROOT_CA_CRL, nil},
}

// maxPCCSAnswer bounds one PCCS answer (CRLs and TCB info are tens of KiB).
const maxPCCSAnswer = 4 << 20

// FetchCollateral fetches the collateral for the quote in evidence from a PCCS
// (or Intel's PCS) at pccsURL (e.g. "https://pccs.example:8081") with
// http.DefaultClient, and returns it as the JSON VerifyOptions.Collateral
// takes. evidence is a raw quote, a GetQuote JSON answer, an attestation, or an
// RA-TLS certificate (DER). Nothing fetched is trusted: the verification checks
// every signature and the validity window.
//
// A request that fails, answers other than 200 or lacks its issuer-chain header
// is a *PCCSError; answers that do not decode are a *VerifyError with Check
// "collateral_format"; evidence without a PCK chain, one with Check
// "quote_format" or "certificate_chain".
func FetchCollateral(ctx context.Context, pccsURL string, evidence []byte) ([]byte, error) {
	return FetchCollateralWith(ctx, http.DefaultClient, pccsURL, evidence)
}

// FetchCollateralWith is FetchCollateral with the given HTTP client (its
// transport's TLS settings, proxy and timeout apply).
func FetchCollateralWith(ctx context.Context, client *http.Client, pccsURL string, evidence []byte) ([]byte, error) {
	if ctx == nil {
		return nil, newError(StatusNullArgument, "nil context.Context; pass context.Background() or a context with a deadline")
	}
	if client == nil {
		client = http.DefaultClient
	}
	if strings.TrimSpace(pccsURL) == "" {
		return nil, newError(StatusInvalidArgument, "FetchCollateral: empty PCCS URL")
	}
	var answers [4]pccsAnswer
	for i, r := range pccsRequests {
		url, err := pccsRequestURL(evidence, strings.TrimSpace(pccsURL), r.request)
		if err != nil {
			return nil, err
		}
		body, header, err := pccsGet(ctx, client, url)
		if err != nil {
			return nil, err
		}
		answers[i].body = body
		if len(r.headers) > 0 {
			for _, h := range r.headers {
				if v := header.Get(h); v != "" {
					answers[i].chain = v
					break
				}
			}
			if answers[i].chain == "" {
				return nil, pccsError(url, 0, "the answer has no %s header", strings.Join(r.headers, " or "))
			}
		}
	}
	return pccsCollateral(evidence, answers)
}

func pccsGet(ctx context.Context, client *http.Client, url string) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, pccsError(url, 0, "%v", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, pccsError(url, 0, "%v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, pccsError(url, resp.StatusCode, "HTTP %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPCCSAnswer+1))
	if err != nil {
		return nil, nil, pccsError(url, resp.StatusCode, "reading the answer: %v", err)
	}
	if len(body) > maxPCCSAnswer {
		return nil, nil, pccsError(url, resp.StatusCode, "the answer is over %d bytes", maxPCCSAnswer)
	}
	return body, resp.Header, nil
}
