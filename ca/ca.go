package ca

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/pkit/pkit/chain"
	"github.com/pkit/pkit/formats"
	"github.com/pkit/pkit/revoke"
)

// Backdate is how far before "now" notBefore is set, so that a certificate
// is valid at once on machines whose clocks run a little behind.
const Backdate = 5 * time.Minute

// ErrNoCA is returned by [Open] when the directory holds no CA.
var ErrNoCA = errors.New("no CA in this directory")

// ErrCAExists is returned by [Init] when the directory already holds a CA
// or other files.
var ErrCAExists = errors.New("the directory already holds a CA or other files")

// Authority is an opened CA directory: its configuration, CA certificates,
// store, and (unlocked on first use) the issuing CA's private key.
type Authority struct {
	// Dir is the CA directory.
	Dir string
	// Config is the parsed config file.
	Config *Config
	// CAs holds every CA certificate in the directory, by name.
	CAs map[string]*x509.Certificate
	// Store is the database of issued certificates.
	Store *Store

	chains map[string][]*x509.Certificate // see Chain

	unlock  Unlocker
	now     func() time.Time
	signers map[string]crypto.Signer

	standingMu sync.Mutex
	standing   map[string]error // see IssuerStanding
}

// OpenOptions configures [Open]. The zero value opens with no way to
// unlock a sealed key and the real clock.
type OpenOptions struct {
	Unlock Unlocker
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// DB, when set, is the PostgreSQL database of the store (a
	// postgres:// URL), in place of the config's "db =" line.
	DB string
}

// Open opens the CA directory dir. It reads the config and the CA
// certificates and opens the store; the CA key is only unlocked when
// something is signed.
func Open(dir string, opts OpenOptions) (*Authority, error) {
	a, err := readCADir(dir)
	if err != nil {
		return nil, err
	}
	if a.Store, err = OpenStore(StoreLocation(dir, a.Config, opts.DB)); err != nil {
		return nil, err
	}
	if opts.Now != nil {
		a.now = opts.Now
	}
	a.unlock = opts.Unlock
	return a, nil
}

// CACertificates returns the CA certificates of the CA directory dir, in
// [Authority.CANames] order (roots first), read and checked as [Open]
// reads them (the config, and a certificate for its issuer) but without
// opening the store: for commands that only need them, such as chain
// build and verify, which then cost no database. Errors are Open's.
func CACertificates(dir string) ([]*x509.Certificate, error) {
	a, err := readCADir(dir)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for _, name := range a.CANames() {
		out = append(out, a.CAs[name])
	}
	return out, nil
}

// readCADir reads what [Open] reads besides the store: the config and the
// CA certificates, with each CA's chain linked.
func readCADir(dir string) (*Authority, error) {
	data, err := os.ReadFile(filepath.Join(dir, "config"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%q: %w", dir, ErrNoCA)
	}
	if err != nil {
		return nil, err
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, err
	}
	cas, err := loadCAs(filepath.Join(dir, "ca"))
	if err != nil {
		return nil, err
	}
	if _, ok := cas[cfg.Issuer]; !ok {
		return nil, &ConfigError{Msg: fmt.Sprintf("issuer %q has no certificate ca/%s.crt", cfg.Issuer, cfg.Issuer)}
	}
	a := &Authority{Dir: dir, Config: cfg, CAs: cas, now: time.Now, signers: map[string]crypto.Signer{}}
	a.linkChains()
	return a, nil
}

// StoreLocation is where the store of the CA directory dir is: the
// database db when set, else the config's db line, else the file
// dir/store.
func StoreLocation(dir string, cfg *Config, db string) string {
	switch {
	case db != "":
		return db
	case cfg != nil && cfg.DB != "":
		return cfg.DB
	}
	return filepath.Join(dir, "store")
}

// Close closes the store.
func (a *Authority) Close() error { return a.Store.Close() }

// Now returns the authority's clock reading.
func (a *Authority) Now() time.Time { return a.now() }

func loadCAs(dir string) (map[string]*x509.Certificate, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading CA certificates: %w", err)
	}
	cas := map[string]*x509.Certificate{}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".crt")
		if !ok {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		certs, err := formats.ParseCertificates(data)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", path, err)
		}
		cas[name] = certs[0]
	}
	return cas, nil
}

