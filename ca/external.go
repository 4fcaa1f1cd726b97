package ca

// CAs made across directories, for a root that stays offline: a CA key
// and request made in one directory ([CreateCARequest], "pkit csr --ca"),
// signed by the root's directory under the intermediate CA profile
// ([Authority.SignCARequest], "pkit sign --ca-profile intermediate"),
// and the certificate brought back ([Authority.ImportCA], "pkit ca
// import"; or [InitOptions.Import], "pkit init --import", for a new
// directory whose root lives elsewhere). A directory may hold CA
// certificates without their keys (the offline root's): it verifies with
// them and never signs with them ([ErrKeyOffline]).

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/pkit/pkit/chain"
	"github.com/pkit/pkit/formats"
)

// ErrKeyOffline is wrapped by [Authority.Unlock] when the CA's key is not
// in the directory: a CA whose key is kept elsewhere (an offline root).
var ErrKeyOffline = errors.New("the CA's key is not in this directory")

// HasKey reports whether the key of the CA named name is in the
// directory (sealed or not).
func (a *Authority) HasKey(name string) bool {
	for _, suffix := range []string{".key.age", ".key"} {
		if _, err := os.Lstat(filepath.Join(a.Dir, "ca", name+suffix)); err == nil {
			return true
		}
	}
	return false
}

// CARequestOptions is what a CA request asks for ([CreateCARequest]).
// The signer decides: [Authority.SignCARequest] applies the path length
// and name constraints asked for only within its own, and its flags
// override them.
type CARequestOptions struct {
	// CommonName and Organization of the new CA.
	CommonName, Organization string
	// PathLen asked for; nil asks for none (the signer's default, 0).
	PathLen *int
	// Name constraints asked for.
	PermittedDNS, ExcludedDNS     []string
	PermittedIPs, ExcludedIPs     []*net.IPNet
	PermittedEmail, ExcludedEmail []string
}

// basicConstraints is the extension's ASN.1 (RFC 5280 section 4.2.1.9).
type basicConstraints struct {
	IsCA       bool `asn1:"optional"`
	MaxPathLen int  `asn1:"optional,default:-1"`
}

// CreateCARequest makes a PKCS#10 request for a CA certificate signed by
// key: CA:TRUE with the path length asked for, and the name constraints
// asked for, as extension requests.
func CreateCARequest(key crypto.Signer, o CARequestOptions) ([]byte, error) {
	if o.CommonName == "" {
		return nil, reqErr("a CA request needs a common name")
	}
	if err := CheckName(o.CommonName); err != nil {
		return nil, &RequestError{Msg: "common name: " + err.Error(), Err: ErrBadName}
	}
	pl := -1
	if o.PathLen != nil {
		if *o.PathLen < 0 {
			return nil, &RequestError{Msg: fmt.Sprintf("path length %d is negative", *o.PathLen), Err: ErrBadName}
		}
		pl = *o.PathLen
	}
	bc, err := asn1.Marshal(basicConstraints{IsCA: true, MaxPathLen: pl})
	if err != nil {
		return nil, err
	}
	exts := []pkix.Extension{{Id: oidBasicConstraints, Critical: true, Value: bc}}
	nc, err := nameConstraintsExtension(o)
	if err != nil {
		return nil, err
	}
	if nc != nil {
		exts = append(exts, *nc)
	}
	subject := pkix.Name{CommonName: o.CommonName}
	if o.Organization != "" {
		subject.Organization = []string{o.Organization}
	}
	return x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: subject, ExtraExtensions: exts}, key)
}

// nameConstraintsExtension encodes the name constraints of o with
// crypto/x509's own encoder (through a throwaway certificate, the only
// way it offers), or returns nil when o has none.
func nameConstraintsExtension(o CARequestOptions) (*pkix.Extension, error) {
	if len(o.PermittedDNS)+len(o.ExcludedDNS)+len(o.PermittedIPs)+len(o.ExcludedIPs)+len(o.PermittedEmail)+len(o.ExcludedEmail) == 0 {
		return nil, nil
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), BasicConstraintsValid: true, IsCA: true,
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         o.PermittedDNS, ExcludedDNSDomains: o.ExcludedDNS,
		PermittedIPRanges: o.PermittedIPs, ExcludedIPRanges: o.ExcludedIPs,
		PermittedEmailAddresses: o.PermittedEmail, ExcludedEmailAddresses: o.ExcludedEmail}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		return nil, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	for _, e := range c.Extensions {
		if e.Id.Equal(oidNameConstraints) {
			return &e, nil
		}
	}
	return nil, errors.New("no name constraints encoded")
}

