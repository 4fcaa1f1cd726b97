package ca

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pkit/pkit/formats"
)

// InitOptions describes a new CA. The zero value of each field has the
// default noted beside it.
type InitOptions struct {
	// Name is the organization and the start of the CAs' common names
	// ("NAME Root CA", "NAME Intermediate CA"); "" means "pkit".
	Name string
	// Subject adds subject fields (C, ST, L, O, OU, …; see
	// [ParseSubject]) to both CAs' subjects; an O given here replaces
	// Name as the organization.
	Subject pkix.Name
	// KeyType for the CA keys; "" means ecdsa-p256.
	KeyType KeyType
	// Validity of the root; 0 means 10 years. The intermediate gets the
	// smaller of this and 5 years.
	Validity time.Duration
	// Single makes a root only, which then issues leaves itself.
	Single bool
	// PathLen limits the root's path length; nil means 1 for a two-tier CA
	// and no limit for a single root. The intermediate always gets 0.
	PathLen *int
	// Name constraints, put on every CA certificate.
	PermittedDNS, ExcludedDNS     []string
	PermittedIPs, ExcludedIPs     []*net.IPNet
	PermittedEmail, ExcludedEmail []string
	// CRLURL, OCSPURL and CAIssuersURL are the distribution point
	// templates of the config (see [Config.URLs] and [CheckURLTemplate]);
	// the intermediate gets the root's.
	CRLURL, OCSPURL, CAIssuersURL string
	// DB, when set, keeps the store in this PostgreSQL database (a
	// postgres:// URL without password, written to the config as "db =")
	// instead of the file "store" in the directory.
	DB string
	// Protection seals the CA keys.
	Protection Protection
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Import, when set, makes the directory around a CA made elsewhere
	// instead of making new CAs (a directory whose root is kept offline).
	Import *ImportedCA
}

// ImportedCA is a CA made elsewhere that [Init] builds a directory
// around ([InitOptions.Import]).
type ImportedCA struct {
	// Name of the CA in the directory ("" means "intermediate"); it issues
	// the leaf certificates.
	Name string
	// Chain is the CA's certificate followed by its issuers up to and
	// including the self-signed root. Only the CA's own key comes along:
	// the others are only used to verify (ca/NAME.crt without a key).
	Chain []*x509.Certificate
	// Key is the CA's private key.
	Key crypto.Signer
}

// MaxOrgName is the longest organization name [Init] takes: its longest
// common name, "NAME Intermediate CA", must fit RFC 5280's 64 characters.
const MaxOrgName = maxCommonName - len(" Intermediate CA")

// CheckOrgName reports whether name can be the organization of a new CA
// and the start of its common names: a certificate name ([CheckName]) of
// at most [MaxOrgName] characters. The error is a [*RequestError]
// wrapping [ErrBadName].
func CheckOrgName(name string) error {
	if err := CheckName(name); err != nil {
		return &RequestError{Msg: err.Error(), Err: ErrBadName}
	}
	if n := utf8.RuneCountInString(name); n > MaxOrgName {
		return &RequestError{Msg: fmt.Sprintf("the CA name has %d characters; at most %d fit in its common names (%q, 64 characters at most by RFC 5280)", n, MaxOrgName, "NAME Intermediate CA"),
			Err: ErrBadName}
	}
	return nil
}