// CANames returns the names of the CAs in the directory, roots first.
func (a *Authority) CANames() []string {
	names := make([]string, 0, len(a.CAs))
	for n := range a.CAs {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		di, dj := len(a.Chain(names[i])), len(a.Chain(names[j]))
		if di != dj {
			return di < dj
		}
		return names[i] < names[j]
	})
	return names
}

// Chain returns the CA named name followed by its issuers up to and
// including the root, found by names and key identifiers. The chains
// are worked out once, when the directory is opened.
func (a *Authority) Chain(name string) []*x509.Certificate { return a.chains[name] }

// linkChains works out every CA's chain (see [Authority.Chain]). It runs
// when the set of CAs changes, so issuing never re-checks CA signatures.
func (a *Authority) linkChains() {
	a.chains = make(map[string][]*x509.Certificate, len(a.CAs))
	for name, c := range a.CAs {
		chain := []*x509.Certificate{c}
		for len(chain) < 16 {
			cur := chain[len(chain)-1]
			if isSelfSigned(cur) {
				break
			}
			var next *x509.Certificate
			var found []*x509.Certificate
			for _, p := range a.CAs {
				if p != cur && formats.NamesIssuer(p, cur) {
					found = append(found, p)
				}
			}
			// The CA directory is pkit's own: name and key identifier
			// settle the issuer, and signatures are checked only to choose
			// between look-alikes.
			for _, p := range found {
				if len(found) == 1 || formats.CheckSignature(p, cur) == nil {
					next = p
					break
				}
			}
			if next == nil {
				break
			}
			chain = append(chain, next)
		}
		a.chains[name] = chain
	}
}

// isSelfSigned reports whether c is its own issuer by names and key
// identifiers ([formats.NamesIssuer]); in pkit's own directory that
// settles it without a signature check.
func isSelfSigned(c *x509.Certificate) bool { return formats.NamesIssuer(c, c) }

// Unlock opens the private key of the CA named name, asking for the
// passphrase through the [Unlocker] if needed. Later calls reuse it.
func (a *Authority) Unlock(name string) (crypto.Signer, error) {
	if s := a.signers[name]; s != nil {
		return s, nil
	}
	base := filepath.Join(a.Dir, "ca", name)
	data, err := os.ReadFile(base + ".key.age")
	sealed := true
	if errors.Is(err, fs.ErrNotExist) {
		data, err = os.ReadFile(base + ".key")
		sealed = false
	}
	if err != nil {
		return nil, keyOffline(name, err)
	}
	s, err := OpenKey(data, sealed, a.unlock)
	if err != nil {
		return nil, err
	}
	if !formats.PublicKeysEqual(s.Public(), a.CAs[name].PublicKey) {
		return nil, fmt.Errorf("the key of CA %q does not match its certificate", name)
	}
	a.signers[name] = s
	return s, nil
}

// NewSerial returns a random positive 128-bit serial number.
func NewSerial() (*big.Int, error) {
	b := make([]byte, 16)
	for {
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		n := new(big.Int).SetBytes(b)
		if n.Sign() > 0 {
			return n, nil
		}
	}
}

// SubjectKeyID computes a key identifier per RFC 7093 section 2 method 1:
// the leftmost 160 bits of the SHA-256 of the subjectPublicKey bits.
func SubjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20], nil
}

