package main

import (
	"bufio"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/chain"
	"github.com/pkit/pkit/formats"
	"github.com/pkit/pkit/revoke"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

func inspectCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "show what a certificate, key, CSR, CRL, PKCS#7 or PKCS#12 file holds",
		UsageText: "pkit inspect FILE [--json] [--password-file FILE]",
		Description: `Reads FILE (or - for stdin) whatever it is, detected by content: PEM with
   any mix of blocks, DER, PKCS#7 (.p7b/.p7c) or PKCS#12 (.p12/.pfx), and
   prints each item in order. Private keys are described, never printed.

   A PKCS#12 file or an encrypted key needs its password: from
   --password-file, PKIT_PASSWORD, or the terminal. An encrypted key is
   still described (its encryption) when no password is available.

   --json prints one object with the schema documented in
   docs/inspect-json.md ("schema": "pkit.inspect/v1"); fields are only ever
   added, never renamed or removed, within v1.

EXIT CODES
   0 the file was read, 1 it could not be (one "pkit: error:" line says why),
   2 usage error.

EXAMPLES
   pkit inspect server.pem
   pkit inspect chain.pem --json | jq -r '.items[].certificate.subject'
   PKIT_PASSWORD=secret pkit inspect alice.p12
   openssl s_client -connect example.com:443 -showcerts </dev/null | pkit inspect -`,
		Flags: []cli.Flag{
			jsonFlag(),
			passwordFileFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("inspect takes one FILE, got %d", c.NArg()).hint("e.g. pkit inspect server.pem")
			}
			path := c.Args().First()
			data, pw, err := e.readInputFile(c, path)
			if err != nil {
				return err
			}
			return e.inspect(path, data, pw, e.passwordGiven(c), c.Bool("json"))
		},
	}
}

// inspect describes every item of data as it is parsed (formats.ParseEach),
// printing each before reading the next, so a bundle of 70,000
// certificates needs memory for one at a time (docs/inspect-json.md).
// Blocks that cannot be read are left out with a "pkit: note:" line.
func (e *env) inspect(path string, data []byte, pw func() ([]byte, error), pwFirst, asJSON bool) error {
	now := time.Now()
	out := bufio.NewWriterSize(e.stdout, 64<<10)
	started := false
	enc := ""
	var notes []*formats.ParseError
	err := formats.ParseEach(data, formats.ParseOptions{Password: pw, PasswordFirst: pwFirst, Partial: true, ParseCRL: revoke.ParseCRL, Skipped: func(pe *formats.ParseError) { notes = append(notes, pe) }},
		func(it formats.Item, index, total int) error {
			for _, n := range notes {
				notef(e.stderr, "%q: %v (left out)", path, n)
			}
			notes = notes[:0]
			j := describeItem(index, it, now)
			if !started {
				started = true
				enc = strings.ToLower(it.Encoding.String())
				if asJSON {
					fmt.Fprintf(out, "{\n  \"schema\": \"pkit.inspect/v1\",\n  \"file\": %s,\n  \"encoding\": %q,\n  \"items\": [\n", jsonString(path), enc)
				}
			} else if asJSON {
				out.WriteString(",\n")
			}
			if asJSON {
				b, err := json.MarshalIndent(j, "    ", "  ")
				if err != nil {
					return err
				}
				out.WriteString("    ")
				out.Write(b)
				return nil
			}
			if index > 1 {
				fmt.Fprintln(out)
			}
			printItem(out, j, enc, total)
			return nil
		})
	for _, n := range notes {
		notef(e.stderr, "%q: %v (left out)", path, n)
	}
	if err != nil {
		out.Flush()
		return explainParse(path, err)
	}
	if !started {
		return failf("%q holds nothing pkit can read", path)
	}
	if asJSON {
		out.WriteString("\n  ]\n}\n")
	}
	return out.Flush()
}

// jsonString is s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// passwordFileFlag is where the password of an input file comes from.
func passwordFileFlag() cli.Flag {
	return &cli.StringFlag{Name: "password-file", Usage: "read the password of an encrypted input (PKCS#12, encrypted key) from `FILE`; or set PKIT_PASSWORD"}
}

var inputPassword = secretSource{fileFlag: "password-file", envVar: "PKIT_PASSWORD", what: "password"}

