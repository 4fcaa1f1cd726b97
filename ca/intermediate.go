package ca

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pkit/pkit/chain"
	"github.com/pkit/pkit/formats"
)

// IntermediateOptions describes a new intermediate CA made by
// [Authority.CreateIntermediate].
type IntermediateOptions struct {
	// Parent names the CA that signs it; "" means "root".
	Parent string
	// KeyType of the new key; "" means the parent's key type.
	KeyType KeyType
	// Validity; 0 means 5 years, capped at the parent's expiry.
	Validity time.Duration
	// PathLen of the new CA; 0 means it may only issue leaves. Negative
	// values are refused: pkit makes no CA without a path length limit
	// below another.
	PathLen int
	// CommonName of the new CA, checked by [Authority.CheckIntermediate]
	// when set; [Authority.CreateIntermediate] sets it from its argument.
	CommonName string
	// Protection seals its key.
	Protection Protection
	// MakeIssuer also makes it the CA that issues leaf certificates.
	MakeIssuer bool
}

// validCAName reports whether name is 1 to 63 lowercase letters, digits,
// '-' and '_', starting with a letter or digit. (Not a regexp: compiling
// one at start-up cost every pkit process over a millisecond.)
func validCAName(name string) bool {
	if len(name) == 0 || len(name) > 63 {
		return false
	}
	for i, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '-' || c == '_') && i > 0:
		default:
			return false
		}
	}
	return true
}

// CheckIntermediate reports whether [Authority.CreateIntermediate] could
// make the CA name with o, without unlocking any key: the name is free and
// valid, the parent exists and may sign another CA with o.PathLen. Callers
// use it before asking for a passphrase; CreateIntermediate checks again.
// The errors are [*RequestError]s.
func (a *Authority) CheckIntermediate(ctx context.Context, name string, o IntermediateOptions) error {
	if !validCAName(name) {
		return &RequestError{Msg: fmt.Sprintf("CA name %q must be lowercase letters, digits, - and _", name), Err: ErrBadName}
	}
	if _, dup := a.CAs[name]; dup {
		return reqErr("a CA named %q already exists", name)
	}
	if o.Parent == "" {
		o.Parent = "root"
	}
	parent := a.CAs[o.Parent]
	if parent == nil {
		return reqErr("no CA named %q to sign with", o.Parent)
	}
	if o.PathLen < 0 {
		return &RequestError{Msg: fmt.Sprintf("path length %d is negative; a CA under another must have a limit (0: it only issues leaves)", o.PathLen), Err: ErrBadName}
	}
	if err := a.checkPathLen(o.Parent, o.PathLen); err != nil {
		return err
	}
	if !a.HasKey(o.Parent) {
		return keyOffline(o.Parent, fs.ErrNotExist)
	}
	if o.CommonName != "" {
		if err := a.checkCACommonName(o.CommonName); err != nil {
			return err
		}
	}
	return a.caStanding(ctx, o.Parent, "the parent CA")
}

// checkPathLen refuses a new CA with path length pathLen under the CA
// parent when it breaks the path length limit of the parent or of any CA
// above it (RFC 5280 section 6.1.4 (l) and (m)): a CA with pathlen:n
// allows n CA certificates below it before a leaf, self-issued ones not
// counted, and the new CA adds itself and the pathLen it allows.
func (a *Authority) checkPathLen(parent string, pathLen int) error {
	cas := a.Chain(parent)
	allowed, limitedBy := -1, -1 // the largest pathLen every CA above allows; -1: unlimited so far
	between := 0                 // non-self-issued CAs between the ancestor and the new CA
	for k, c := range cas {
		if k > 0 && !formats.SelfIssued(cas[k-1]) {
			between++
		}
		if !c.BasicConstraintsValid || c.MaxPathLen < 0 {
			continue
		}
		if room := c.MaxPathLen - between - 1; limitedBy < 0 || room < allowed {
			allowed, limitedBy = room, k
		}
	}
	if limitedBy < 0 || pathLen <= allowed {
		return nil
	}
	lim := cas[limitedBy]
	who := fmt.Sprintf("CA %q", parent)
	if limitedBy > 0 {
		who = fmt.Sprintf("CA %q above %q", lim.Subject.CommonName, parent)
	}
	if allowed < 0 {
		msg := fmt.Sprintf("CA %q has path length %d and cannot sign another CA", parent, lim.MaxPathLen)
		if limitedBy > 0 {
			msg = fmt.Sprintf("%s has path length %d, which leaves no room for another CA below %q", who, lim.MaxPathLen, parent)
		}
		return &RequestError{Msg: msg, Hint: "sign the new CA with a CA higher up (--parent)"}
	}
	return &RequestError{Msg: fmt.Sprintf("path length %d is too long: %s has path length %d, which leaves room for %d more CA(s) below the new one", pathLen, who, lim.MaxPathLen, allowed),
		Hint: fmt.Sprintf("use --pathlen %d or less", allowed)}
}