// Init creates a CA in dir: the keys, certificates, config and store are
// built in a temporary directory and moved into place at the end, so dir
// either holds a whole CA or is left as it was. dir must not exist or be
// an empty directory; an existing one (made by an admin with its owner and
// mode, or a mount point) is kept, and the CA is moved into it with its
// config last.
func Init(dir string, o InitOptions) (err error) {
	existing := false
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return fmt.Errorf("%q exists and is not a directory", dir)
	}
	if ents, err := os.ReadDir(dir); err == nil {
		removeStaleInit(dir, ents)
		if ents, _ = os.ReadDir(dir); len(ents) > 0 {
			return fmt.Errorf("%q: %w", dir, ErrCAExists)
		}
		existing = true
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	if o.Name == "" {
		o.Name = "pkit"
	}
	if err := CheckOrgName(o.Name); err != nil {
		return err
	}
	if err := CheckSubject(o.Subject); err != nil {
		return &RequestError{Msg: "subject: " + err.Error(), Err: ErrBadName}
	}
	if o.Validity == 0 {
		o.Validity = 10 * 365 * 24 * time.Hour
	}
	issuer := "root"
	if !o.Single {
		issuer = "intermediate"
	}
	var imported *importedSet
	if o.Import != nil {
		var err error
		if imported, err = checkImport(o.Import); err != nil {
			return err
		}
		issuer = imported.names[0]
	}
	cfg := DefaultConfig(issuer)
	cfg.CRLURL, cfg.OCSPURL, cfg.CAIssuersURL = o.CRLURL, o.OCSPURL, o.CAIssuersURL
	if o.DB != "" {
		if err := CheckDatabaseURL(o.DB); err != nil {
			return &StoreError{Path: MaskURL(o.DB), Err: err}
		}
		cfg.DB = o.DB
	}
	for _, k := range URLKeys {
		if err := CheckURLTemplate(k, cfg.URLTemplate(k), issuer); err != nil {
			return &RequestError{Msg: err.Error(), Err: ErrBadURL}
		}
	}
	t := now()
	certs := map[string]*x509.Certificate{}
	keys := map[string]crypto.Signer{}
	issuers := map[string]string{}
	if imported != nil {
		for i, n := range imported.names {
			certs[n] = imported.chain[i]
			if i+1 < len(imported.names) {
				issuers[n] = imported.names[i+1]
			}
		}
		keys[imported.names[0]] = o.Import.Key
	} else {
		root, rootKey, err := createCA(o, o.Name+" Root CA", nil, nil, URLs{}, o.Validity, t, o.PathLen, !o.Single)
		if err != nil {
			return err
		}
		certs["root"], keys["root"] = root, rootKey
	}
	if root, rootKey := certs["root"], keys["root"]; imported == nil && !o.Single {
		v := min(o.Validity, 5*365*24*time.Hour)
		zero := 0
		inter, interKey, err := createCA(o, o.Name+" Intermediate CA", root, rootKey, cfg.URLs("root"), v, t, &zero, false)
		if err != nil {
			return err
		}
		certs["intermediate"], keys["intermediate"] = inter, interKey
		issuers["intermediate"] = "root"
	}

	// The temporary directory is inside an existing dir (the same file
	// system, even for a mount point), else beside it.
	parent, pattern := filepath.Dir(filepath.Clean(dir)), "."+filepath.Base(dir)+initMark+"*"
	if existing {
		parent, pattern = dir, initMark+"*"
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("cannot create %q: %w", dir, formats.SystemReason(err))
	}
	tmp, err := os.MkdirTemp(parent, pattern)
	if err != nil {
		return fmt.Errorf("cannot create %q: %w", dir, formats.SystemReason(err))
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o700); err != nil {
		return err
	}
	for _, sub := range []string{"ca", "crl"} {
		if err := os.Mkdir(filepath.Join(tmp, sub), 0o755); err != nil {
			return err
		}
	}
	files := []formats.File{{Path: filepath.Join(tmp, "config"), Data: cfg.Marshal(), Perm: 0o644}}
	for name, c := range certs {
		files = append(files, formats.File{Path: filepath.Join(tmp, "ca", name+".crt"), Data: WriteChainPEM(c), Perm: 0o644})
		if keys[name] == nil {
			continue // kept elsewhere (an imported CA's issuers)
		}
		data, suffix, err := SealKey(keys[name], o.Protection)
		if err != nil {
			return err
		}
		files = append(files, formats.File{Path: filepath.Join(tmp, "ca", name+suffix), Data: data, Perm: 0o600})
	}
	if err := formats.WriteFiles(files, false); err != nil {
		return err
	}
	st, err := CreateStore(StoreLocation(tmp, cfg, ""))
	if err != nil {
		return err
	}
	for name, c := range certs {
		if err := st.Insert(context.Background(), recordOf(c, name, "ca", issuers[name], t)); err != nil {
			st.Close()
			return err
		}
	}
	if err := st.Close(); err != nil {
		return err
	}
	if existing {
		return moveInto(tmp, dir)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%q: %w", dir, ErrCAExists)
		}
		return err
	}
	return nil
}

