package tappd

import (
	"fmt"
	"strings"
)

// deriveKeyResponseView is DeriveKeyResponse with the key replaced, of a
// type without methods, so fmt lays it out as it would the original.
type deriveKeyResponseView struct {
	Key              string
	CertificateChain []string
}

// Format prints the response with Key shown as <redacted> (for every verb:
// %v, %+v, %#v, %s, ...). Read the field, or marshal to JSON, for the key.
func (d DeriveKeyResponse) Format(f fmt.State, verb rune) {
	key := ""
	if d.Key != "" {
		key = "<redacted>"
	}
	view := deriveKeyResponseView{key, d.CertificateChain}
	if verb == 'v' && f.Flag('#') {
		text := fmt.Sprintf("%#v", view)
		fmt.Fprint(f, strings.Replace(text, "tappd.deriveKeyResponseView", "tappd.DeriveKeyResponse", 1))
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), view)
}

// String is the %v form, with Key redacted.
func (d DeriveKeyResponse) String() string { return fmt.Sprintf("%v", d) }