// checkCACommonName refuses a common name for a new CA that no CA
// certificate should have: control characters and the like ([CheckName]),
// more than 64 characters (RFC 5280's upper bound), or the name of a CA
// already in the directory (compared as RFC 5280 section 7.1 does), which
// would make the new CA's certificate look self-issued (a root, to pkit
// and to relying parties) or be taken for the other CA.
func (a *Authority) checkCACommonName(cn string) error {
	bad := func(format string, args ...any) error {
		return &RequestError{Msg: fmt.Sprintf(format, args...), Err: ErrBadName}
	}
	if strings.TrimSpace(cn) == "" {
		return bad("the common name is empty")
	}
	if err := CheckName(cn); err != nil {
		return bad("common name: %v", err)
	}
	if n := utf8.RuneCountInString(cn); n > maxCommonName {
		return bad("the common name has %d characters; a common name holds at most %d (RFC 5280)", n, maxCommonName)
	}
	fold := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	for _, n := range a.CANames() {
		if fold(a.CAs[n].Subject.CommonName) == fold(cn) {
			return bad("CA %q already has the common name %q; a second CA of that name would be taken for it", n, a.CAs[n].Subject.CommonName)
		}
	}
	return nil
}

// CreateIntermediate makes a new intermediate CA called name under the
// parent CA, writes its certificate and sealed key into the directory and
// records it in the store. The name becomes the file name ca/NAME.crt.
func (a *Authority) CreateIntermediate(ctx context.Context, name, commonName string, o IntermediateOptions) error {
	o.CommonName = commonName
	if err := a.CheckIntermediate(ctx, name, o); err != nil {
		return err
	}
	if o.Parent == "" {
		o.Parent = "root"
	}
	parent := a.CAs[o.Parent]
	if o.KeyType == "" {
		o.KeyType = KeyTypeOf(parent.PublicKey)
	}
	if o.Validity == 0 {
		o.Validity = 5 * 365 * 24 * time.Hour
	}
	pkey, err := a.Unlock(o.Parent)
	if err != nil {
		return err
	}
	unlock, err := a.lockCAName(name)
	if err != nil {
		return err
	}
	defer unlock()
	io := InitOptions{Name: firstOrg(parent), KeyType: o.KeyType,
		PermittedDNS: parent.PermittedDNSDomains, ExcludedDNS: parent.ExcludedDNSDomains,
		PermittedIPs: parent.PermittedIPRanges, ExcludedIPs: parent.ExcludedIPRanges,
		PermittedEmail: parent.PermittedEmailAddresses, ExcludedEmail: parent.ExcludedEmailAddresses}
	pl := o.PathLen
	cert, key, err := createCA(io, commonName, parent, pkey, a.Config.URLs(o.Parent), o.Validity, a.now(), &pl, false)
	if err != nil {
		return err
	}
	if err := a.verifyCA(cert, o.Parent); err != nil {
		return err
	}
	data, suffix, err := SealKey(key, o.Protection)
	if err != nil {
		return err
	}
	files := []formats.File{
		{Path: filepath.Join(a.Dir, "ca", name+".crt"), Data: WriteChainPEM(cert), Perm: 0o644},
		{Path: filepath.Join(a.Dir, "ca", name+suffix), Data: data, Perm: 0o600},
	}
	if o.MakeIssuer {
		cfgPath := filepath.Join(a.Dir, "config")
		old, err := os.ReadFile(cfgPath)
		if err != nil {
			return err
		}
		cfg, err := SetIssuer(old, name)
		if err != nil {
			return err
		}
		files = append(files, formats.File{Path: cfgPath, Data: cfg, Perm: 0o644})
	}
	if err := a.Store.Insert(ctx, recordOf(cert, name, "ca", o.Parent, a.now())); err != nil {
		return err
	}
	if err := formats.WriteFiles(files[:2], false); err != nil {
		// Not the generic "already exists, pass --force": the CA is in the
		// store, and ca intermediate overwrites nothing.
		return &RequestError{Msg: fmt.Sprintf("CA %q (serial %s) was recorded but its files could not be written: %v", name, SerialHex(cert.SerialNumber), err),
			Hint: fmt.Sprintf(`revoke it ("pkit revoke %s --reason cessationOfOperation") and create the CA again`, SerialHex(cert.SerialNumber))}
	}
	if o.MakeIssuer {
		if err := formats.WriteFile(files[2].Path, files[2].Data, 0o644, true); err != nil {
			return err
		}
		a.Config.Issuer = name
	}
	a.CAs[name] = cert
	a.linkChains()
	return nil
}