var oidNameConstraints = asn1.ObjectIdentifier{2, 5, 29, 30}

// ReadCARequest returns what a CA request asks for: isCA, the path
// length (nil: none asked) and the name constraints (nil: none).
func ReadCARequest(csr *x509.CertificateRequest) (isCA bool, pathLen *int, nc *chain.Constraints, err error) {
	for _, e := range csr.Extensions {
		switch {
		case e.Id.Equal(oidBasicConstraints):
			var bc basicConstraints
			if rest, err := asn1.Unmarshal(e.Value, &bc); err != nil || len(rest) > 0 {
				return false, nil, nil, reqErr("the request's basic constraints extension is malformed")
			}
			isCA = bc.IsCA
			if bc.IsCA && bc.MaxPathLen >= 0 {
				pl := bc.MaxPathLen
				pathLen = &pl
			}
		case e.Id.Equal(oidNameConstraints):
			c, perr := chain.ParseNameConstraints(&x509.Certificate{Extensions: []pkix.Extension{e}})
			if perr != nil {
				return false, nil, nil, reqErr("the request's name constraints: %v", perr)
			}
			nc = c
		}
	}
	return isCA, pathLen, nc, nil
}

// SignCAOptions configures [Authority.SignCARequest].
type SignCAOptions struct {
	// Name records the new CA in the store ("" means its common name).
	Name string
	// Parent is the CA that signs; "" means "root".
	Parent string
	// PathLen overrides the request's; nil takes the request's, or 0.
	PathLen *int
	// Constraints are added to the parent's and the request's name
	// constraints (a CA can narrow what it signs, never widen it: the
	// parent's constraints bind the whole path anyway).
	Constraints CARequestOptions
	// Validity; 0 means 5 years, capped at the parent's expiry.
	Validity time.Duration
	// Out, when set, is the file the certificate is written to (PEM;
	// with Chain, followed by the parent's chain), as one step with the
	// record: staged before it, placed after it, the record removed again
	// if placing fails. Overwrite replaces an existing file.
	Out              string
	Chain, Overwrite bool
}

