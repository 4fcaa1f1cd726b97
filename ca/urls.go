package ca

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/pkit/pkit/formats"
)

// The [ca] keys of the distribution point templates.
const (
	KeyCRLURL       = "crl-url"
	KeyOCSPURL      = "ocsp-url"
	KeyCAIssuersURL = "ca-issuers-url"
)

// ErrBadURL is the Err of a [*RequestError] refusing a distribution
// point template ([CheckURLTemplate]).
var ErrBadURL = errors.New("invalid distribution point URL")

// URLKeys lists the distribution point keys of [ca], in the order they are
// written.
var URLKeys = []string{KeyCRLURL, KeyOCSPURL, KeyCAIssuersURL}

// CAPlaceholder is what a URL template holds where the CA's name goes.
const CAPlaceholder = "{ca}"

// URLs are one CA's distribution points, expanded from the directory's
// templates. A certificate the CA issues carries them: CRL as its CRL
// distribution point (RFC 5280 section 4.2.1.13), OCSP and CAIssuers in
// its authority information access (section 4.2.2.1).
type URLs struct{ CRL, OCSP, CAIssuers string }

// URLs returns the URLs of the CA named caName ("" where no template is
// set). In each template [CAPlaceholder] becomes the CA's name, so one
// template serves every CA of the directory:
//
//	crl-url        = http://pki.example.internal/crl/{ca}.crl
//	ocsp-url       = http://pki.example.internal/ocsp
//	ca-issuers-url = http://pki.example.internal/ca/{ca}.crt
//
// A crl-url or ca-issuers-url without {ca} names one file, so it is the
// URL of the issuing CA ([Config.Issuer]) only, and other CAs have none
// from it (this is how a single crl-url written by an older pkit keeps
// working). An ocsp-url without {ca} is every CA's: one OCSP responder
// answers for many CAs, each request naming its issuer (RFC 6960).
func (c *Config) URLs(caName string) URLs {
	return URLs{
		CRL:       expandURL(c.CRLURL, caName, c.Issuer),
		OCSP:      expandURL(c.OCSPURL, caName, ""),
		CAIssuers: expandURL(c.CAIssuersURL, caName, c.Issuer),
	}
}

// expandURL expands tmpl for the CA caName; a template without
// [CAPlaceholder] belongs to the CA only (every CA when only is "").
func expandURL(tmpl, caName, only string) string {
	if tmpl == "" {
		return ""
	}
	if !strings.Contains(tmpl, CAPlaceholder) {
		if only != "" && caName != only {
			return ""
		}
		return tmpl
	}
	return strings.ReplaceAll(tmpl, CAPlaceholder, url.PathEscape(caName))
}

// apply puts u into tmpl, a certificate about to be signed by the CA
// whose URLs u are.
func (u URLs) apply(tmpl *x509.Certificate) {
	if u.CRL != "" {
		tmpl.CRLDistributionPoints = []string{u.CRL}
	}
	if u.OCSP != "" {
		tmpl.OCSPServer = []string{u.OCSP}
	}
	if u.CAIssuers != "" {
		tmpl.IssuingCertificateURL = []string{u.CAIssuers}
	}
}

// Get returns the URL of key (one of [URLKeys]).
func (u URLs) Get(key string) string {
	switch key {
	case KeyCRLURL:
		return u.CRL
	case KeyOCSPURL:
		return u.OCSP
	case KeyCAIssuersURL:
		return u.CAIssuers
	}
	return ""
}

// URLTemplate returns the template set for key (one of [URLKeys]).
func (c *Config) URLTemplate(key string) string {
	switch key {
	case KeyCRLURL:
		return c.CRLURL
	case KeyOCSPURL:
		return c.OCSPURL
	case KeyCAIssuersURL:
		return c.CAIssuersURL
	}
	return ""
}

// checkURLSyntax reports whether tmpl is a URL template pkit can expand:
// once expanded it passes [CheckCRLURL] (an absolute http, https or ldap
// URL with a host), and {ca} appears only in its path. "" is fine.
func checkURLSyntax(tmpl string) (*url.URL, error) {
	if tmpl == "" {
		return nil, nil
	}
	a, b := expandURL(tmpl, "a", ""), expandURL(tmpl, "b", "")
	if err := CheckCRLURL(a); err != nil {
		return nil, fmt.Errorf("%q is not an absolute http, https or ldap URL", tmpl)
	}
	pa, _ := url.Parse(a)
	pb, _ := url.Parse(b)
	if pa.Host != pb.Host || pa.RawQuery != pb.RawQuery || pa.Fragment != pb.Fragment {
		return nil, fmt.Errorf("%q: %s may only be in the URL's path", tmpl, CAPlaceholder)
	}
	return pa, nil
}