// passwordFunc returns the password source for formats.Parse: the file
// flag, PKIT_PASSWORD or the terminal, asked only when something is
// encrypted. With none of them it says formats.ErrPasswordRequired.
func (e *env) passwordFunc(c *cli.Context, what string) func() ([]byte, error) {
	return func() ([]byte, error) {
		e.useAllCores() // a .p12's or an encrypted key's key derivations follow
		if c.String(inputPassword.fileFlag) == "" && e.getenv(inputPassword.envVar) == "" && !haveTerminal() {
			return nil, formats.ErrPasswordRequired
		}
		s := inputPassword
		s.what = "password for " + what
		return e.readSecret(c, s)
	}
}

// passwordGiven reports whether the input password comes without asking
// (--password-file or PKIT_PASSWORD), so that a .p12 is tried with it
// before the empty password (formats.ParseOptions.PasswordFirst).
func (e *env) passwordGiven(c *cli.Context) bool {
	return c.String(inputPassword.fileFlag) != "" || e.getenv(inputPassword.envVar) != ""
}

// readPrivateKey reads the private key a --key FLAG names. An encrypted
// key is opened with --password-file, PKIT_PASSWORD or the terminal, as
// inputs everywhere are.
func (e *env) readPrivateKey(c *cli.Context, flag, path string) (crypto.Signer, error) {
	data, err := e.readInput(path, 1<<20)
	if err != nil {
		var ue *userError
		if errors.As(err, &ue) {
			return nil, ue
		}
		return nil, failf("reading --%s: %v", flag, formats.SystemReason(err))
	}
	k, err := formats.ParsePrivateKey(data, e.passwordFunc(c, strconv.Quote(path)))
	switch {
	case errors.Is(err, formats.ErrPasswordRequired):
		return nil, failf("--%s %q is an encrypted private key and no password was given", flag, path).
			hint("pass --password-file FILE or set PKIT_PASSWORD")
	case errors.Is(err, formats.ErrWrongPassword):
		return nil, failf("--%s %q: wrong password", flag, path).hint("check the password in --password-file or PKIT_PASSWORD")
	case err != nil:
		return nil, failf("--%s %q: %v", flag, path, err)
	}
	return k, nil
}

func haveTerminal() bool {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer tty.Close()
	return term.IsTerminal(int(tty.Fd()))
}

// readItems reads and parses one input file, turning parse errors into
// one clear line. Encrypted keys are opened only when wantKeys is set (a
// PKCS#12 file always needs its password: formats.ParseOptions.
// PasswordForPKCS12, decided in the one pass that reads the file).
func (e *env) readItems(c *cli.Context, path string, wantKeys bool) ([]formats.Item, error) {
	data, pw, err := e.readInputFile(c, path)
	if err != nil {
		return nil, err
	}
	items, err := formats.Parse(data, formats.ParseOptions{Password: pw, ParseCRL: revoke.ParseCRL, PasswordForPKCS12: !wantKeys,
		PasswordFirst: e.passwordGiven(c)})
	if err != nil {
		return nil, explainParse(path, err)
	}
	return items, nil
}

// readInputFile reads one input file (or - for stdin) and returns the
// password source for parsing it.
func (e *env) readInputFile(c *cli.Context, path string) ([]byte, func() ([]byte, error), error) {
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() > formats.MaxInputSize && path != "-" {
		return nil, nil, tooLarge(path)
	}
	data, err := e.readInput(path, formats.MaxInputSize)
	if err != nil {
		var ue *userError
		if errors.As(err, &ue) {
			return nil, nil, err
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, failf("%q does not exist", path)
		}
		if strings.Contains(err.Error(), "larger than") {
			return nil, nil, tooLarge(path)
		}
		return nil, nil, failf("reading %q: %v", path, err)
	}
	name := path
	if path == "-" {
		name = "standard input"
	}
	return data, e.passwordFunc(c, fmt.Sprintf("%q", name)), nil
}

func tooLarge(path string) error {
	return failf("%q is larger than %d MiB; it is not a certificate, key or bundle pkit reads", path, formats.MaxInputSize>>20)
}