// SignCARequest signs a CA request made elsewhere ([CreateCARequest],
// or openssl req with CA:TRUE) with the CA o.Parent, under the
// intermediate CA profile: CA:TRUE, keyCertSign and cRLSign, a path
// length within every CA above, the parent's distribution points, the
// parent's name constraints plus those asked for. The certificate is
// verified against the parent's chain like every certificate pkit signs,
// recorded in the store (profile "ca"), and returned with the parent's
// chain. The CA's key never comes here; the directory does not get the
// new CA (it lives where its key is: [Authority.ImportCA] there).
func (a *Authority) SignCARequest(ctx context.Context, csr *x509.CertificateRequest, o SignCAOptions) (*x509.Certificate, []*x509.Certificate, error) {
	if err := csr.CheckSignature(); err != nil {
		return nil, nil, ErrBadCSRSignature
	}
	isCA, askedLen, asked, err := ReadCARequest(csr)
	if err != nil {
		return nil, nil, err
	}
	if !isCA {
		return nil, nil, reqErr("the request does not ask to be a CA (no basicConstraints CA:TRUE)")
	}
	if err := CheckPublicKey(csr.PublicKey); err != nil {
		return nil, nil, err
	}
	if o.Parent == "" {
		o.Parent = "root"
	}
	pl := 0
	if askedLen != nil {
		pl = *askedLen
	}
	if o.PathLen != nil {
		pl = *o.PathLen
	}
	cn := csr.Subject.CommonName
	name := o.Name
	if name == "" {
		name = cn
	}
	if err := a.CheckIntermediate(ctx, "x-external", IntermediateOptions{Parent: o.Parent, PathLen: pl, CommonName: cn}); err != nil {
		return nil, nil, err
	}
	if existing, err := a.Store.List(ctx, Filter{Name: name}); err == nil && len(existing) > 0 {
		for _, r := range existing {
			if r.Profile == "ca" && r.Status == StatusValid {
				return nil, nil, reqErr("a CA named %q is already recorded (serial %s)", name, SerialHex(r.Serial))
			}
		}
	}
	parent := a.CAs[o.Parent]
	key, err := a.Unlock(o.Parent)
	if err != nil {
		return nil, nil, err
	}
	validity := o.Validity
	if validity == 0 {
		validity = 5 * 365 * 24 * time.Hour
	}
	nc := o.Constraints
	if asked != nil {
		nc.PermittedDNS = append(nc.PermittedDNS, asked.Permitted.DNS...)
		nc.ExcludedDNS = append(nc.ExcludedDNS, asked.Excluded.DNS...)
		nc.PermittedIPs = append(nc.PermittedIPs, asked.Permitted.IPs...)
		nc.ExcludedIPs = append(nc.ExcludedIPs, asked.Excluded.IPs...)
		nc.PermittedEmail = append(nc.PermittedEmail, asked.Permitted.Emails...)
		nc.ExcludedEmail = append(nc.ExcludedEmail, asked.Excluded.Emails...)
		if len(asked.Permitted.URIs)+len(asked.Excluded.URIs)+len(asked.Permitted.DirNames)+len(asked.Excluded.DirNames)+len(asked.Unsupported) > 0 {
			return nil, nil, reqErr("the request asks for URI or directoryName constraints, which pkit does not sign; ask for DNS, IP and email constraints")
		}
	}
	// Permitted subtrees of one extension are alternatives, so asked-for
	// ones replace the parent's (which bind the path anyway, RFC 5280
	// section 6.1.4 (g)) and must lie within them; excluded ones add up.
	for _, d := range nc.PermittedDNS {
		if !domainWithin(d, parent.PermittedDNSDomains) {
			return nil, nil, &RequestError{Msg: fmt.Sprintf("permitted DNS subtree %q is outside the parent's (%s)", d, strings.Join(parent.PermittedDNSDomains, ", ")), Err: ErrNameConstraints}
		}
	}
	for _, d := range nc.PermittedEmail {
		host := d[strings.LastIndex(d, "@")+1:]
		if !domainWithin(host, parent.PermittedEmailAddresses) && !slices.Contains(parent.PermittedEmailAddresses, d) {
			return nil, nil, &RequestError{Msg: fmt.Sprintf("permitted email subtree %q is outside the parent's (%s)", d, strings.Join(parent.PermittedEmailAddresses, ", ")), Err: ErrNameConstraints}
		}
	}
	for _, n := range nc.PermittedIPs {
		if !netWithin(n, parent.PermittedIPRanges) {
			return nil, nil, &RequestError{Msg: fmt.Sprintf("permitted IP range %s is outside the parent's", n), Err: ErrNameConstraints}
		}
	}
	io := InitOptions{
		PermittedDNS: orParent(nc.PermittedDNS, parent.PermittedDNSDomains), ExcludedDNS: append(append([]string{}, parent.ExcludedDNSDomains...), nc.ExcludedDNS...),
		PermittedIPs: orParent(nc.PermittedIPs, parent.PermittedIPRanges), ExcludedIPs: append(append([]*net.IPNet{}, parent.ExcludedIPRanges...), nc.ExcludedIPs...),
		PermittedEmail: orParent(nc.PermittedEmail, parent.PermittedEmailAddresses), ExcludedEmail: append(append([]string{}, parent.ExcludedEmailAddresses...), nc.ExcludedEmail...),
	}
	cert, err := signCA(io, csr.Subject, csr.PublicKey, parent, key, a.Config.URLs(o.Parent), validity, a.now(), &pl, false)
	if err != nil {
		return nil, nil, err
	}
	if err := a.verifyCA(cert, o.Parent); err != nil {
		return nil, nil, err
	}
	var staged *formats.StagedFiles
	if o.Out != "" {
		certs := []*x509.Certificate{cert}
		if o.Chain {
			certs = append(certs, a.Chain(o.Parent)...)
		}
		staged, err = formats.StageFiles([]formats.File{{Path: o.Out, Data: WriteChainPEM(certs...), Perm: 0o644}}, formats.WriteOptions{Overwrite: o.Overwrite})
		if err != nil {
			return nil, nil, &FilesError{Serial: cert.SerialNumber, Err: err}
		}
		defer staged.Discard()
	}
	if err := a.Store.Insert(ctx, recordOf(cert, name, "ca", o.Parent, a.now())); err != nil {
		return nil, nil, err
	}
	if staged != nil {
		if err := staged.Place(); err != nil {
			uerr := a.Store.unrecord(context.WithoutCancel(ctx), cert.SerialNumber)
			return nil, nil, &FilesError{Serial: cert.SerialNumber, Recorded: uerr != nil, Err: err}
		}
	}
	return cert, a.Chain(o.Parent), nil
}

