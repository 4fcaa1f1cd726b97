package ca

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

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
	// PathLen of the new CA; 0 means it may only issue leaves.
	PathLen int
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
	if parent.MaxPathLen == 0 && parent.MaxPathLenZero {
		return reqErr("CA %q has path length 0 and cannot sign another CA", o.Parent)
	}
	if parent.MaxPathLen > 0 && o.PathLen >= parent.MaxPathLen {
		return reqErr("path length %d is not below the parent's %d", o.PathLen, parent.MaxPathLen)
	}
	return a.caStanding(ctx, o.Parent, "the parent CA")
}

// CreateIntermediate makes a new intermediate CA called name under the
// parent CA, writes its certificate and sealed key into the directory and
// records it in the store. The name becomes the file name ca/NAME.crt.
func (a *Authority) CreateIntermediate(ctx context.Context, name, commonName string, o IntermediateOptions) error {
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
	// Making a CA is one step per directory: two processes given one name
	// would otherwise both sign, both record a CA and fight over its files.
	// The lock is a file of its own, ca/.lock: formats locks the folders it
	// writes into while it places files, and a process holding the folder
	// itself would wait for itself there.
	unlock, err := lockExclusive(filepath.Join(a.Dir, "ca", ".lock"), "the CA folder")
	if err != nil {
		return err
	}
	defer unlock()
	// The name was free when the directory was opened; another process
	// may have taken it since.
	if err := caNameFree(a.Dir, name); err != nil {
		return err
	}
	io := InitOptions{Name: firstOrg(parent), KeyType: o.KeyType,
		PermittedDNS: parent.PermittedDNSDomains, ExcludedDNS: parent.ExcludedDNSDomains,
		PermittedIPs: parent.PermittedIPRanges, ExcludedIPs: parent.ExcludedIPRanges,
		PermittedEmail: parent.PermittedEmailAddresses, ExcludedEmail: parent.ExcludedEmailAddresses}
	pl := o.PathLen
	cert, key, err := createCA(io, commonName, parent, pkey, o.Validity, a.now(), &pl, false)
	if err != nil {
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