// explainParse turns a *formats.ParseError into a message and a hint.
func explainParse(path string, err error) error {
	var ue *userError
	if errors.As(err, &ue) {
		return ue
	}
	ue = failf("%q: %v", path, err)
	var pe *formats.ParseError
	switch {
	case errors.Is(err, formats.ErrWrongPassword):
		ue.hint("check the password in --password-file or PKIT_PASSWORD")
	case errors.Is(err, formats.ErrPasswordRequired):
		ue = failf("%q is password-protected", path).hint("pass --password-file FILE or set PKIT_PASSWORD, or run on a terminal to be asked")
	case errors.As(err, &pe) && pe.Err == formats.ErrEmpty:
		ue = failf("%q is empty", path)
	case errors.Is(err, formats.ErrUnknownFormat):
		ue.hint("pkit reads PEM, DER, PKCS#7 (.p7b) and PKCS#12 (.p12/.pfx) certificates, keys, CSRs and CRLs")
	case errors.Is(err, formats.ErrTrailingData):
		ue.hint("the file has bytes after the end of its DER structure; is it two files joined together?")
	case errors.Is(err, formats.ErrUnsafeIntegrity):
		ue.hint("anyone could have made or changed this file; ask its sender for one made with standard settings")
	case errors.Is(err, formats.ErrTooMuchWork):
		ue.hint("the file asks for far more password hashing than any tool writes; a hostile or broken file")
	case errors.Is(err, formats.ErrCorrupt):
		ue.hint("the file is damaged or truncated; get a fresh copy")
	}
	return ue
}

// inspectReport is the --json output of "pkit inspect"; its schema is
// documented in docs/inspect-json.md.
type inspectReport struct {
	Schema   string     `json:"schema"`
	File     string     `json:"file"`
	Encoding string     `json:"encoding"`
	Items    []inspItem `json:"items"`
}

type inspItem struct {
	Index       int          `json:"index"`
	Type        string       `json:"type"`
	PEMType     string       `json:"pem_type,omitempty"`
	Certificate *inspCert    `json:"certificate,omitempty"`
	CSR         *inspCSR     `json:"csr,omitempty"`
	CRL         *inspCRL     `json:"crl,omitempty"`
	PrivateKey  *inspPrivKey `json:"private_key,omitempty"`
	PublicKey   *inspPubKey  `json:"public_key,omitempty"`
	PKCS7       *inspPKCS7   `json:"pkcs7,omitempty"`
	PKCS12      *inspPKCS12  `json:"pkcs12,omitempty"`
	// Unsupported says why pkit cannot use a legal certificate it shows
	// only partly (explicit curve parameters, a name attribute that is not
	// a string); its extensions are then not shown.
	Unsupported string `json:"unsupported,omitempty"`
}

type inspPubKey struct {
	Algorithm         string `json:"algorithm"`
	Bits              int    `json:"bits"`
	Description       string `json:"description"`
	FingerprintSHA256 string `json:"fingerprint_sha256"`
}

type inspCert struct {
	Subject               string                `json:"subject"`
	Issuer                string                `json:"issuer"`
	Serial                string                `json:"serial"`
	NotBefore             time.Time             `json:"not_before"`
	NotAfter              time.Time             `json:"not_after"`
	ExpiresInDays         int                   `json:"expires_in_days"`
	Expired               bool                  `json:"expired"`
	NotYetValid           bool                  `json:"not_yet_valid"`
	SelfSigned            bool                  `json:"self_signed"`
	SANs                  []string              `json:"sans"`
	PublicKey             inspPubKey            `json:"public_key"`
	SignatureAlgorithm    string                `json:"signature_algorithm"`
	KeyUsage              []string              `json:"key_usage"`
	ExtKeyUsage           []string              `json:"ext_key_usage"`
	BasicConstraints      *inspBasicConstraints `json:"basic_constraints"`
	NameConstraints       *inspNameConstraints  `json:"name_constraints"`
	SubjectKeyID          string                `json:"subject_key_id"`
	AuthorityKeyID        string                `json:"authority_key_id"`
	CRLDistributionPoints []string              `json:"crl_distribution_points"`
	OCSPServers           []string              `json:"ocsp_servers"`
	IssuingCertificateURL []string              `json:"issuing_certificate_urls"`
	FingerprintSHA256     string                `json:"fingerprint_sha256"`
}

type inspBasicConstraints struct {
	CA         bool `json:"ca"`
	PathLen    *int `json:"path_len"`
	Critical   bool `json:"critical"`
	MaxPathLen int  `json:"-"`
}

type inspNameConstraints struct {
	Critical       bool     `json:"critical"`
	PermittedDNS   []string `json:"permitted_dns"`
	ExcludedDNS    []string `json:"excluded_dns"`
	PermittedIP    []string `json:"permitted_ip"`
	ExcludedIP     []string `json:"excluded_ip"`
	PermittedEmail []string `json:"permitted_email"`
	ExcludedEmail  []string `json:"excluded_email"`
	PermittedURI   []string `json:"permitted_uri"`
	ExcludedURI    []string `json:"excluded_uri"`
}

