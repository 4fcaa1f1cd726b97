package chaintest

import (
	"crypto/elliptic"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// ---- the certificate profile: strict by default, warnings with --lenient ----

// profileCase adds name-strict (invalid: the profile rule is broken) and
// name-lenient (valid unless lenientValid is false: path validation
// itself passes).
func (g *gen) profileCase(name string, s spec, rule string, lenientValid bool, lenientReason string) {
	st := s
	st.name, st.group, st.valid, st.reason = name+"-strict", "profile", false, rule+" (a profile rule: pkit is strict by default)"
	if st.goNote == "" && lenientValid {
		st.goNote = goNoProfile
	}
	st.osslNote = "openssl verify -x509_strict does not check this rule"
	g.add(st)
	le := s
	le.name, le.group, le.valid, le.lenient = name+"-lenient", "profile", lenientValid, true
	le.reason = lenientReason
	if le.reason == "" {
		le.reason = "RFC 5280 6.1: path validation passes; --lenient reports the profile rule (" + rule + ") as a warning"
	}
	g.add(le)
}

// noAKIParent is issuer without its subject key id, so that Go leaves
// the authority key identifier out (or takes the template's).
func noAKIParent(issuer *Cert) *Cert {
	p := *issuer.Certificate
	p.SubjectKeyId = nil
	return &Cert{Certificate: &p, Key: issuer.Key}
}

func (g *gen) profile() {
	root, inter := g.root, g.inter
	c3 := func(l *Cert) spec { return g.chain3(l, inter, root) }
	srv := func(s spec) spec { s.purpose = "server"; return s }

	g.profileCase("prof-leaf-no-aki", c3(g.ee(noAKIParent(inter), sanDNS("www.example.com"))), "RFC 5280 4.2.1.1: the authority key identifier MUST be present in certificates that are not self-signed", true, "")
	intNoAKI := g.ca("Int No AKI", root)
	intNoAKI = g.parsed(g.resign(intNoAKI.Raw, root.Key, dropExt(oidExtAKI)), intNoAKI.Key)
	g.profileCase("prof-int-no-aki", g.chain3(g.ee(intNoAKI, sanDNS("www.example.com")), intNoAKI, root), "RFC 5280 4.2.1.1: the intermediate lacks the authority key identifier", true, "")
	intNoSKI := g.ca("Int No SKI", root)
	ski := intNoSKI.SubjectKeyId
	intNoSKI = g.parsed(g.resign(intNoSKI.Raw, root.Key, dropExt(oidExtSKI)), intNoSKI.Key)
	underNoSKI := g.ee(noAKIParent(intNoSKI), sanDNS("www.example.com"), func(t *x509.Certificate) { t.AuthorityKeyId = ski })
	g.profileCase("prof-ca-no-ski", g.chain3(underNoSKI, intNoSKI, root), "RFC 5280 4.2.1.2: a CA certificate MUST have a subject key identifier", true, "")
	mismatch := g.ee(noAKIParent(inter), sanDNS("www.example.com"), func(t *x509.Certificate) {
		t.AuthorityKeyId = []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
	})
	// RFC 5280 6.1 does not use key identifiers, but 4.2.1.1 makes the AKI
	// the way to find the issuer's key, and OpenSSL, the stricter of the
	// two, finds no issuer for a mismatched one (Go does): pkit does as
	// OpenSSL, so even --lenient cannot make the path.
	g.profileCase("prof-aki-ski-mismatch", c3(mismatch), "RFC 5280 4.2.1.1: the leaf's key identifier does not match its issuer's subject key identifier", false,
		"RFC 5280 4.2.1.1: the authority key identifier names another key, so no issuer is found (as OpenSSL, the stricter validator, finds none; RFC 5280 6.1 itself uses no key identifiers); --lenient cannot make the path")
	// A root whose AKI names itself by key id, issuer and serial: still
	// self-signed, against the Baseline Requirements only.
	rootKey := ecKey()
	rootAKI := g.caKey("Root With Issuer AKI", rootKey, nil, func(t *x509.Certificate) {
		name, err := asn1.Marshal(t.Subject.ToRDNSequence())
		if err != nil {
			panic(err)
		}
		aki := seq(tagged(cbasn1.Tag(0).ContextSpecific(), keyID(rootKey.Public())),
			tagged(cbasn1.Tag(1).ContextSpecific().Constructed(), gnDir(name)),
			tagged(cbasn1.Tag(2).ContextSpecific(), t.SerialNumber.Bytes()))
		t.ExtraExtensions = append(t.ExtraExtensions, pkix.Extension{Id: oidExtAKI, Value: aki})
	})
	rai := g.ca("Under Root With Issuer AKI", rootAKI)
	g.profileCase("prof-root-aki-issuer-serial", g.chain3(g.ee(rai, sanDNS("www.example.com")), rai, rootAKI), "CA/Browser Forum BR 7.1.2.1.3: a root's AKI holds a key identifier only (no authorityCertIssuer/serial; RFC 5280 4.2.1.1 allows them)", true, "")
	cnNotSAN := g.ee(inter, sanDNS("www.example.com"), func(t *x509.Certificate) { t.Subject = pkix.Name{CommonName: "other.example.com"} })
	g.profileCase("prof-server-cn-not-in-san", srv(c3(cnNotSAN)), "CA/Browser Forum BR 7.1.4.3: a server certificate's CN must be one of its SANs", true, "")
	noEKU := g.ee(inter, sanDNS("www.example.com"), func(t *x509.Certificate) { t.ExtKeyUsage = nil })
	g.profileCase("prof-server-no-eku", srv(c3(noEKU)), "CA/Browser Forum BR 7.1.2.7.10: a server certificate must have extKeyUsage with serverAuth (RFC 5280 4.2.1.12: no EKU means any use)", true, "")
	anyEKU := g.ee(inter, sanDNS("www.example.com"), func(t *x509.Certificate) {
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageAny}
	})
	g.profileCase("prof-server-any-eku", srv(c3(anyEKU)), "CA/Browser Forum BR 7.1.2.7.10: anyExtendedKeyUsage MUST NOT be in a server certificate", true, "")
	onlyAny := g.ee(inter, sanDNS("www.example.com"), func(t *x509.Certificate) { t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageAny} })
	g.profileCase("prof-server-only-any-eku", srv(c3(onlyAny)), "CA/Browser Forum BR 7.1.2.7.10: a server certificate needs serverAuth, not only anyExtendedKeyUsage (RFC 5280 4.2.1.12 accepts it)", true, "")
	emptyEKU := g.ee(inter, sanDNS("www.example.com"), func(t *x509.Certificate) { t.ExtKeyUsage = nil }, withExt(oidExtEKU, false, seq()))
	g.profileCase("prof-empty-eku", c3(emptyEKU), "RFC 5280 4.2.1.12: ExtKeyUsageSyntax is SEQUENCE SIZE (1..MAX)", true, "")
	critEKU := g.ee(inter, sanDNS("www.example.com"), func(t *x509.Certificate) { t.ExtKeyUsage = nil },
		withExt(oidExtEKU, true, seq(derOID(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}))))
	g.profileCase("prof-server-critical-eku", srv(c3(critEKU)), "CA/Browser Forum BR 7.1.2.7.10: a subscriber's extKeyUsage is not critical (RFC 5280 4.2.1.12 allows either)", true, "")
	ekuRoot := g.ca("Root With EKU", nil, func(t *x509.Certificate) { t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} })
	ekuInt := g.ca("Under Root With EKU", ekuRoot)
	g.profileCase("prof-root-eku", srv(g.chain3(g.ee(ekuInt, sanDNS("www.example.com")), ekuInt, ekuRoot)), "CA/Browser Forum BR 7.1.2.1.2: a root certificate MUST NOT have extKeyUsage", true, "")
	serial := func(n *big.Int) *Cert {
		l := g.ee(inter, sanDNS("www.example.com"))
		return g.parsed(g.resign(l.Raw, inter.Key, func(p *tbsParts) { p.serial = derBigInt(n) }), l.Key)
	}
	g.profileCase("prof-serial-zero", c3(serial(big.NewInt(0))), "RFC 5280 4.1.2.2: the serial number MUST be a positive integer", true, "")
	big21 := new(big.Int).Lsh(big.NewInt(1), 160) // 21 octets: 0x01 and twenty zeros
	g.profileCase("prof-serial-21-octets", c3(serial(big21)), "RFC 5280 4.1.2.2: conforming CAs MUST NOT use serial numbers longer than 20 octets", true, "")
	g.add(spec{name: "prof-serial-20-octets", group: "profile", leaf: serial(new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 159), big.NewInt(1))).Raw, bundle: ders(inter), roots: ders(root), valid: true,
		reason: "RFC 5280 4.1.2.2: a 20-octet positive serial number is allowed"})
	emptyCA := g.ca("", root, rawSubject(seq()), func(t *x509.Certificate) { t.DNSNames = []string{"ca.example.com"} })
	g.profileCase("prof-empty-issuer", g.chain3(g.ee(emptyCA, sanDNS("www.example.com")), emptyCA, root), "RFC 5280 4.1.2.4 and 4.1.2.6: a CA's subject, and so the leaf's issuer, MUST be a non-empty name", true, "")
	emptySubj := func(critical bool) *Cert {
		return g.ee(inter, func(t *x509.Certificate) {
			t.RawSubject = seq()
			t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		}, sanOpt(critical, gnDNS("www.example.com")))
	}
	g.add(spec{name: "prof-empty-subject-critical-san", group: "profile", leaf: emptySubj(true).Raw, bundle: ders(inter), roots: ders(root), valid: true,
		reason: "RFC 5280 4.1.2.6, 4.2.1.6: an empty subject with a critical SAN is conforming"})
	g.profileCase("prof-empty-subject-noncritical-san", c3(emptySubj(false)), "RFC 5280 4.2.1.6: with an empty subject the SAN MUST be critical", true, "")
	noName := g.ee(inter, func(t *x509.Certificate) {
		t.RawSubject = seq()
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	})
	g.profileCase("prof-empty-subject-no-san", c3(noName), "RFC 5280 4.1.2.6: an empty subject needs a subjectAltName", true, "")
	ncBC := g.ca("Int Non-critical BC", root, withExt(oidExtBC, false, seq(derBool(true))))
	g.profileCase("prof-ca-bc-noncritical", g.chain3(g.ee(ncBC, sanDNS("www.example.com")), ncBC, root), "RFC 5280 4.2.1.9: basicConstraints MUST be critical in CA certificates", true, "")
	noKU := g.ca("Int No Key Usage", root, func(t *x509.Certificate) { t.KeyUsage = 0 })
	g.profileCase("prof-ca-no-key-usage", g.chain3(g.ee(noKU, sanDNS("www.example.com")), noKU, root), "RFC 5280 4.2.1.3: CA certificates MUST have a key usage extension", true, "")
	noCertSign := g.ca("Int Without keyCertSign", root, func(t *x509.Certificate) { t.KeyUsage = x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature })
	g.profileCase("prof-ca-without-keycertsign", g.chain3(g.ee(noCertSign, sanDNS("www.example.com")), noCertSign, root), "RFC 5280 4.2.1.3, 6.1.4(n): the CA's key usage lacks keyCertSign", false,
		"RFC 5280 6.1.4(n): a path validation rule, not only the profile: keyCertSign is missing from a present key usage")
	leafCertSign := g.ee(inter, sanDNS("www.example.com"), func(t *x509.Certificate) { t.KeyUsage |= x509.KeyUsageCertSign })
	g.profileCase("prof-leaf-keycertsign", c3(leafCertSign), "RFC 5280 4.2.1.3: keyCertSign only with cA TRUE", true, "")
	leafCA := g.ee(inter, sanDNS("www.example.com"), func(t *x509.Certificate) { t.IsCA = true; t.MaxPathLen = -1; t.KeyUsage |= x509.KeyUsageCertSign })
	g.profileCase("prof-leaf-ca-true", c3(leafCA), "the end-entity certificate is a CA certificate (cA TRUE): CA/Browser Forum BR 7.1.2.7.8, RFC 5280 4.2.1.9", true, "")
	leafPathLen := g.ee(inter, sanDNS("www.example.com"), withExt(oidExtBC, true, seq(derInt(0))))
	g.profileCase("prof-leaf-pathlen-non-ca", c3(leafPathLen), "RFC 5280 4.2.1.9: pathLenConstraint MUST NOT be present unless cA is TRUE", true, "")
	for _, d := range []struct{ name, dns, why string }{
		{"prof-dns-underscore", "a_b.example.com", "an underscore"},
		{"prof-dns-leading-dot", ".example.com", "a leading dot"},
		{"prof-dns-empty-label", "www..example.com", "an empty label"},
		{"prof-dns-space", "www example.com", "a space"},
	} {
		l := g.ee(inter, sanDNS(d.dns), func(t *x509.Certificate) {
			t.Subject = pkix.Name{CommonName: "www.example.com"}
			t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		})
		g.profileCase(d.name, c3(l), "RFC 5280 4.2.1.6: a dNSName MUST be in the preferred name syntax (RFC 1034 3.5); this one has "+d.why, true, "")
	}
	for _, d := range []struct{ name, dns string }{{"prof-wildcard-tld", "*.com"}, {"prof-wildcard-public-suffix", "*.co.uk"}} {
		l := g.ee(inter, sanDNS(d.dns))
		g.profileCase(d.name, c3(l), "CA/Browser Forum BR 3.2.2.6, RFC 6125 7.2: no wildcard over a public suffix ("+d.dns+")", true, "")
	}
	g.add(spec{name: "prof-wildcard-ok", group: "profile", leaf: g.ee(inter, sanDNS("*.example.com")).Raw, bundle: ders(inter), roots: ders(root), valid: true, reason: "RFC 6125 6.4.3: a wildcard in the left-most label of a registered domain"})
	rsaOdd := g.eeKey(inter, g.rsa2052, sanDNS("www.example.com"))
	g.profileCase("prof-rsa-modulus-not-multiple-of-8", c3(rsaOdd), "CA/Browser Forum BR 6.1.5: the RSA modulus size in bits MUST be divisible by 8 (2052 is not)", true, "")
	skiCrit := g.ca("Int Critical SKI", root)
	skiCritDER := g.resign(skiCrit.Raw, root.Key, markCritical(oidExtSKI))
	// Strict only: OpenSSL and Go refuse these outright (an unhandled
	// critical extension; Go already when parsing), so what --lenient
	// should do is not settled.
	g.add(spec{name: "prof-ski-critical-strict", group: "profile", leaf: g.ee(skiCrit, sanDNS("www.example.com")).Raw, bundle: [][]byte{skiCritDER}, roots: ders(root),
		reason: "RFC 5280 4.2.1.2: the subject key identifier MUST NOT be critical"})
	akiCrit := g.resign(g.ee(inter, sanDNS("www.example.com")).Raw, inter.Key, markCritical(oidExtAKI))
	g.add(spec{name: "prof-aki-critical-strict", group: "profile", leaf: akiCrit, bundle: ders(inter), roots: ders(root),
		reason: "RFC 5280 4.2.1.1: the authority key identifier MUST NOT be critical"})
	emptySAN := g.ee(inter, func(t *x509.Certificate) { t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} }, withExt(oidExtSAN, false, seq()))
	g.profileCase("prof-empty-san", c3(emptySAN), "RFC 5280 4.2.1.6: GeneralNames is SEQUENCE SIZE (1..MAX)", true, "")
}

