package revoke

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Reason is a CRL reason code (RFC 5280 section 5.3.1).
type Reason int

// The reason codes of RFC 5280. Value 7 is unused.
const (
	Unspecified          Reason = 0
	KeyCompromise        Reason = 1
	CACompromise         Reason = 2
	AffiliationChanged   Reason = 3
	Superseded           Reason = 4
	CessationOfOperation Reason = 5
	CertificateHold      Reason = 6
	RemoveFromCRL        Reason = 8
	PrivilegeWithdrawn   Reason = 9
	AACompromise         Reason = 10
)

var reasonNames = map[Reason]string{
	Unspecified:          "unspecified",
	KeyCompromise:        "keyCompromise",
	CACompromise:         "cACompromise",
	AffiliationChanged:   "affiliationChanged",
	Superseded:           "superseded",
	CessationOfOperation: "cessationOfOperation",
	CertificateHold:      "certificateHold",
	RemoveFromCRL:        "removeFromCRL",
	PrivilegeWithdrawn:   "privilegeWithdrawn",
	AACompromise:         "aACompromise",
}

// Reasons lists the reasons a certificate can be revoked with, in code
// order. RemoveFromCRL is left out: it only has a meaning in delta CRLs.
var Reasons = []Reason{Unspecified, KeyCompromise, CACompromise, AffiliationChanged, Superseded,
	CessationOfOperation, CertificateHold, PrivilegeWithdrawn, AACompromise}

// ErrReason is returned (wrapped) by [ParseReason] for a name or number
// that is not a reason a certificate can be revoked with.
var ErrReason = errors.New("unknown revocation reason")

// String returns the reason's name as RFC 5280 spells it
// ("keyCompromise"), or "reason(N)" for a code RFC 5280 does not define.
func (r Reason) String() string {
	if n, ok := reasonNames[r]; ok {
		return n
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// Valid reports whether r is one of [Reasons].
func (r Reason) Valid() bool {
	_, ok := reasonNames[r]
	return ok && r != RemoveFromCRL
}

// ParseReason returns the reason named s. Names are matched without regard
// to case, so "keyCompromise", "keycompromise" and OpenSSL's "CACompromise"
// all work; "key-compromise" and "key_compromise" too; so does the numeric
// code. The error wraps [ErrReason] and lists the valid names.
func ParseReason(s string) (Reason, error) {
	key := strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(strings.TrimSpace(s)))
	if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
		if r := Reason(n); r.Valid() {
			return r, nil
		}
	}
	for _, r := range Reasons {
		if key != "" && strings.ToLower(r.String()) == key {
			return r, nil
		}
	}
	names := make([]string, len(Reasons))
	for i, r := range Reasons {
		names[i] = r.String()
	}
	return 0, fmt.Errorf("%w %q (valid: %s)", ErrReason, s, strings.Join(names, ", "))
}