type inspCSR struct {
	Subject            string     `json:"subject"`
	SANs               []string   `json:"sans"`
	PublicKey          inspPubKey `json:"public_key"`
	SignatureAlgorithm string     `json:"signature_algorithm"`
	SignatureValid     bool       `json:"signature_valid"`
}

type inspCRL struct {
	Issuer             string         `json:"issuer"`
	Number             string         `json:"number"`
	ThisUpdate         time.Time      `json:"this_update"`
	NextUpdate         *time.Time     `json:"next_update"`
	NextUpdateInDays   *int           `json:"next_update_in_days"`
	SignatureAlgorithm string         `json:"signature_algorithm"`
	AuthorityKeyID     string         `json:"authority_key_id"`
	EntryCount         int            `json:"entry_count"`
	Entries            []inspCRLEntry `json:"entries"`
}

type inspCRLEntry struct {
	Serial         string    `json:"serial"`
	RevocationTime time.Time `json:"revocation_time"`
	Reason         string    `json:"reason"`
}

type inspPrivKey struct {
	Encrypted  bool                `json:"encrypted"`
	Decrypted  bool                `json:"decrypted"`
	Format     string              `json:"format"`
	Encryption *formats.Encryption `json:"encryption,omitempty"`
	PublicKey  *inspPubKey         `json:"public_key,omitempty"`
}

type inspPKCS7 struct {
	Certificates []*inspCert `json:"certificates"`
	CRLs         []*inspCRL  `json:"crls"`
	Signers      int         `json:"signers"`
}

type inspPKCS12 struct {
	MAC            string              `json:"mac"`
	MACIterations  int                 `json:"mac_iterations"`
	KeyEncryption  *formats.Encryption `json:"key_encryption"`
	CertEncryption *formats.Encryption `json:"cert_encryption"`
	EmptyPassword  bool                `json:"empty_password"`
	Key            *inspP12Key         `json:"key"`
	Keys           []inspP12Key        `json:"keys"`
	Certificates   []inspP12Cert       `json:"certificates"`
}

type inspP12Key struct {
	FriendlyName string     `json:"friendly_name"`
	LocalKeyID   string     `json:"local_key_id"`
	PublicKey    inspPubKey `json:"public_key"`
}

type inspP12Cert struct {
	Role         string    `json:"role"`
	FriendlyName string    `json:"friendly_name"`
	LocalKeyID   string    `json:"local_key_id"`
	JavaTrusted  bool      `json:"java_trusted"`
	Certificate  *inspCert `json:"certificate"`
}

func describeItem(index int, it formats.Item, now time.Time) inspItem {
	j := inspItem{Index: index, Type: it.Kind.ID(), PEMType: it.PEMType}
	switch {
	case it.Certificate != nil:
		j.Certificate = describeCert(it.Certificate, now)
	case it.Partial != nil:
		j.Certificate = describeCert(it.Partial, now)
		j.Unsupported = strings.TrimPrefix(it.Unsupported.Error(), formats.ErrUnsupported.Error()+": ")
	case it.CSR != nil:
		j.CSR = describeCSR(it.CSR)
	case it.CRL != nil:
		j.CRL = describeCRL(it.CRL, now)
	case it.Kind == formats.KindPrivateKey || it.Kind == formats.KindEncryptedPrivateKey:
		k := &inspPrivKey{Encrypted: it.Kind == formats.KindEncryptedPrivateKey, Encryption: it.Encryption, Format: "pkcs8"}
		if it.KeyFormat != 0 {
			b, _ := it.KeyFormat.MarshalText()
			k.Format = string(b)
		}
		if it.PrivateKey != nil {
			k.Decrypted = k.Encrypted
			pk := describePublicKey(it.PrivateKey.Public())
			k.PublicKey = &pk
		}
		j.PrivateKey = k
	case it.PublicKey != nil:
		pk := describePublicKey(it.PublicKey)
		j.PublicKey = &pk
	case it.PKCS7 != nil:
		p := &inspPKCS7{Certificates: []*inspCert{}, CRLs: []*inspCRL{}, Signers: it.PKCS7.Signers}
		for _, c := range it.PKCS7.Certificates {
			p.Certificates = append(p.Certificates, describeCert(c, now))
		}
		for _, r := range it.PKCS7.CRLs {
			p.CRLs = append(p.CRLs, describeCRL(r, now))
		}
		j.PKCS7 = p
	case it.PKCS12 != nil:
		j.PKCS12 = describePKCS12(it.PKCS12, now)
	}
	return j
}