// Request asks for a leaf certificate.
type Request struct {
	// Profile names the profile in the config ("server", "client", …).
	Profile string
	// Name is the certificate's common name and the name it is stored under.
	Name string
	// Subject holds the subject fields beside the CN (O, OU, C, …; its
	// CommonName is ignored), as [ParseSubject] reads them. The profile
	// may forbid some ([Profile.AllowedSubject]) and fills the fields not
	// given from its defaults ([Profile.Subject]).
	Subject pkix.Name
	DNS     []string
	IPs     []net.IP
	Emails  []string
	URIs    []*url.URL
	// Validity overrides the profile's validity when non-zero. Less than
	// [MinLifetime] is refused unless AllowShort is set.
	Validity time.Duration
	// AllowShort lets Validity be shorter than [MinLifetime] (tests of
	// expiry handling, say).
	AllowShort bool
	// PublicKey is the subject's key (from a CSR or --key); nil means a new
	// key of KeyType (or the profile's key type) is generated.
	PublicKey crypto.PublicKey
	KeyType   KeyType
}

// Issued is the result of [Authority.Issue].
type Issued struct {
	Cert *x509.Certificate
	// Key is the generated private key, or nil when the request carried a
	// public key.
	Key crypto.Signer
	// Chain is the issuing CA followed by its issuers, excluding the root.
	Chain []*x509.Certificate
	// Root is the self-signed root at the top of the chain.
	Root *x509.Certificate
	// Files are the files [Authority.IssueTo] wrote for it, as recorded
	// (not those it was issued with unwritten, [Outputs.Keep]).
	Files []StoredFile
}

// RequestError is a request that breaks the profile, the CA's name
// constraints or its validity, or that the CA must not sign (a weak or
// compromised key, a revoked issuing CA). Nothing was signed.
type RequestError struct {
	Msg string
	// Hint, when set, says what request would be accepted.
	Hint string
	// Err, when set, is one of the Err* values below that says which rule
	// refused the request, for callers that branch on it with errors.Is.
	Err error
}

func (e *RequestError) Error() string { return e.Msg }

// Unwrap returns e.Err.
func (e *RequestError) Unwrap() error { return e.Err }

// The rules a [RequestError] may name in its Err field.
var (
	// ErrBadName: the certificate's name or a SAN has characters no
	// certificate name (or file name made from it) should have.
	ErrBadName = errors.New("invalid name")
	// ErrWeakKey: the public key is of a kind or size pkit does not
	// certify (RSA below [MinRSABits], DSA, unknown curves).
	ErrWeakKey = errors.New("weak or unsupported key")
	// ErrCompromisedKey: the store holds a certificate for the same public
	// key that was revoked for keyCompromise (or cACompromise).
	ErrCompromisedKey = errors.New("compromised key")
	// ErrIssuerRevoked: the issuing CA, or a CA above it, is revoked in
	// the store.
	ErrIssuerRevoked = errors.New("issuing CA revoked")
	// ErrNameConstraints: a name of the request (a SAN, or a common name
	// that looks like a host name or email address) is outside the name
	// constraints of the issuing CA or a CA above it.
	ErrNameConstraints = errors.New("outside the CA's name constraints")
	// ErrCAKey: the request's public key is the key of a CA in the
	// directory.
	ErrCAKey = errors.New("the key of a CA")
	// ErrSubjectField: the request sets a subject field its profile does
	// not allow ([Profile.AllowedSubject]).
	ErrSubjectField = errors.New("subject field not allowed")
)

func reqErr(format string, args ...any) error {
	return &RequestError{Msg: fmt.Sprintf(format, args...)}
}

// maxCommonName is RFC 5280's upper bound on a common name, in characters.
const maxCommonName = 64