// CheckURLTemplate reports whether tmpl can be set as the template of key
// (one of [URLKeys]) in a directory whose issuing CA is issuer: a URL
// ([CheckCRLURL]) with {ca} in its path only, no query or fragment, that
// names what pkit publishes, so that a web server of the CRL folder (or
// pkit serve) answers it:
//
//   - crl-url: the path ends in {ca}.crl, the DER CRL pkit crl writes as
//     crl/NAME.crl (RFC 5280 section 4.2.1.13: DER over HTTP). Without
//     {ca} it must name the issuing CA's, ISSUER.crl.
//   - ca-issuers-url: the path ends in {ca}.crt or {ca}.cer, the DER
//     certificate of the CA (RFC 5280 section 4.2.2.1); without {ca},
//     ISSUER.crt or ISSUER.cer.
//   - ocsp-url: any http or https URL; {ca} optional.
//
// "" is fine: no such URL. Config files are read more leniently (a
// crl-url without {ca} written by an older pkit is used as it is); this
// is the rule for setting one.
func CheckURLTemplate(key, tmpl, issuer string) error {
	p, err := checkURLSyntax(tmpl)
	if err != nil || p == nil {
		return err
	}
	if p.RawQuery != "" || p.Fragment != "" || p.ForceQuery {
		return fmt.Errorf("%q: a %s names a file, without ?query or #fragment", tmpl, key)
	}
	base := path.Base(tmpl)
	has := strings.Contains(tmpl, CAPlaceholder)
	switch key {
	case KeyCRLURL:
		want := issuer + ".crl"
		if has {
			want = CAPlaceholder + ".crl"
		}
		if base != want {
			return fmt.Errorf("%q: the path of a %s must end in /%s, the DER CRL that pkit crl writes (crl/NAME.crl)", tmpl, key, want)
		}
	case KeyCAIssuersURL:
		stem := issuer
		if has {
			stem = CAPlaceholder
		}
		if base != stem+".crt" && base != stem+".cer" {
			return fmt.Errorf("%q: the path of a %s must end in /%s.crt or /%s.cer, the CA's DER certificate", tmpl, key, stem, stem)
		}
	case KeyOCSPURL:
	default:
		return fmt.Errorf("unknown URL key %q (valid: %s)", key, strings.Join(URLKeys, ", "))
	}
	if key != KeyCRLURL || has {
		if s := strings.ToLower(p.Scheme); s != "http" && s != "https" {
			return fmt.Errorf("%q: a %s must be an http or https URL", tmpl, key)
		}
	}
	if has && strings.Count(tmpl, CAPlaceholder) != 1 {
		return fmt.Errorf("%q: %s may appear once", tmpl, CAPlaceholder)
	}
	return nil
}

// parseURLTemplate is how the config file reads key's template: the
// strict rules of [CheckURLTemplate], except that a crl-url or
// ca-issuers-url without {ca} need only be a URL: older pkit versions
// wrote any crl-url, and such a URL names the issuing CA's file, which
// changes when the issuer does.
func parseURLTemplate(key, tmpl string) error {
	if key != KeyOCSPURL && !strings.Contains(tmpl, CAPlaceholder) {
		_, err := checkURLSyntax(tmpl)
		return err
	}
	return CheckURLTemplate(key, tmpl, "")
}

// SetURLTemplate sets (or, with tmpl "", removes) the [ca] template key
// (one of [URLKeys]) in the directory's config file, changing only that
// line, after checking it with [CheckURLTemplate]. It changes what
// certificates issued from now on carry; those already issued keep
// theirs. The errors refusing tmpl are [*RequestError]s wrapping
// [ErrBadURL].
func (a *Authority) SetURLTemplate(key, tmpl string) error {
	if err := CheckURLTemplate(key, tmpl, a.Config.Issuer); err != nil {
		return &RequestError{Msg: err.Error(), Err: ErrBadURL}
	}
	// Config edits (this, ca intermediate --make-issuer) take the CA
	// folder's lock, so that neither undoes the other.
	unlock, err := lockExclusive(filepath.Join(a.Dir, "ca", ".lock"), "the CA folder")
	if err != nil {
		return err
	}
	defer unlock()
	p := filepath.Join(a.Dir, "config")
	old, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	if cur, err := ParseConfig(old); err == nil && cur.Issuer != a.Config.Issuer {
		// The issuer changed since the directory was opened.
		if err := CheckURLTemplate(key, tmpl, cur.Issuer); err != nil {
			return &RequestError{Msg: err.Error(), Err: ErrBadURL}
		}
	}
	data, err := SetCAKey(old, key, tmpl)
	if err != nil {
		return err
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return err
	}
	if err := formats.WriteFile(p, data, 0o644, true); err != nil {
		return err
	}
	a.Config = cfg
	return nil
}
