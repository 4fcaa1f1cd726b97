package formats

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// PKCS#7 certificate bundles (.p7b, .p7c): a SignedData with no content
// and no signers, only certificates and perhaps CRLs (RFC 2315, RFC 5652).
// Reading and writing that shape takes a few lines of encoding/asn1, so
// pkit does it here instead of pulling in a PKCS#7 signing library.

// PKCS7 is what a PKCS#7 bundle holds.
type PKCS7 struct {
	// Certificates in file order (PKCS#7 does not promise any order).
	Certificates []*x509.Certificate
	CRLs         []*x509.RevocationList
	// Signers is the number of SignerInfos: 0 for a certificate bundle.
	Signers int
}

type p7ContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

// p7ContentInfoOut is p7ContentInfo for writing: Content is the whole
// [0] element.
type p7ContentInfoOut struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"optional"`
}

type p7SignedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	ContentInfo      asn1.RawValue
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      asn1.RawValue
}

// DecodePKCS7 reads a DER or BER PKCS#7 SignedData and returns its
// certificates and CRLs; signatures over content, if any, are not
// checked. Every error is a [*ParseError].
func DecodePKCS7(der []byte) (*PKCS7, error) {
	p, err := decodePKCS7(der)
	if err != nil {
		if !knownCause(err) {
			err = fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		return nil, parseErr(KindPKCS7, 0, err)
	}
	return p, nil
}

func decodePKCS7(der []byte) (*PKCS7, error) {
	der, rest, err := toDER(der, 0)
	if err != nil {
		return nil, corrupt("%v", err)
	}
	if len(rest) > 0 {
		return nil, ErrTrailingData
	}
	var ci p7ContentInfo
	if err := unmarshalDER(der, &ci); err != nil {
		return nil, err
	}
	if !ci.ContentType.Equal(oidPKCS7SignedData) {
		return nil, fmt.Errorf("%w: PKCS#7 content type %v (only SignedData bundles are read)", ErrUnsupported, ci.ContentType)
	}
	var sd p7SignedData
	if err := unmarshalDER(ci.Content.Bytes, &sd); err != nil {
		return nil, err
	}
	p := &PKCS7{}
	err = eachElement(sd.Certificates.Bytes, func(e cryptobyte.String, tag cbasn1.Tag) error {
		if tag != cbasn1.SEQUENCE {
			return nil // attribute or other certificate formats: skip
		}
		c, err := parseCertificate(e)
		if err != nil {
			return fmt.Errorf("certificate %d: %w", len(p.Certificates)+1, err)
		}
		p.Certificates = append(p.Certificates, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachElement(sd.CRLs.Bytes, func(e cryptobyte.String, tag cbasn1.Tag) error {
		if tag != cbasn1.SEQUENCE {
			return nil
		}
		crl, err := x509.ParseRevocationList(e)
		if err != nil {
			return corrupt("CRL %d: %v", len(p.CRLs)+1, err)
		}
		p.CRLs = append(p.CRLs, crl)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachElement(sd.SignerInfos.Bytes, func(cryptobyte.String, cbasn1.Tag) error {
		p.Signers++
		return nil
	})
	if err != nil {
		return nil, corrupt("signer infos: %v", err)
	}
	if len(p.Certificates) == 0 && len(p.CRLs) == 0 && p.Signers == 0 {
		return nil, emptyError("the PKCS#7 bundle holds no certificates")
	}
	return p, nil
}

// eachElement calls f with each DER element of b (whole encoding) and its
// tag.
func eachElement(b []byte, f func(cryptobyte.String, cbasn1.Tag) error) error {
	s := cryptobyte.String(b)
	for !s.Empty() {
		var e cryptobyte.String
		var tag cbasn1.Tag
		if !s.ReadAnyASN1Element(&e, &tag) {
			return corrupt("%v", errBadTLV)
		}
		if err := f(e, tag); err != nil {
			return err
		}
	}
	return nil
}

// EncodePKCS7 writes certs (and crls, which may be nil) as a DER PKCS#7
// certificate bundle, byte for byte what "openssl crl2pkcs7 -nocrl
// -certfile" writes for the same certificates. Wrap it with [EncodePEM]
// and type "PKCS7" for the PEM form.
func EncodePKCS7(certs []*x509.Certificate, crls []*x509.RevocationList) ([]byte, error) {
	if len(certs) == 0 && len(crls) == 0 {
		return nil, errors.New("a PKCS#7 bundle needs at least one certificate")
	}
	emptySet := asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: []byte{}}
	dataCI, err := asn1.Marshal(p7ContentInfoOut{ContentType: oidPKCS7Data})
	if err != nil {
		return nil, err
	}
	sd := p7SignedData{Version: 1, DigestAlgorithms: emptySet, ContentInfo: asn1.RawValue{FullBytes: dataCI}, SignerInfos: emptySet}
	var cb, rb []byte
	for _, c := range certs {
		cb = append(cb, c.Raw...)
	}
	for _, r := range crls {
		rb = append(rb, r.Raw...)
	}
	if len(certs) > 0 {
		sd.Certificates = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: cb}
	}
	if len(crls) > 0 {
		sd.CRLs = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: rb}
	}
	body, err := asn1.Marshal(sd)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(p7ContentInfoOut{ContentType: oidPKCS7SignedData, Content: explicit0(body)})
}