// verifyCA checks a new CA certificate, signed by the CA parent, with
// [chain.Verify] before it is recorded, as [Authority.verifySigned] does
// for leaves: it must chain to the directory's root, within the path
// length and name constraints of every CA above. Rules of the leaf
// profile (a CA certificate checked as the end of a path has CA:TRUE and
// keyCertSign) are only warnings here.
func (a *Authority) verifyCA(cert *x509.Certificate, parent string) error {
	cas := a.Chain(parent)
	if len(cas) == 0 {
		return fmt.Errorf("%w: no chain for CA %q", ErrSelfCheck, parent)
	}
	res, err := chain.Verify(cert, chain.VerifyOptions{Roots: cas[len(cas)-1:], Intermediates: cas[:len(cas)-1], At: a.signedAt(cert), Lenient: true})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSelfCheck, err)
	}
	var ps []string
	for _, p := range res.Problems {
		if !p.Warning {
			ps = append(ps, p.Detail)
		}
	}
	if len(ps) > 0 {
		return fmt.Errorf("%w: %s; nothing was recorded or written", ErrSelfCheck, strings.Join(ps, "; "))
	}
	return nil
}

// lockCAName takes the CA folder's lock for adding the CA name and
// checks, under it, that the name is still free. Adding a CA is one step
// per directory: two processes given one name would otherwise both sign,
// both record a CA and fight over its files. The lock is a file of its
// own, ca/.lock: formats locks the folders it writes into while it places
// files, and a process holding the folder itself would wait for itself
// there. The name was free when the directory was opened; another process
// may have taken it since.
func (a *Authority) lockCAName(name string) (unlock func(), err error) {
	unlock, err = lockExclusive(filepath.Join(a.Dir, "ca", ".lock"), "the CA folder")
	if err != nil {
		return nil, err
	}
	if err := caNameFree(a.Dir, name); err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}

// caNameFree reports, as a [*RequestError], a CA called name whose
// certificate or key is in the directory now, whatever the Authority read
// when it was opened.
func caNameFree(dir, name string) error {
	for _, suffix := range []string{".crt", ".key", ".key.age"} {
		_, err := os.Lstat(filepath.Join(dir, "ca", name+suffix))
		if err == nil {
			return reqErr("a CA named %q already exists", name)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

func firstOrg(c *x509.Certificate) string {
	if len(c.Subject.Organization) > 0 {
		return c.Subject.Organization[0]
	}
	return c.Subject.CommonName
}