func describePKCS12(p *formats.PKCS12, now time.Time) *inspPKCS12 {
	out := &inspPKCS12{MAC: p.MAC, MACIterations: p.MACIterations, KeyEncryption: p.KeyEncryption,
		CertEncryption: p.CertEncryption, EmptyPassword: p.EmptyPassword, Keys: []inspP12Key{}, Certificates: []inspP12Cert{}}
	for _, k := range p.Keys {
		out.Keys = append(out.Keys, inspP12Key{FriendlyName: k.FriendlyName, LocalKeyID: hex.EncodeToString(k.LocalKeyID), PublicKey: describePublicKey(k.Key.Public())})
	}
	if len(out.Keys) > 0 {
		out.Key = &out.Keys[0]
	}
	add := func(role string, c *formats.PKCS12Cert) {
		out.Certificates = append(out.Certificates, inspP12Cert{Role: role, FriendlyName: c.FriendlyName,
			LocalKeyID: hex.EncodeToString(c.LocalKeyID), JavaTrusted: c.JavaTrusted, Certificate: describeCert(c.Certificate, now)})
	}
	for _, k := range p.Keys {
		if k.Leaf != nil {
			add("leaf", k.Leaf)
		}
	}
	for _, c := range p.Chain {
		role := "chain"
		if p.Key == nil {
			role = "trusted"
			if !c.JavaTrusted {
				role = "certificate"
			}
		}
		add(role, c)
	}
	return out
}

func describePublicKey(pub crypto.PublicKey) inspPubKey {
	alg, bits := formats.KeyAlgorithm(pub)
	j := inspPubKey{Algorithm: alg, Bits: bits, Description: formats.KeyDescription(pub)}
	if fp, err := formats.PublicKeyFingerprint(pub); err == nil {
		j.FingerprintSHA256 = formats.FormatFingerprint(fp)
	}
	return j
}

// signatureName is the name of a signature algorithm, "unknown" for one
// crypto/x509 does not name.
func signatureName(a x509.SignatureAlgorithm) string {
	if a == x509.UnknownSignatureAlgorithm {
		return "unknown"
	}
	return a.String()
}

// describeCertKey describes a certificate's key, including those Go's
// crypto/x509 does not read (RSASSA-PSS keys are shown as such).
func describeCertKey(c *x509.Certificate) inspPubKey {
	pub, restriction := formats.CertificatePublicKey(c)
	if pub == nil {
		return inspPubKey{Algorithm: "unknown", Description: formats.CertificateKeyDescription(c)}
	}
	j := describePublicKey(pub)
	if restriction != "" {
		j.Algorithm, j.Description = restriction, formats.CertificateKeyDescription(c)
	}
	return j
}

// daysUntil is whole days from now to t, rounded down (negative when t
// has passed).
func daysUntil(t, now time.Time) int {
	d := t.Sub(now)
	days := int(d / (24 * time.Hour))
	if d < 0 && d%(24*time.Hour) != 0 {
		days--
	}
	return days
}

