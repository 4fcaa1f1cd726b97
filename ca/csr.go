package ca

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"

	"github.com/pkit/pkit/formats"
)

var (
	oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtKeyUsage      = asn1.ObjectIdentifier{2, 5, 29, 37}
)

// ErrBadCSRSignature is returned when a CSR's self-signature does not
// verify: the requester does not hold the key, or the file was altered.
var ErrBadCSRSignature = errors.New("the CSR's signature does not verify")

// RequestFromCSR turns an external CSR into a [Request] under the named
// profile. It checks the CSR's signature and refuses CSRs that ask to be a
// CA or ask for key usages or extended key usages the profile does not
// give. The SANs, common name and subject fields come from the CSR (the
// fields as [Authority.CSRSubject] keeps them, which also says which it
// drops); callers may replace them before issuing. Nothing is signed here.
func (a *Authority) RequestFromCSR(csr *x509.CertificateRequest, profile string) (*Request, error) {
	if err := csr.CheckSignature(); err != nil {
		return nil, ErrBadCSRSignature
	}
	p := a.Config.Profiles[profile]
	if p == nil {
		_, _, _, err := a.Check(&Request{Profile: profile, Name: "x"})
		return nil, err
	}
	for _, ext := range csr.Extensions {
		switch {
		case ext.Id.Equal(oidBasicConstraints):
			var bc struct {
				IsCA bool `asn1:"optional"`
			}
			if _, err := asn1.Unmarshal(ext.Value, &bc); err != nil || bc.IsCA {
				return nil, &RequestError{Msg: fmt.Sprintf("the CSR asks to be a CA; profile %q is for leaf certificates", profile),
					Hint: "sign a CA request under the CA profile: pkit sign REQ --ca-profile intermediate"}
			}
		case ext.Id.Equal(oidKeyUsage):
			var bits asn1.BitString
			if _, err := asn1.Unmarshal(ext.Value, &bits); err != nil {
				return nil, reqErr("the CSR's key usage extension is malformed")
			}
			var ku x509.KeyUsage
			for i := range 9 {
				if bits.At(i) != 0 {
					ku |= 1 << uint(i)
				}
			}
			allowed := p.KeyUsage | x509.KeyUsageKeyEncipherment
			if extra := ku &^ allowed; extra != 0 {
				if extra&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != 0 {
					return nil, reqErr("the CSR asks for certificate or CRL signing, which only CAs have")
				}
				return nil, reqErr("the CSR asks for key usages profile %q does not give: %s", p.Name, strings.Join(formats.KeyUsageNames(extra), ", "))
			}
		case ext.Id.Equal(oidExtKeyUsage):
			var oids []asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(ext.Value, &oids); err != nil {
				return nil, reqErr("the CSR's extended key usage extension is malformed")
			}
			for _, o := range oids {
				if !profileHasEKU(p, o) {
					return nil, reqErr("the CSR asks for extended key usage %s, which profile %q does not give (it gives: %s)",
						o, p.Name, strings.Join(extKeyUsageNames(p.ExtKeyUsage), ", "))
				}
			}
		}
	}
	r := &Request{Profile: profile, Name: csr.Subject.CommonName, DNS: csr.DNSNames, IPs: csr.IPAddresses,
		Emails: csr.EmailAddresses, URIs: csr.URIs, PublicKey: csr.PublicKey}
	r.Subject, _ = a.CSRSubject(csr, profile, pkix.Name{})
	return r, nil
}

// CSRSubject returns the subject fields (beside the CN) of a certificate
// signed from csr under profile, with given (the request's own fields,
// from --subject) replacing the CSR's field by field, and the fields of
// the CSR it drops and why: replaced by given, not allowed by the
// profile ([Profile.AllowedSubject]; its defaults then fill them), not a
// field pkit copies (emailAddress, DC, …), or a value pkit refuses.
// Fields of given the profile does not allow are refused when the
// request is checked, not here.
func (a *Authority) CSRSubject(csr *x509.CertificateRequest, profile string, given pkix.Name) (pkix.Name, []DroppedField) {
	fromCSR, dropped := csrSubject(csr.Subject)
	p := a.Config.Profiles[profile]
	var keep pkix.Name
	for _, f := range subjectFields {
		vals := *f.field(&fromCSR)
		switch {
		case len(vals) == 0:
		case len(*f.field(&given)) > 0:
			for _, v := range vals {
				dropped = append(dropped, DroppedField{Key: f.key, Value: v, Reason: DropReplaced})
			}
		case p != nil && !p.allowsSubject(f.key):
			for _, v := range vals {
				dropped = append(dropped, DroppedField{Key: f.key, Value: v, Reason: DropNotAllowed, Detail: p.Name})
			}
		default:
			*f.field(&keep) = vals
		}
	}
	return mergeSubject(keep, given), dropped
}

var ekuOIDs = map[x509.ExtKeyUsage]asn1.ObjectIdentifier{
	x509.ExtKeyUsageServerAuth:      {1, 3, 6, 1, 5, 5, 7, 3, 1},
	x509.ExtKeyUsageClientAuth:      {1, 3, 6, 1, 5, 5, 7, 3, 2},
	x509.ExtKeyUsageCodeSigning:     {1, 3, 6, 1, 5, 5, 7, 3, 3},
	x509.ExtKeyUsageEmailProtection: {1, 3, 6, 1, 5, 5, 7, 3, 4},
	x509.ExtKeyUsageTimeStamping:    {1, 3, 6, 1, 5, 5, 7, 3, 8},
	x509.ExtKeyUsageOCSPSigning:     {1, 3, 6, 1, 5, 5, 7, 3, 9},
}

func profileHasEKU(p *Profile, o asn1.ObjectIdentifier) bool {
	for _, e := range p.ExtKeyUsage {
		if ekuOIDs[e].Equal(o) {
			return true
		}
	}
	return false
}

// CreateCSR makes a PKCS#10 request signed by key, for r's name, subject
// fields and SANs
// (r.Profile, validity and key fields are ignored). It is for asking
// another CA for a certificate.
func CreateCSR(key crypto.Signer, r *Request) ([]byte, error) {
	subject, err := subjectFor(r, nil)
	if err != nil {
		return nil, err
	}
	rawSubject, err := subjectDER(subject)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.CertificateRequest{
		RawSubject:     rawSubject,
		DNSNames:       r.DNS,
		IPAddresses:    r.IPs,
		EmailAddresses: r.Emails,
		URIs:           r.URIs,
	}
	return x509.CreateCertificateRequest(rand.Reader, tmpl, key)
}