// ---- signature and key algorithms ----

func (g *gen) algorithms() {
	add := func(name string, s spec, valid bool, reason string) {
		s.name, s.group, s.valid, s.reason = name, "alg", valid, reason
		g.add(s)
	}
	root, inter := g.root, g.inter
	// DSA (RFC 3279 2.2.2, 2.3.2; RFC 5758 3.1).
	dl := g.resign(g.ee(inter, sanDNS("www.example.com")).Raw, inter.Key, func(p *tbsParts) { p.spki = dsaSPKI(&g.dsaKey.PublicKey) })
	add("alg-dsa-leaf-key", spec{leaf: dl, bundle: ders(inter), roots: ders(root)}, true, "RFC 3279 2.3.2: a DSA subject key, signed by an ECDSA CA")
	dsaCAtmpl := g.ca("DSA CA", root)
	dsaCADER := g.resign(dsaCAtmpl.Raw, root.Key, func(p *tbsParts) { p.spki = dsaSPKI(&g.dsaKey.PublicKey) })
	dsaCA, err := x509.ParseCertificate(dsaCADER)
	g.fail(err)
	if err == nil {
		// The leaf is made with the template's key as a stand-in and
		// re-signed with the DSA key.
		stand := g.ee(dsaCAtmpl, sanDNS("www.example.com"))
		dsaSigned := g.resign(stand.Raw, g.dsaKey, nil)
		add("alg-dsa-ca", spec{leaf: dsaSigned, bundle: [][]byte{dsaCA.Raw}, roots: ders(root)}, true, "RFC 3279 2.2.2, RFC 5758 3.1: dsa-with-SHA256 signatures by a DSA CA")
		broken := append([]byte(nil), dsaSigned...)
		broken[len(broken)-3] ^= 0x55
		add("alg-dsa-ca-bad-signature", spec{leaf: broken, bundle: [][]byte{dsaCA.Raw}, roots: ders(root)}, false, "RFC 5280 6.1.3(a)(1): the DSA signature does not verify")
	}
	// RSA, PKCS#1 v1.5 and RSASSA-PSS (RFC 4055).
	rsaCA := g.caKey("RSA CA", g.rsaKey, root)
	add("alg-rsa-pkcs1", g.chain3(g.ee(rsaCA, sanDNS("www.example.com")), rsaCA, root), true, "RFC 4055 5: sha256WithRSAEncryption")
	pss := g.ee(rsaCA, sanDNS("www.example.com"), func(t *x509.Certificate) { t.SignatureAlgorithm = x509.SHA256WithRSAPSS })
	add("alg-rsa-pss-signature", g.chain3(pss, rsaCA, root), true, "RFC 4055 3.1: an RSASSA-PSS signature (SHA-256, MGF1-SHA-256, salt 32)")
	pssBad := append([]byte(nil), pss.Raw...)
	pssBad[len(pssBad)-3] ^= 0x55
	add("alg-rsa-pss-bad-signature", spec{leaf: pssBad, bundle: ders(rsaCA), roots: ders(root)}, false, "RFC 5280 6.1.3(a)(1): the PSS signature does not verify")
	pssCAtmpl := g.caKey("RSASSA-PSS Key CA", g.rsaKey, root)
	pssCADER := g.resign(pssCAtmpl.Raw, root.Key, func(p *tbsParts) {
		pub := seq(derBigInt(g.rsaKey.N), derInt(int64(g.rsaKey.E)))
		p.spki = seq(seq(derOID(oidRSAPSS)), derBitString(pub))
	})
	stand := g.ee(pssCAtmpl, sanDNS("www.example.com"))
	pssKeySigned := g.resign(stand.Raw, pssSigner{g.rsaKey}, nil)
	add("alg-rsassa-pss-key-ca", spec{leaf: pssKeySigned, bundle: [][]byte{pssCADER}, roots: ders(root)}, true, "RFC 4055 1.2, 3.1: a CA whose key is id-RSASSA-PSS signs with PSS")
	pkcs1ByPSSKey := g.resign(stand.Raw, g.rsaKey, nil)
	add("alg-rsassa-pss-key-pkcs1-signature", spec{leaf: pkcs1ByPSSKey, bundle: [][]byte{pssCADER}, roots: ders(root)}, false, "RFC 4055 1.2: an id-RSASSA-PSS key MUST only be used for PSS signatures; this one made a PKCS#1 v1.5 signature")
	// Other keys.
	for _, kt := range []KeyType{EC384, Ed25519} {
		k, err := NewKey(kt)
		if err != nil {
			g.fail(err)
			return
		}
		ca := g.caKey(string(kt)+" CA", k, root)
		add("alg-"+string(kt), g.chain3(g.ee(ca, sanDNS("www.example.com")), ca, root), true, "RFC 5480 / RFC 8410 keys and signatures")
	}
	weak, err := NewKey(RSA1024)
	g.fail(err)
	if err == nil {
		add("alg-rsa-1024-leaf", g.chain3(g.eeKey(inter, weak, sanDNS("www.example.com")), inter, root), false,
			"CA/Browser Forum BR 6.1.5: RSA keys of at least 2048 bits (RFC 5280 is silent)")
		g.cases[len(g.cases)-1].OpenSSLNote = "OpenSSL's default security level 1 accepts 1024-bit RSA"
		g.cases[len(g.cases)-1].GoNote = "Go accepts RSA keys of 1024 bits"
	}
	sha1 := g.ee(rsaCA, sanDNS("www.example.com"), func(t *x509.Certificate) { t.SignatureAlgorithm = x509.SHA1WithRSA })
	add("alg-sha1-signature", g.chain3(sha1, rsaCA, root), false, "CA/Browser Forum BR 7.1.3.2: no SHA-1 signatures; Go and browsers refuse them (RFC 5280 is silent)")
}