// subjectFor is the subject of a certificate or request for r under
// profile p (nil for a CSR made for another CA): r's subject fields, the
// fields p gives by default for those r does not set, and r's name as the
// common name, or, for a name longer than a common name may be, no
// common name (the name lives in the SANs, which must then hold one).
// Fields r sets that p does not allow are refused.
func subjectFor(r *Request, p *Profile) (pkix.Name, error) {
	if err := CheckSubject(r.Subject); err != nil {
		return pkix.Name{}, &RequestError{Msg: "subject: " + err.Error(), Err: ErrBadName}
	}
	subject := mergeSubject(pkix.Name{}, r.Subject)
	if p != nil {
		for _, k := range subjectKeysOf(r.Subject) {
			if !p.allowsSubject(k) {
				return pkix.Name{}, &RequestError{Err: ErrSubjectField,
					Msg:  fmt.Sprintf("profile %q does not allow %s in the subject (it allows: %s)", p.Name, k, p.allowedSubjectText()),
					Hint: fmt.Sprintf("leave %s out of the subject, or use a profile whose allowed-subject lists it", k)}
			}
		}
		subject = mergeSubject(p.Subject, r.Subject)
	}
	n := utf8.RuneCountInString(r.Name)
	if n <= maxCommonName {
		subject.CommonName = r.Name
		return subject, nil
	}
	if len(r.DNS)+len(r.IPs)+len(r.Emails)+len(r.URIs) == 0 {
		return pkix.Name{}, &RequestError{
			Msg:  fmt.Sprintf("the name has %d characters; a common name holds at most %d (RFC 5280)", n, maxCommonName),
			Hint: "use a shorter name, or give the long one as a subject alternative name (--dns, --email, --uri): it then goes there only",
			Err:  ErrBadName,
		}
	}
	return subject, nil
}

