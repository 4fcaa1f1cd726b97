package chain

import (
	"fmt"

	"github.com/pkit/pkit/revoke"
)

// revocation checks each certificate below the top against its issuer's
// CRLs.
func (v *verifier) revocation() {
	n := len(v.chain)
	for i := 0; i < n-1; i++ {
		c, iss := v.chain[i], v.chain[i+1]
		st, err := revoke.Check(c, iss, v.o.CRLs, v.at)
		if err != nil {
			fix := fmt.Sprintf("pass a current CRL of %q with --crl FILE (pkit crl publishes one per CA)", iss.Subject.String())
			v.add(RevocationUnknown, i, "cannot check whether %s is revoked: %v", fix, v.name(i), err)
			continue
		}
		if st.Revoked {
			reason := fmt.Sprintf("reason code %d", st.Reason)
			if v.o.ReasonName != nil {
				reason = v.o.ReasonName(st.Reason)
			}
			v.add(Revoked, i, "%s was revoked %s (%s) by %q", fixRevoked(i), v.name(i), when(st.RevokedAt), reason, iss.Subject.String())
		}
	}
}

func fixRevoked(i int) string {
	if i == 0 {
		return "issue a new certificate (pkit issue or pkit renew) and install it"
	}
	return "the CA was revoked: issue new certificates from a CA that is not"
}