// ---- broken and unusual input ----

func (g *gen) broken() {
	add := func(name string, s spec, valid bool, reason string) {
		s.name, s.group, s.valid, s.reason = name, "broken", valid, reason
		g.add(s)
	}
	root, inter := g.root, g.inter
	base := g.ee(inter, sanDNS("www.example.com"))
	withSPKI := func(spki []byte) []byte {
		return g.resign(base.Raw, inter.Key, func(p *tbsParts) { p.spki = spki })
	}
	badPoint := append([]byte{4}, make([]byte, 64)...)
	for i := 1; i < len(badPoint); i++ {
		badPoint[i] = 1
	}
	add("broken-leaf-ec-point-off-curve", spec{leaf: withSPKI(seq(seq(derOID(oidECPublicKey), derOID(oidP256)), derBitString(badPoint))), bundle: ders(inter), roots: ders(root)}, false,
		"RFC 5480 2.2 / SEC 1 3.2.2: the leaf's EC point is not on the curve, so the leaf is not a valid certificate (exit 3, not an error)")
	add("broken-leaf-rsa-negative-modulus", spec{leaf: withSPKI(seq(seq(derOID(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}), []byte{5, 0}), derBitString(seq(derInt(-12345), derInt(65537))))), bundle: ders(inter), roots: ders(root)}, false,
		"RFC 8017 A.1.1: the RSA modulus is negative, the key is invalid")
	dup := g.resign(base.Raw, inter.Key, func(p *tbsParts) {
		p.editExts(func(exts [][]byte) [][]byte {
			for _, e := range exts {
				if extOID(e).Equal(oidExtSAN) {
					return append(exts, e)
				}
			}
			return exts
		})
	})
	add("broken-leaf-duplicate-extension", spec{leaf: dup, bundle: ders(inter), roots: ders(root)}, false, "RFC 5280 4.2: a certificate MUST NOT include more than one instance of an extension")
	badBC := g.resign(base.Raw, inter.Key, func(p *tbsParts) {
		p.editExts(func(exts [][]byte) [][]byte {
			for i, e := range exts {
				if extOID(e).Equal(oidExtBC) {
					// An INTEGER of length 5 holding one byte.
					exts[i] = ext{oid: oidExtBC, critical: true, value: []byte{0x30, 0x03, 0x02, 0x05, 0x00}}.der()
				}
			}
			return exts
		})
	})
	add("broken-leaf-malformed-basic-constraints", spec{leaf: badBC, bundle: ders(inter), roots: ders(root)}, false, "RFC 5280 4.2.1.9: the basicConstraints value is not valid DER")
	badVersion := g.resign(base.Raw, inter.Key, func(p *tbsParts) { p.version = tagged(cbasn1.Tag(0).ContextSpecific().Constructed(), derInt(7)) })
	add("broken-leaf-unknown-version", spec{leaf: badVersion, bundle: ders(inter), roots: ders(root)}, false, "RFC 5280 4.1.2.1: version 8 does not exist")
	// Malformed extension contents.
	replaceExt := func(der []byte, key any, oid []int, critical bool, value []byte) []byte {
		return g.resign(der, key, func(p *tbsParts) {
			p.editExts(func(exts [][]byte) [][]byte {
				var out [][]byte
				for _, e := range exts {
					if !extOID(e).Equal(oid) {
						out = append(out, e)
					}
				}
				return append(out, ext{oid: oid, critical: critical, value: value}.der())
			})
		})
	}
	add("broken-leaf-malformed-aki", spec{leaf: replaceExt(base.Raw, inter.Key, oidExtAKI, false, []byte{0x30, 0x03, 0x80, 0x05, 0x01}), bundle: ders(inter), roots: ders(root)}, false,
		"RFC 5280 4.2.1.1: the authority key identifier is not a valid AuthorityKeyIdentifier (its keyIdentifier overruns it)")
	add("broken-leaf-malformed-san-dirname", spec{leaf: replaceExt(base.Raw, inter.Key, oidExtSAN, false, seq(gnDNS("www.example.com"), tagged(cbasn1.Tag(4).ContextSpecific().Constructed(), []byte{0x30, 0x05, 0x31, 0x01}))), bundle: ders(inter), roots: ders(root)}, false,
		"RFC 5280 4.2.1.6: a directoryName in the SAN is not a valid Name")
	negIA := g.ca("Negative InhibitAny CA", root)
	negIADER := replaceExt(negIA.Raw, root.Key, oidExtInhibitAny, true, derInt(-1))
	add("broken-int-negative-inhibit-any", spec{leaf: g.ee(negIA, sanDNS("www.example.com")).Raw, bundle: [][]byte{negIADER}, roots: ders(root)}, false,
		"RFC 5280 4.2.1.14: SkipCerts is INTEGER (0..MAX); -1 makes the intermediate invalid")
	// Explicit curve parameters (RFC 5480 2.1.1: specifiedCurve MUST NOT be used).
	cp := elliptic.P256().Params()
	fe := func(n *big.Int) []byte { return derOctets(n.FillBytes(make([]byte, 32))) }
	ecParams := seq(derInt(1),
		seq(derOID(asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}), derBigInt(cp.P)),
		seq(fe(new(big.Int).Sub(cp.P, big.NewInt(3))), fe(cp.B)),
		derOctets(append(append([]byte{4}, cp.Gx.FillBytes(make([]byte, 32))...), cp.Gy.FillBytes(make([]byte, 32))...)),
		derBigInt(cp.N), derInt(1))
	pub := g.leafKey.PublicKey
	point := append(append([]byte{4}, pub.X.FillBytes(make([]byte, 32))...), pub.Y.FillBytes(make([]byte, 32))...)
	add("broken-leaf-ec-explicit-params", spec{leaf: withSPKI(seq(seq(derOID(oidECPublicKey), ecParams), derBitString(point))), bundle: ders(inter), roots: ders(root)}, false,
		"RFC 5480 2.1.1: the EC key's parameters MUST name a curve (namedCurve); specifiedCurve MUST NOT be used")
	// Version 1: no extensions at all.
	v1 := func(der []byte, key any) []byte {
		return g.resign(der, key, func(p *tbsParts) { p.version, p.rest = nil, nil })
	}
	v1Int := g.ca("V1 Intermediate", root)
	add("broken-int-v1", spec{leaf: g.ee(v1Int, sanDNS("www.example.com")).Raw, bundle: [][]byte{v1(v1Int.Raw, root.Key)}, roots: ders(root)}, false,
		"RFC 5280 6.1.4(k): a version 1 intermediate is no CA unless known out of band")
	v1Root := g.issue(func() *x509.Certificate {
		t := g.tmpl("V1 Root")
		t.IsCA = true
		t.KeyUsage = x509.KeyUsageCertSign
		t.MaxPathLen = -1
		return t
	}(), ecKey(), nil)
	v1RootDER := v1(v1Root.Raw, v1Root.Key)
	v1RootInt := g.ca("Under V1 Root", v1Root)
	add("broken-v1-root", spec{leaf: g.ee(v1RootInt, sanDNS("www.example.com")).Raw, bundle: ders(v1RootInt), roots: [][]byte{v1RootDER}}, true,
		"RFC 5280 6.1.1(d): a trust anchor is a name and a key; a version 1 self-signed root (as old roots are) is one")
	g.profileCase("prof-leaf-v1", spec{leaf: v1(base.Raw, inter.Key), bundle: ders(inter), roots: ders(root)}, "RFC 5280 4.1.2.1 and 4.2.1.1: a version 1 leaf has no authority key identifier (conforming CAs issue version 3)", true, "")
	g.cases[len(g.cases)-2].Group, g.cases[len(g.cases)-1].Group = "broken", "broken"
	garbage := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x82, 0x01, 0x00, 0x01, 0x02, 0x03}})
	add("broken-bundle-garbage-cert", spec{leaf: base.Raw, bundleFile: append(append([]byte(nil), garbage...), pemCerts(ders(inter))...), roots: ders(root)}, true,
		"issue 9 rule 5: an unparseable certificate in --bundle is skipped with a note; the path through the real intermediate is valid")
	add("broken-roots-garbage-cert", spec{leaf: base.Raw, bundle: ders(inter), rootsFile: append(append([]byte(nil), garbage...), pemCerts(ders(root))...)}, true,
		"issue 9 rule 5: an unparseable certificate among the roots is skipped with a note")
	otherCA := g.ca("Broken Key CA", root)
	brokenCA := g.resign(otherCA.Raw, root.Key, func(p *tbsParts) { p.spki = seq(seq(derOID(oidECPublicKey), derOID(oidP256)), derBitString(badPoint)) })
	add("broken-bundle-invalid-key-cert", spec{leaf: base.Raw, bundleFile: pemCerts([][]byte{brokenCA, inter.Raw}), roots: ders(root)}, true,
		"issue 9 rule 5: a certificate with an invalid key in --bundle is left out; the path through the real intermediate is valid")
	add("broken-int-invalid-key", spec{leaf: g.ee(otherCA, sanDNS("www.example.com")).Raw, bundleFile: pemCerts([][]byte{brokenCA}), roots: ders(root)}, false,
		"RFC 5280 6.1.3(a)(1): the only issuer has an invalid key, no signature can verify")
}

// markCritical marks the extension with the OID critical.
func markCritical(oid asn1.ObjectIdentifier) func(*tbsParts) {
	return func(p *tbsParts) {
		p.editExts(func(exts [][]byte) [][]byte {
			for i, e := range exts {
				if extOID(e).Equal(oid) {
					in := cryptobyte.String(e)
					var body cryptobyte.String
					var id asn1.ObjectIdentifier
					var val []byte
					if !in.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1ObjectIdentifier(&id) ||
						!body.SkipOptionalASN1(cbasn1.BOOLEAN) || !body.ReadASN1Bytes(&val, cbasn1.OCTET_STRING) {
						panic("bad extension")
					}
					exts[i] = ext{oid: id, critical: true, value: val}.der()
				}
			}
			return exts
		})
	}
}