// Check validates r against its profile, the issuing CA's validity and
// every CA's name constraints, without signing anything. It returns the
// profile and the notBefore/notAfter the certificate would get.
func (a *Authority) Check(r *Request) (*Profile, time.Time, time.Time, error) {
	p := a.Config.Profiles[r.Profile]
	if p == nil {
		names := make([]string, 0, len(a.Config.Profiles))
		for n := range a.Config.Profiles {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, time.Time{}, time.Time{}, reqErr("unknown profile %q (this CA has: %s)", r.Profile, strings.Join(names, ", "))
	}
	if strings.TrimSpace(r.Name) == "" {
		return nil, time.Time{}, time.Time{}, &RequestError{Msg: "the certificate needs a name", Err: ErrBadName}
	}
	if err := CheckName(r.Name); err != nil {
		return nil, time.Time{}, time.Time{}, &RequestError{Msg: err.Error(), Err: ErrBadName}
	}
	kinds := map[string]int{"dns": len(r.DNS), "ip": len(r.IPs), "email": len(r.Emails), "uri": len(r.URIs)}
	total := 0
	for _, k := range sanTypes {
		if kinds[k] > 0 && !p.allows(k) {
			return nil, time.Time{}, time.Time{}, reqErr("profile %q does not allow %s names (it allows: %s)", p.Name, k, strings.Join(p.SANTypes, ", "))
		}
		total += kinds[k]
	}
	if p.RequireSAN && total == 0 {
		return nil, time.Time{}, time.Time{}, reqErr("profile %q needs at least one subject alternative name", p.Name)
	}
	subject, err := subjectFor(r, p)
	if err != nil {
		return nil, time.Time{}, time.Time{}, err
	}
	// A common name that looks like a host name or an email address is
	// held to the profile's SAN rules like a SAN: relying parties that
	// authorise by common name take it as one.
	if subject.CommonName != "" {
		for _, k := range []struct {
			kind string
			like func(string) bool
			what string
		}{{"dns", chain.HostLike, "a host name"}, {"email", chain.EmailLike, "an email address"}} {
			if k.like(subject.CommonName) && !p.allows(k.kind) {
				return nil, time.Time{}, time.Time{}, &RequestError{
					Msg:  fmt.Sprintf("the name %q looks like %s, and profile %q does not allow %s names (it allows: %s)", subject.CommonName, k.what, p.Name, k.kind, strings.Join(p.SANTypes, ", ")),
					Hint: "choose a name that is not one, or a profile that allows such names"}
			}
		}
	}
	for _, d := range r.DNS {
		if err := CheckDNSName(d); err != nil {
			return nil, time.Time{}, time.Time{}, &RequestError{Msg: err.Error(), Err: ErrBadName}
		}
	}
	for _, e := range r.Emails {
		if err := CheckEmail(e); err != nil {
			return nil, time.Time{}, time.Time{}, &RequestError{Msg: err.Error(), Err: ErrBadName}
		}
	}
	for _, u := range r.URIs {
		if s := u.String(); CheckName(s) != nil {
			return nil, time.Time{}, time.Time{}, &RequestError{Msg: fmt.Sprintf("URI %q has characters a URI cannot have", s), Err: ErrBadName}
		}
	}
	if r.PublicKey != nil {
		if err := CheckPublicKey(r.PublicKey); err != nil {
			return nil, time.Time{}, time.Time{}, err
		}
		for _, n := range a.CANames() {
			if formats.PublicKeysEqual(r.PublicKey, a.CAs[n].PublicKey) {
				return nil, time.Time{}, time.Time{}, &RequestError{Err: ErrCAKey,
					Msg:  fmt.Sprintf("the public key is the key of CA %q; pkit does not certify a CA's key for another use", n),
					Hint: "make a new key for the certificate (issue without --key, or ask for a CSR made with a new key)"}
			}
		}
	}
	validity := r.Validity
	if validity == 0 {
		validity = p.Validity
	}
	if err := CheckLifetime("validity", validity, r.AllowShort); err != nil {
		return nil, time.Time{}, time.Time{}, &RequestError{Msg: err.Error(),
			Hint: "ask for 1m or more (issue, sign and renew take --allow-short to sign it anyway)"}
	}
	now := a.now()
	notBefore, notAfter := validityPeriod(p, now, validity)
	chain := a.Chain(a.Config.Issuer)
	iss := chain[0]
	if notAfter.After(iss.NotAfter) {
		return nil, time.Time{}, time.Time{}, &RequestError{
			Msg: fmt.Sprintf("validity of %s ends %s, after the issuing CA %q expires (%s)",
				FormatDuration(validity), notAfter.Format("2006-01-02"), a.Config.Issuer, iss.NotAfter.UTC().Format("2006-01-02")),
			Hint: fmt.Sprintf("ask for at most %dd with --validity, or renew the CA", int(iss.NotAfter.Sub(now)/(24*time.Hour))),
		}
	}
	if now.Before(iss.NotBefore) || now.After(iss.NotAfter) {
		return nil, time.Time{}, time.Time{}, reqErr("the issuing CA %q is not valid now (valid %s to %s)", a.Config.Issuer,
			iss.NotBefore.UTC().Format(time.RFC3339), iss.NotAfter.UTC().Format(time.RFC3339))
	}
	if err := checkNameConstraints(chain, subject, r); err != nil {
		return nil, time.Time{}, time.Time{}, err
	}
	return p, notBefore, notAfter, nil
}

// checkNameConstraints refuses a request whose names the name
// constraints of a CA in chain (the issuing CA and those above it) forbid,
// with chain's matcher, the one "pkit chain verify" uses. Every common
// name that looks like a host name or an email address is checked, SANs
// or not ([chain.CNAlways]).
func checkNameConstraints(cas []*x509.Certificate, subject pkix.Name, r *Request) error {
	der, err := subjectDER(subject)
	if err != nil {
		return err
	}
	n := chain.Names{Subject: der, DNS: r.DNS, Emails: r.Emails, URIs: r.URIs, CN: chain.CNAlways}
	for _, ip := range r.IPs {
		// As the certificate will hold it: IPv4 in 4 bytes.
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		n.IPs = append(n.IPs, ip)
	}
	err = chain.CheckNames(cas, n)
	var ce *chain.ConstraintError
	if errors.As(err, &ce) {
		var vs []string
		for _, v := range ce.Violations {
			vs = append(vs, v.String())
		}
		hint := "ask only for names the CA may issue for (see them with \"pkit ca show NAME\")"
		if net.ParseIP(subject.CommonName) != nil && len(r.DNS) == 0 {
			hint = "OpenSSL checks a common name that is an IP address as a DNS name when there is no DNS SAN: add a DNS name the CA may issue for (--dns), or name the certificate by one"
		}
		return &RequestError{Err: ErrNameConstraints,
			Msg:  fmt.Sprintf("%s (name constraints of CA %q)", strings.Join(vs, "; "), ce.CA.Subject.CommonName),
			Hint: hint}
	}
	if err != nil {
		return &RequestError{Err: ErrNameConstraints, Msg: err.Error()}
	}
	return nil
}

// MaxTLSServerSpan is the longest span from notBefore to notAfter Apple
// accepts for a TLS server certificate, private roots included
// (https://support.apple.com/103769).
const MaxTLSServerSpan = 825 * 24 * time.Hour

// validityPeriod returns the notBefore and notAfter of a certificate of
// profile p asked for at now with the given validity. As step-ca does,
// the validity counts from now, and notBefore is backdated by [Backdate]
// for clocks that run behind: "--validity 1h" is valid for an hour from
// now, not 55 minutes. For a TLS server certificate whose validity is
// within Apple's limit, the backdate must not push the span past
// [MaxTLSServerSpan], so notAfter is pulled in to notBefore + 825 days
// (the default server validity is exactly 825 days). A longer validity
// asked for on purpose is given as asked.
func validityPeriod(p *Profile, now time.Time, validity time.Duration) (notBefore, notAfter time.Time) {
	notBefore = now.Add(-Backdate).UTC().Truncate(time.Second)
	notAfter = now.Add(validity).UTC().Truncate(time.Second)
	if p.tlsServer() && validity <= MaxTLSServerSpan && notAfter.Sub(notBefore) > MaxTLSServerSpan {
		notAfter = notBefore.Add(MaxTLSServerSpan)
	}
	return notBefore, notAfter
}

// Issue checks r (see [Authority.Check]), signs a certificate with the
// issuing CA and records it in the store. The CA key is unlocked on first
// use. Nothing is signed when the request is refused. Beyond Check, it
// reads the store: it refuses to issue when the issuing CA or a CA above
// it is revoked ([ErrIssuerRevoked], read once per Authority and issuing
// CA, so a batch pays one query), and to certify a public key that a
// certificate revoked for keyCompromise had ([ErrCompromisedKey]). It
// writes no files: [Authority.IssueTo] issues and writes the planned
// files as one unit.
func (a *Authority) Issue(ctx context.Context, r *Request) (*Issued, error) {
	return a.issue(ctx, r, nil)
}

// issue is [Authority.Issue]; stage, when not nil, is called with the
// signed certificate (and the key and chain) and its record before the
// record is made (it may add the files to it), and an error from it
// leaves the certificate unrecorded.
func (a *Authority) issue(ctx context.Context, r *Request, stage func(*Issued, *Record) error) (*Issued, error) {
	p, notBefore, notAfter, err := a.Check(r)
	if err != nil {
		return nil, err
	}
	if err := a.IssuerStanding(ctx); err != nil {
		return nil, err
	}
	if r.PublicKey != nil {
		rec, err := a.Store.CompromisedKey(ctx, r.PublicKey, a.CANames()...)
		if err != nil {
			return nil, err
		}
		if rec != nil {
			return nil, &RequestError{Err: ErrCompromisedKey,
				Msg: fmt.Sprintf("the key was revoked for %s with certificate %q (serial %s) on %s; pkit will not certify it again",
					revoke.Reason(rec.Reason), rec.Name, SerialHex(rec.Serial), rec.RevokedAt.Format("2006-01-02")),
				Hint: "make a new key (renew without --reuse-key, issue without --key, or ask for a new CSR)"}
		}
	}
	signer, err := a.Unlock(a.Config.Issuer)
	if err != nil {
		return nil, err
	}
	var key crypto.Signer
	pub := r.PublicKey
	if pub == nil {
		kt := r.KeyType
		if kt == "" {
			kt = p.KeyType
		}
		if key, err = GenerateKey(kt); err != nil {
			return nil, err
		}
		pub = key.Public()
	}
	ski, err := SubjectKeyID(pub)
	if err != nil {
		return nil, err
	}
	ku := p.KeyUsage
	if _, isRSA := pub.(*rsa.PublicKey); isRSA {
		for _, e := range p.ExtKeyUsage {
			if e == x509.ExtKeyUsageServerAuth {
				ku |= x509.KeyUsageKeyEncipherment // TLS 1.2 RSA key exchange
			}
		}
	}
	subject, err := subjectFor(r, p)
	if err != nil {
		return nil, err
	}
	rawSubject, err := subjectDER(subject)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		RawSubject:            rawSubject,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              ku,
		ExtKeyUsage:           p.ExtKeyUsage,
		BasicConstraintsValid: true,
		SubjectKeyId:          ski,
		DNSNames:              r.DNS,
		IPAddresses:           r.IPs,
		EmailAddresses:        r.Emails,
		URIs:                  r.URIs,
	}
	a.Config.URLs(a.Config.Issuer).apply(tmpl)
	chain := a.Chain(a.Config.Issuer)
	out := &Issued{Key: key, Root: chain[len(chain)-1]}
	if len(chain) > 1 {
		out.Chain = chain[:len(chain)-1]
	}
	var beforeRecord func(*x509.Certificate, *Record) error
	if stage != nil {
		beforeRecord = func(c *x509.Certificate, rec *Record) error {
			out.Cert = c
			return stage(out, rec)
		}
	}
	cert, err := a.sign(ctx, tmpl, pub, chain[0], signer, a.Config.Issuer, p.Name, r.Name, beforeRecord)
	if err != nil {
		return nil, err
	}
	out.Cert = cert
	return out, nil
}