// ImportCA adds a CA certificate made elsewhere to the directory as
// ca/NAME.crt, with its key sealed by p when key is given (a CA whose
// key stays elsewhere is only used to verify). certs is the certificate
// followed by its chain, as far as the sender gave it; it must chain to
// a CA the directory has (its chain's certificates may be added first
// with their own ImportCA), within every constraint above, as
// [Authority.SignCARequest] would have made it. makeIssuer makes it the
// CA that issues leaves.
func (a *Authority) ImportCA(ctx context.Context, name string, cert *x509.Certificate, key crypto.Signer, p Protection, makeIssuer bool) error {
	if !validCAName(name) {
		return &RequestError{Msg: fmt.Sprintf("CA name %q must be lowercase letters, digits, - and _", name), Err: ErrBadName}
	}
	if _, dup := a.CAs[name]; dup {
		return reqErr("a CA named %q already exists", name)
	}
	for n, c := range a.CAs {
		if c.Equal(cert) {
			return reqErr("this certificate is already CA %q", n)
		}
	}
	if !cert.BasicConstraintsValid || !cert.IsCA {
		return reqErr("the certificate is not a CA certificate (no basicConstraints CA:TRUE)")
	}
	if key != nil && !formats.PublicKeysEqual(key.Public(), cert.PublicKey) {
		return reqErr("the key does not belong to the certificate")
	}
	if makeIssuer && key == nil {
		return &RequestError{Msg: "a CA without its key cannot issue leaf certificates", Hint: "pass its key with --key"}
	}
	var parent string
	for n, c := range a.CAs {
		if formats.Issued(c, cert) {
			parent = n
			break
		}
	}
	if parent == "" {
		return &RequestError{Msg: fmt.Sprintf("the certificate of %q (issuer %q) was not signed by any CA of this directory", cert.Subject.CommonName, cert.Issuer.String()),
			Hint: "import its issuer first, or check that you are in the right directory"}
	}
	if err := a.verifyCA(cert, parent); err != nil {
		return err
	}
	unlock, err := a.lockCAName(name)
	if err != nil {
		return err
	}
	defer unlock()
	files := []formats.File{{Path: filepath.Join(a.Dir, "ca", name+".crt"), Data: WriteChainPEM(cert), Perm: 0o644}}
	if key != nil {
		data, suffix, err := SealKey(key, p)
		if err != nil {
			return err
		}
		files = append(files, formats.File{Path: filepath.Join(a.Dir, "ca", name+suffix), Data: data, Perm: 0o600})
	}
	var cfg []byte
	if makeIssuer {
		cfgPath := filepath.Join(a.Dir, "config")
		old, err := os.ReadFile(cfgPath)
		if err != nil {
			return err
		}
		if cfg, err = SetIssuer(old, name); err != nil {
			return err
		}
	}
	// A CA signed by this directory's own CA is recorded already.
	if _, err := a.Store.Get(ctx, cert.SerialNumber); errors.Is(err, ErrNotFound) {
		if err := a.Store.Insert(ctx, recordOf(cert, name, "ca", parent, a.now())); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if err := formats.WriteFiles(files, false); err != nil {
		return err
	}
	if cfg != nil {
		if err := formats.WriteFile(filepath.Join(a.Dir, "config"), cfg, 0o644, true); err != nil {
			return err
		}
		a.Config.Issuer = name
	}
	a.CAs[name] = cert
	a.linkChains()
	return nil
}

// keyOffline is Unlock's error for a CA whose key file is not there.
func keyOffline(name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return &RequestError{Msg: fmt.Sprintf("the key of CA %q is not in this directory", name), Err: ErrKeyOffline,
			Hint: "sign with the directory that holds it (an offline root signs its intermediates' requests: pkit sign REQ --ca-profile intermediate)"}
	}
	return fmt.Errorf("reading the key of CA %q: %w", name, err)
}

// importedSet is an [ImportedCA] checked: its chain and the name of each
// certificate in the directory (the CA's own first, "root" last).
type importedSet struct {
	chain []*x509.Certificate
	names []string
}