func describeCert(c *x509.Certificate, now time.Time) *inspCert {
	sum := sha256.Sum256(c.Raw)
	j := &inspCert{
		Subject:               ca.SubjectString(c.RawSubject, c.Subject),
		Issuer:                c.Issuer.String(),
		Serial:                ca.SerialHex(c.SerialNumber),
		NotBefore:             c.NotBefore.UTC(),
		NotAfter:              c.NotAfter.UTC(),
		ExpiresInDays:         daysUntil(c.NotAfter, now),
		Expired:               now.After(c.NotAfter),
		NotYetValid:           now.Before(c.NotBefore),
		SelfSigned:            chain.SelfSigned(c),
		SANs:                  nonNil(formats.SANStrings(c)),
		PublicKey:             describeCertKey(c),
		SignatureAlgorithm:    signatureName(c.SignatureAlgorithm),
		KeyUsage:              formats.KeyUsageNames(c.KeyUsage),
		ExtKeyUsage:           formats.ExtKeyUsageNames(c.ExtKeyUsage, c.UnknownExtKeyUsage),
		SubjectKeyID:          formats.KeyIDHex(c.SubjectKeyId),
		AuthorityKeyID:        formats.KeyIDHex(c.AuthorityKeyId),
		CRLDistributionPoints: nonNil(c.CRLDistributionPoints),
		OCSPServers:           nonNil(c.OCSPServer),
		IssuingCertificateURL: nonNil(c.IssuingCertificateURL),
		FingerprintSHA256:     formats.FormatFingerprint(sum[:]),
	}
	if c.BasicConstraintsValid {
		bc := &inspBasicConstraints{CA: c.IsCA, Critical: extCritical(c, oidBasicConstraints)}
		if c.IsCA && (c.MaxPathLen > 0 || c.MaxPathLenZero) {
			n := c.MaxPathLen
			bc.PathLen = &n
		}
		j.BasicConstraints = bc
	}
	if hasExt(c, oidNameConstraints) {
		nc := &inspNameConstraints{
			Critical:       c.PermittedDNSDomainsCritical,
			PermittedDNS:   nonNil(c.PermittedDNSDomains),
			ExcludedDNS:    nonNil(c.ExcludedDNSDomains),
			PermittedEmail: nonNil(c.PermittedEmailAddresses),
			ExcludedEmail:  nonNil(c.ExcludedEmailAddresses),
			PermittedURI:   nonNil(c.PermittedURIDomains),
			ExcludedURI:    nonNil(c.ExcludedURIDomains),
			PermittedIP:    ipNets(c.PermittedIPRanges),
			ExcludedIP:     ipNets(c.ExcludedIPRanges),
		}
		j.NameConstraints = nc
	}
	return j
}

func describeCSR(r *x509.CertificateRequest) *inspCSR {
	sans := formats.SANStrings(&x509.Certificate{DNSNames: r.DNSNames, IPAddresses: r.IPAddresses, EmailAddresses: r.EmailAddresses, URIs: r.URIs})
	return &inspCSR{Subject: ca.SubjectString(r.RawSubject, r.Subject), SANs: nonNil(sans), PublicKey: describePublicKey(r.PublicKey),
		SignatureAlgorithm: r.SignatureAlgorithm.String(), SignatureValid: r.CheckSignature() == nil}
}

var crlReasons = map[int]string{0: "unspecified", 1: "keyCompromise", 2: "cACompromise", 3: "affiliationChanged",
	4: "superseded", 5: "cessationOfOperation", 6: "certificateHold", 8: "removeFromCRL", 9: "privilegeWithdrawn", 10: "aACompromise"}

func describeCRL(r *x509.RevocationList, now time.Time) *inspCRL {
	j := &inspCRL{Issuer: r.Issuer.String(), ThisUpdate: r.ThisUpdate.UTC(), SignatureAlgorithm: r.SignatureAlgorithm.String(),
		AuthorityKeyID: formats.KeyIDHex(r.AuthorityKeyId), EntryCount: len(r.RevokedCertificateEntries), Entries: []inspCRLEntry{}}
	if r.Number != nil {
		j.Number = r.Number.String()
	}
	if !r.NextUpdate.IsZero() {
		t := r.NextUpdate.UTC()
		d := daysUntil(t, now)
		j.NextUpdate, j.NextUpdateInDays = &t, &d
	}
	for _, e := range r.RevokedCertificateEntries {
		reason := crlReasons[e.ReasonCode]
		if reason == "" {
			reason = fmt.Sprintf("reason %d", e.ReasonCode)
		}
		j.Entries = append(j.Entries, inspCRLEntry{Serial: ca.SerialHex(e.SerialNumber), RevocationTime: e.RevocationTime.UTC(), Reason: reason})
	}
	return j
}

var (
	oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidNameConstraints  = asn1.ObjectIdentifier{2, 5, 29, 30}
)

func hasExt(c *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return true
		}
	}
	return false
}

func extCritical(c *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return e.Critical
		}
	}
	return false
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func ipNets(n []*net.IPNet) []string {
	out := []string{}
	for _, r := range n {
		out = append(out, r.String())
	}
	return out
}

// printReport writes the human form of an inspect report.
func printReport(w io.Writer, r inspectReport) {
	for i, it := range r.Items {
		if i > 0 {
			fmt.Fprintln(w)
		}
		printItem(w, it, r.Encoding, len(r.Items))
	}
}