// IssuerStanding refuses issuance when the store records the issuing CA,
// or one of the CAs above it, as revoked (see [Authority.caStanding]).
// Issue checks it; a batch asks once up front.
func (a *Authority) IssuerStanding(ctx context.Context) error {
	return a.caStanding(ctx, a.Config.Issuer, "the issuing CA")
}

// caStanding refuses signing with the CA called name when the store
// records it, or one of the CAs above it, as revoked: what it signs would
// be rejected by every relying party that reads the CRL. role says what
// the CA is for in messages ("the issuing CA", "the parent CA"). The answer
// is read with one query and kept for the Authority's lifetime (per CA),
// so a batch of many certificates checks once; a revocation made while an
// Authority is open is seen by the next one opened.
func (a *Authority) caStanding(ctx context.Context, name, role string) error {
	a.standingMu.Lock()
	defer a.standingMu.Unlock()
	if err, ok := a.standing[name]; ok {
		return err
	}
	chain := a.Chain(name)
	serials := make([]*big.Int, len(chain))
	for i, c := range chain {
		serials[i] = c.SerialNumber
	}
	recs, err := a.Store.RevokedAmong(ctx, serials)
	if err != nil {
		return err // not kept: the next issuance tries again
	}
	for _, c := range chain {
		for _, rec := range recs {
			if rec.Serial.Cmp(c.SerialNumber) != 0 || string(rec.DER) != string(c.Raw) {
				continue
			}
			what := fmt.Sprintf("%s %q", role, name)
			if c != chain[0] {
				what = fmt.Sprintf("CA %q, above %s %q,", rec.Name, role, name)
			}
			err = &RequestError{Err: ErrIssuerRevoked,
				Msg: fmt.Sprintf("%s was revoked on %s (%s); pkit will not sign with it",
					what, rec.RevokedAt.Format("2006-01-02"), revoke.Reason(rec.Reason)),
				Hint: `make a new issuing CA with "pkit ca intermediate NEW --make-issuer"`}
			break
		}
		if err != nil {
			break
		}
	}
	if a.standing == nil {
		a.standing = map[string]error{}
	}
	a.standing[name] = err
	return err
}