// initMark names the temporary directories Init builds a CA in.
const initMark = ".pkit-init-"

// removeStaleInit removes what an Init killed while building left inside
// dir: its temporary directories, which nothing else uses.
func removeStaleInit(dir string, ents []fs.DirEntry) {
	for _, e := range ents {
		if e.IsDir() && strings.HasPrefix(e.Name(), initMark) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// moveInto moves the CA built in tmp (inside dir) up into dir, the config
// last: a directory without a config is no CA, so a crash part-way leaves
// nothing pkit would use. If a move fails, the moved entries go back.
func moveInto(tmp, dir string) error {
	ents, err := os.ReadDir(tmp)
	if err != nil {
		return err
	}
	var order []string
	for _, e := range ents {
		if e.Name() != "config" {
			order = append(order, e.Name())
		}
	}
	order = append(order, "config")
	for i, name := range order {
		if err := os.Rename(filepath.Join(tmp, name), filepath.Join(dir, name)); err != nil {
			for _, back := range order[:i] {
				os.Rename(filepath.Join(dir, back), filepath.Join(tmp, back))
			}
			os.RemoveAll(tmp)
			return err
		}
	}
	if err := os.Remove(tmp); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// createCA makes a CA certificate: signed by parent, or self-signed when
// parent is nil. dp are the parent's distribution points, which the new
// certificate carries.
func createCA(o InitOptions, cn string, parent *x509.Certificate, parentKey crypto.Signer, dp URLs, validity time.Duration,
	now time.Time, pathLen *int, twoTier bool) (*x509.Certificate, crypto.Signer, error) {
	key, err := GenerateKey(o.KeyType)
	if err != nil {
		return nil, nil, err
	}
	if parent == nil {
		parentKey = key
	}
	subject := mergeSubject(pkix.Name{Organization: []string{o.Name}}, o.Subject)
	subject.CommonName = cn
	c, err := signCA(o, subject, key.Public(), parent, parentKey, dp, validity, now, pathLen, twoTier)
	return c, key, err
}

// signCA makes the CA certificate of pub with subject, signed by parent
// (self-signed by parentKey when parent is nil); see [createCA].
func signCA(o InitOptions, subject pkix.Name, pub crypto.PublicKey, parent *x509.Certificate, parentKey crypto.Signer, dp URLs, validity time.Duration,
	now time.Time, pathLen *int, twoTier bool) (*x509.Certificate, error) {
	ski, err := SubjectKeyID(pub)
	if err != nil {
		return nil, err
	}
	serial, err := NewSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:                serial,
		Subject:                     subject,
		NotBefore:                   now.Add(-Backdate).UTC().Truncate(time.Second),
		NotAfter:                    now.Add(validity).UTC().Truncate(time.Second),
		KeyUsage:                    x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid:       true,
		IsCA:                        true,
		SubjectKeyId:                ski,
		PermittedDNSDomains:         o.PermittedDNS,
		ExcludedDNSDomains:          o.ExcludedDNS,
		PermittedIPRanges:           o.PermittedIPs,
		ExcludedIPRanges:            o.ExcludedIPs,
		PermittedEmailAddresses:     o.PermittedEmail,
		ExcludedEmailAddresses:      o.ExcludedEmail,
		PermittedDNSDomainsCritical: len(o.PermittedDNS)+len(o.ExcludedDNS)+len(o.PermittedIPs)+len(o.ExcludedIPs)+len(o.PermittedEmail)+len(o.ExcludedEmail) > 0,
	}
	dp.apply(tmpl)
	switch {
	case pathLen != nil:
		tmpl.MaxPathLen = *pathLen
		tmpl.MaxPathLenZero = *pathLen == 0
	case twoTier:
		tmpl.MaxPathLen = 1
	default:
		tmpl.MaxPathLen = -1
	}
	if parent == nil {
		parent = tmpl
	} else if tmpl.NotAfter.After(parent.NotAfter) {
		tmpl.NotAfter = parent.NotAfter
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, fmt.Errorf("signing CA certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}