// printItem writes the human form of one item of a file of total items.
func printItem(w io.Writer, it inspItem, encoding string, total int) {
	head := it.Type
	if it.Certificate != nil {
		head = "certificate"
	}
	where := strings.ToUpper(encoding)
	if it.PEMType != "" {
		where = fmt.Sprintf("PEM %q", it.PEMType)
	}
	if total > 1 {
		fmt.Fprintf(w, "%s (%d of %d, %s)\n", strings.ReplaceAll(head, "_", " "), it.Index, total, where)
	} else {
		fmt.Fprintf(w, "%s (%s)\n", strings.ReplaceAll(head, "_", " "), where)
	}
	p := &inspPrinter{w: w, indent: "  "}
	p.field("unsupported", it.Unsupported)
	switch {
	case it.Certificate != nil:
		p.cert(it.Certificate)
	case it.CSR != nil:
		p.csr(it.CSR)
	case it.CRL != nil:
		p.crl(it.CRL)
	case it.PrivateKey != nil:
		p.privateKey(it.PrivateKey)
	case it.PublicKey != nil:
		p.field("public key", it.PublicKey.Description)
		p.field("SHA-256 key fingerprint", it.PublicKey.FingerprintSHA256)
	case it.PKCS7 != nil:
		p.pkcs7(it.PKCS7)
	case it.PKCS12 != nil:
		p.pkcs12(it.PKCS12)
	}
}

type inspPrinter struct {
	w      io.Writer
	indent string
}

func (p *inspPrinter) field(name, value string) {
	if value == "" {
		return
	}
	fmt.Fprintf(p.w, "%s%-24s %s\n", p.indent, name+":", value)
}

func (p *inspPrinter) nested() *inspPrinter { return &inspPrinter{w: p.w, indent: p.indent + "    "} }

func (p *inspPrinter) cert(c *inspCert) {
	p.field("subject", orNone(c.Subject))
	p.field("issuer", orNone(c.Issuer))
	p.field("serial", c.Serial)
	p.field("valid from", c.NotBefore.Format("2006-01-02 15:04:05 MST"))
	until := c.NotAfter.Format("2006-01-02 15:04:05 MST")
	switch {
	case c.Expired:
		until += fmt.Sprintf(" (EXPIRED %s ago)", plural(-c.ExpiresInDays, "day"))
	case c.NotYetValid:
		until += " (NOT YET VALID)"
	case c.ExpiresInDays == 0:
		until += " (expires in less than a day)"
	default:
		until += fmt.Sprintf(" (expires in %s)", plural(c.ExpiresInDays, "day"))
	}
	p.field("valid until", until)
	p.field("SANs", strings.Join(c.SANs, ", "))
	p.field("public key", c.PublicKey.Description)
	p.field("signature", c.SignatureAlgorithm)
	if bc := c.BasicConstraints; bc != nil {
		s := "CA:FALSE"
		if bc.CA {
			s = "CA:TRUE"
			if bc.PathLen != nil {
				s += fmt.Sprintf(", pathlen:%d", *bc.PathLen)
			}
		}
		if bc.Critical {
			s += " (critical)"
		}
		p.field("basic constraints", s)
	}
	p.field("key usage", strings.Join(c.KeyUsage, ", "))
	p.field("extended key usage", strings.Join(c.ExtKeyUsage, ", "))
	if nc := c.NameConstraints; nc != nil {
		var parts []string
		add := func(label string, v []string) {
			if len(v) > 0 {
				parts = append(parts, label+" "+strings.Join(v, ", "))
			}
		}
		add("permitted DNS", nc.PermittedDNS)
		add("excluded DNS", nc.ExcludedDNS)
		add("permitted IP", nc.PermittedIP)
		add("excluded IP", nc.ExcludedIP)
		add("permitted email", nc.PermittedEmail)
		add("excluded email", nc.ExcludedEmail)
		add("permitted URI", nc.PermittedURI)
		add("excluded URI", nc.ExcludedURI)
		p.field("name constraints", strings.Join(parts, "; "))
	}
	p.field("subject key ID", c.SubjectKeyID)
	p.field("authority key ID", c.AuthorityKeyID)
	p.field("CRL distribution points", strings.Join(c.CRLDistributionPoints, ", "))
	p.field("OCSP", strings.Join(c.OCSPServers, ", "))
	p.field("CA issuers", strings.Join(c.IssuingCertificateURL, ", "))
	if c.SelfSigned {
		p.field("self-signed", "yes")
	}
	p.field("SHA-256 fingerprint", c.FingerprintSHA256)
}

func (p *inspPrinter) csr(r *inspCSR) {
	p.field("subject", orNone(r.Subject))
	p.field("SANs", strings.Join(r.SANs, ", "))
	p.field("public key", r.PublicKey.Description)
	p.field("signature", r.SignatureAlgorithm)
	p.field("signature valid", yesNo(r.SignatureValid))
	p.field("SHA-256 key fingerprint", r.PublicKey.FingerprintSHA256)
}