// sign creates the certificate with a fresh serial, verifies it against
// its chain (see [Authority.verifySigned]) and records it; it retries
// with a new serial if the serial is already taken.
//
// beforeRecord, when not nil, runs just before the record is made
// (issuance stages the certificate's files there and adds them to the
// record); its error is returned as is.
func (a *Authority) sign(ctx context.Context, tmpl *x509.Certificate, pub crypto.PublicKey, parent *x509.Certificate,
	signer crypto.Signer, issuerName, profile, name string, beforeRecord func(*x509.Certificate, *Record) error) (*x509.Certificate, error) {
	for range 3 {
		serial, err := NewSerial()
		if err != nil {
			return nil, err
		}
		tmpl.SerialNumber = serial
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
		if err != nil {
			return nil, fmt.Errorf("signing: %w", err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		if err := a.verifySigned(cert, issuerName, profile); err != nil {
			return nil, err
		}
		rec := recordOf(cert, name, profile, issuerName, a.now())
		if beforeRecord != nil {
			if err := beforeRecord(cert, rec); err != nil {
				return nil, err
			}
		}
		err = a.Store.Insert(ctx, rec)
		if errors.Is(err, ErrDuplicateSerial) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return cert, nil
	}
	return nil, ErrDuplicateSerial
}

// signedAt is the moment a certificate just signed is checked at: now,
// or its notAfter when a very short validity (--allow-short) ran out
// within the last minute, on a slow machine, between signing and
// checking. The check is of what was signed, when it was signed.
func (a *Authority) signedAt(cert *x509.Certificate) time.Time {
	now := a.now()
	if now.After(cert.NotAfter) && now.Sub(cert.NotAfter) < time.Minute && !cert.NotAfter.Before(cert.NotBefore) {
		return cert.NotAfter
	}
	return now
}

// ErrSelfCheck is wrapped by the error of a certificate pkit signed that
// its own validator refuses: a bug in pkit (or a CA directory whose CA
// certificates were changed by hand). Nothing is recorded or written.
var ErrSelfCheck = errors.New("internal error: pkit signed a certificate its own chain check refuses")

// verifySigned checks cert, just signed by the CA issuerName, with
// [chain.Verify], the validator of "pkit chain verify": against the
// directory's chain of that CA, at the CA's clock, for the purposes of the
// profile. Whatever it finds makes the certificate unusable, so it is
// never recorded: issuance cannot produce what chain verify rejects.
func (a *Authority) verifySigned(cert *x509.Certificate, issuerName, profile string) error {
	cas := a.Chain(issuerName)
	if len(cas) == 0 {
		return fmt.Errorf("%w: no chain for CA %q", ErrSelfCheck, issuerName)
	}
	root := cas[len(cas)-1]
	purposes := []chain.Purpose{chain.PurposeAny}
	if p := a.Config.Profiles[profile]; p != nil && len(p.ExtKeyUsage) > 0 {
		purposes = purposes[:0]
		for _, e := range p.ExtKeyUsage {
			switch e {
			case x509.ExtKeyUsageServerAuth:
				purposes = append(purposes, chain.PurposeServer)
			case x509.ExtKeyUsageClientAuth:
				purposes = append(purposes, chain.PurposeClient)
			}
		}
		if len(purposes) == 0 {
			purposes = append(purposes, chain.PurposeAny)
		}
	}
	for _, purpose := range purposes {
		res, err := chain.Verify(cert, chain.VerifyOptions{Roots: []*x509.Certificate{root},
			Intermediates: cas[:len(cas)-1], At: a.signedAt(cert), Purpose: purpose})
		if err != nil {
			return fmt.Errorf("%w: %v", ErrSelfCheck, err)
		}
		if !res.Valid() {
			var ps []string
			for _, p := range res.Problems {
				if !p.Warning {
					ps = append(ps, p.Detail)
				}
			}
			return fmt.Errorf("%w (%s use): %s; nothing was recorded or written", ErrSelfCheck, purpose, strings.Join(ps, "; "))
		}
	}
	return nil
}

func recordOf(c *x509.Certificate, name, profile, issuer string, now time.Time) *Record {
	return &Record{Serial: c.SerialNumber, Name: name, Profile: profile, Issuer: issuer,
		Subject: SubjectString(c.RawSubject, c.Subject), SANs: formats.SANStrings(c), NotBefore: c.NotBefore, NotAfter: c.NotAfter,
		IssuedAt: now, Status: StatusValid, DER: c.Raw}
}

// WriteChainPEM returns the PEM encoding of certs, in order.
func WriteChainPEM(certs ...*x509.Certificate) []byte {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}