// checkImport checks an [ImportedCA]: a CA certificate with its key,
// chained by signatures up to a self-signed root, each a CA allowed to
// sign the next, valid as a path ([chain.Verify]).
func checkImport(im *ImportedCA) (*importedSet, error) {
	name := im.Name
	if name == "" {
		name = "intermediate"
	}
	if !validCAName(name) || name == "root" {
		return nil, &RequestError{Msg: fmt.Sprintf("CA name %q must be lowercase letters, digits, - and _, and not \"root\"", name), Err: ErrBadName}
	}
	if len(im.Chain) < 2 {
		return nil, &RequestError{Msg: "the chain to import has no root", Hint: "give the CA's certificate followed by its issuers up to the root (one PEM file)"}
	}
	if im.Key == nil || !formats.PublicKeysEqual(im.Key.Public(), im.Chain[0].PublicKey) {
		return nil, reqErr("the key does not belong to the CA certificate (the first in the chain)")
	}
	for i, c := range im.Chain {
		if !c.BasicConstraintsValid || !c.IsCA {
			return nil, reqErr("certificate %d of the chain (%q) is not a CA certificate", i+1, c.Subject.CommonName)
		}
		if i+1 < len(im.Chain) && !formats.Issued(im.Chain[i+1], c) {
			return nil, &RequestError{Msg: fmt.Sprintf("certificate %d of the chain (%q) was not signed by the next one (%q)", i+1, c.Subject.CommonName, im.Chain[i+1].Subject.CommonName),
				Hint: "order the chain from the CA up to the root (pkit chain build orders a pile)"}
		}
	}
	root := im.Chain[len(im.Chain)-1]
	if !formats.Issued(root, root) {
		return nil, &RequestError{Msg: fmt.Sprintf("the chain ends with %q, which is not a self-signed root", root.Subject.CommonName), Hint: "add the root certificate at the end"}
	}
	res, err := chain.Verify(im.Chain[0], chain.VerifyOptions{Roots: []*x509.Certificate{root}, Intermediates: im.Chain[1 : len(im.Chain)-1], Lenient: true})
	if err != nil {
		return nil, err
	}
	for _, p := range res.Problems {
		if !p.Warning {
			return nil, reqErr("the chain to import is not valid: %s", p.Detail)
		}
	}
	names := []string{name}
	for i := 1; i < len(im.Chain)-1; i++ {
		names = append(names, fmt.Sprintf("%s-issuer-%d", name, i))
	}
	return &importedSet{chain: im.Chain, names: append(names, "root")}, nil
}

// NewKeyProtection decides how a new CA key added to the directory is
// sealed, the way the key of the CA named like is: unencrypted when that
// one is (or plain is set), else to the X25519 recipients of u's age
// identities when there are any, else with the passphrase u gives. It
// reads the passphrase through u only in that last case.
func (a *Authority) NewKeyProtection(like string, plain bool, u Unlocker, workFactor int) (Protection, error) {
	var p Protection
	if _, err := os.Lstat(filepath.Join(a.Dir, "ca", like+".key")); plain || err == nil {
		p.None = true
		return p, nil
	}
	for _, id := range u.Identities {
		if x, ok := id.(*age.X25519Identity); ok {
			p.Recipients = append(p.Recipients, x.Recipient())
		}
	}
	if len(p.Recipients) > 0 {
		return p, nil
	}
	if u.Passphrase == nil {
		return p, errors.New("no passphrase to seal the new CA key with")
	}
	pw, err := u.Passphrase()
	if err != nil {
		return p, err
	}
	p.Passphrase, p.WorkFactor = pw, workFactor
	return p, nil
}

// CANameFor makes a CA name ([validCAName]) from a common name: lower
// case, runs of other characters as one '-', at most 63 characters; "ca"
// when nothing is left.
func CANameFor(cn string) string {
	var b []byte
	dash := false
	for _, r := range strings.ToLower(cn) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && len(b) > 0 {
				b = append(b, '-')
			}
			b = append(b, byte(r))
			dash = false
		default:
			dash = true
		}
	}
	if len(b) > 63 {
		b = b[:63]
	}
	if len(b) == 0 {
		return "ca"
	}
	return string(b)
}

// orParent is asked when anything is asked, else the parent's.
func orParent[T any](asked, parent []T) []T {
	if len(asked) > 0 {
		return asked
	}
	return append([]T{}, parent...)
}

// domainWithin reports whether the DNS subtree d lies within one of the
// subtrees of, or whether of is empty (no limit). A subtree with a
// leading dot holds the names under it only.
func domainWithin(d string, of []string) bool {
	if len(of) == 0 {
		return true
	}
	d = strings.ToLower(d)
	for _, p := range of {
		p = strings.ToLower(p)
		if under := strings.TrimPrefix(p, "."); d == p || strings.HasSuffix(d, "."+under) && d != "."+under {
			return true
		}
	}
	return false
}

// netWithin reports whether n lies within one of the ranges of, or
// whether of is empty.
func netWithin(n *net.IPNet, of []*net.IPNet) bool {
	if len(of) == 0 {
		return true
	}
	nOnes, nBits := n.Mask.Size()
	for _, p := range of {
		pOnes, pBits := p.Mask.Size()
		if nBits == pBits && pOnes <= nOnes && p.Contains(n.IP) {
			return true
		}
	}
	return false
}