func (p *inspPrinter) crl(r *inspCRL) {
	p.field("issuer", r.Issuer)
	p.field("CRL number", r.Number)
	p.field("this update", r.ThisUpdate.Format("2006-01-02 15:04:05 MST"))
	if r.NextUpdate != nil {
		s := r.NextUpdate.Format("2006-01-02 15:04:05 MST")
		if *r.NextUpdateInDays < 0 {
			s += fmt.Sprintf(" (OVERDUE by %s)", plural(-*r.NextUpdateInDays, "day"))
		} else {
			s += fmt.Sprintf(" (in %s)", plural(*r.NextUpdateInDays, "day"))
		}
		p.field("next update", s)
	}
	p.field("signature", r.SignatureAlgorithm)
	p.field("authority key ID", r.AuthorityKeyID)
	p.field("revoked certificates", fmt.Sprint(r.EntryCount))
	for _, e := range r.Entries {
		fmt.Fprintf(p.w, "%s    %s  %s  %s\n", p.indent, e.Serial, e.RevocationTime.Format("2006-01-02 15:04:05 MST"), e.Reason)
	}
}

func (p *inspPrinter) privateKey(k *inspPrivKey) {
	if k.Encryption != nil {
		p.field("encryption", k.Encryption.String())
	}
	if k.PublicKey == nil {
		p.field("key", "encrypted; give its password (--password-file or PKIT_PASSWORD) to see the key type")
		return
	}
	p.field("format", map[string]string{"pkcs8": "PKCS#8", "pkcs1": "PKCS#1", "sec1": "SEC 1", "dsa": "traditional DSA"}[k.Format])
	p.field("key", k.PublicKey.Description)
	p.field("SHA-256 key fingerprint", k.PublicKey.FingerprintSHA256)
}

func (p *inspPrinter) pkcs7(r *inspPKCS7) {
	p.field("certificates", fmt.Sprint(len(r.Certificates)))
	if len(r.CRLs) > 0 {
		p.field("CRLs", fmt.Sprint(len(r.CRLs)))
	}
	if r.Signers > 0 {
		p.field("signers", fmt.Sprint(r.Signers))
	}
	for i, c := range r.Certificates {
		fmt.Fprintf(p.w, "%scertificate %d of %d\n", p.indent, i+1, len(r.Certificates))
		p.nested().cert(c)
	}
	for i, c := range r.CRLs {
		fmt.Fprintf(p.w, "%sCRL %d of %d\n", p.indent, i+1, len(r.CRLs))
		p.nested().crl(c)
	}
}

func (p *inspPrinter) pkcs12(r *inspPKCS12) {
	if r.MAC != "" {
		p.field("MAC", fmt.Sprintf("%s, %d iterations", r.MAC, r.MACIterations))
	} else {
		p.field("MAC", "none (no integrity protection)")
	}
	if r.KeyEncryption != nil {
		p.field("key encryption", r.KeyEncryption.String())
	}
	if r.CertEncryption != nil {
		p.field("certificate encryption", r.CertEncryption.String())
	}
	if r.EmptyPassword {
		p.field("password", "empty")
	}
	for i, k := range r.Keys {
		if len(r.Keys) == 1 {
			fmt.Fprintf(p.w, "%sprivate key\n", p.indent)
		} else {
			fmt.Fprintf(p.w, "%sprivate key %d of %d\n", p.indent, i+1, len(r.Keys))
		}
		n := p.nested()
		n.field("friendly name", k.FriendlyName)
		n.field("local key ID", k.LocalKeyID)
		n.field("key", k.PublicKey.Description)
		n.field("SHA-256 key fingerprint", k.PublicKey.FingerprintSHA256)
	}
	if len(r.Keys) == 0 {
		p.field("private key", "none (a trust store)")
	}
	for i, c := range r.Certificates {
		fmt.Fprintf(p.w, "%scertificate %d of %d: %s\n", p.indent, i+1, len(r.Certificates), c.Role)
		n := p.nested()
		n.field("friendly name", c.FriendlyName)
		n.field("local key ID", c.LocalKeyID)
		if c.JavaTrusted {
			n.field("Java trusted", "yes")
		}
		n.cert(c.Certificate)
	}
}

func orNone(s string) string {
	if s == "" {
		return "(empty)"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "NO"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
