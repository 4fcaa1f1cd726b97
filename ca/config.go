package ca

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pkit/pkit/formats"
)

// Config is the CA directory's editable configuration: which CA issues
// leaf certificates, the CRL URL to embed, and the profiles.
//
// The file format is line based:
//
//	# comment
//	[ca]
//	issuer = intermediate        # the CA (file ca/NAME.crt) that signs leaves
//	crl-url = http://pki.example/crl/{ca}.crl      # see [Config.URLs]
//	ocsp-url = http://pki.example/ocsp
//	ca-issuers-url = http://pki.example/ca/{ca}.crt
//
//	[profile server]
//	validity = 825d              # d (days), h, m, s; y = 365d
//	key-type = ecdsa-p256
//	key-usage = digitalSignature
//	ext-key-usage = serverAuth
//	san-types = dns, ip          # which SAN kinds a request may carry
//	require-san = true           # at least one SAN
//	subject = O=Acme, OU=Ops     # subject fields when the request gives none
//	allowed-subject = OU         # fields a request may set (default all; none)
//
// Subject fields are written KEY=value, separated by commas (see
// [ParseSubject]); keys are C, ST, L, STREET, postalCode, O and OU. A
// request (--subject, a CSR, a manifest row) may set only the fields
// allowed-subject lists, and the profile's subject fills the others: a
// field in subject and not in allowed-subject is fixed.
//
// Unknown sections and keys are errors, reported with their line number.
type Config struct {
	// Issuer is the name of the CA that signs leaf certificates.
	Issuer string
	// CRLURL, OCSPURL and CAIssuersURL are the templates of the
	// distribution points put in issued certificates; see [Config.URLs].
	CRLURL, OCSPURL, CAIssuersURL string
	// DB is the PostgreSQL database holding the store (a postgres:// URL
	// without password) when the CA's issuing machines share one; "" for
	// the SQLite file "store" in the CA directory.
	DB string
	// Profiles by name.
	Profiles map[string]*Profile
}

// ConfigError is a problem in the config file, at a line.
type ConfigError struct {
	Line int
	Msg  string
}

func (e *ConfigError) Error() string {
	if e.Line <= 0 {
		return "config: " + e.Msg
	}
	return fmt.Sprintf("config line %d: %s", e.Line, e.Msg)
}

// DefaultConfig returns the configuration a new CA directory starts with:
// issuer as the issuing CA and the built-in server and client profiles.
func DefaultConfig(issuer string) *Config {
	return &Config{
		Issuer: issuer,
		Profiles: map[string]*Profile{
			"server": {
				Name:        "server",
				Validity:    MaxTLSServerSpan,
				KeyType:     ECDSAP256,
				KeyUsage:    x509.KeyUsageDigitalSignature,
				ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
				SANTypes:    []string{"dns", "ip"},
				RequireSAN:  true,
			},
			"client": {
				Name:        "client",
				Validity:    365 * 24 * time.Hour,
				KeyType:     ECDSAP256,
				KeyUsage:    x509.KeyUsageDigitalSignature,
				ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
				SANTypes:    []string{"dns", "email", "uri"},
			},
		},
	}
}

// ParseConfig reads a config file. Errors are *[ConfigError].
func ParseConfig(data []byte) (*Config, error) {
	c := &Config{Profiles: map[string]*Profile{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 64*1024)
	section := ""
	var prof *Profile
	headers := map[*Profile]int{} // the line of each profile's [profile NAME]
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "[") {
			if !strings.HasSuffix(line, "]") {
				return nil, &ConfigError{n, fmt.Sprintf("section header %q has no closing ]", line)}
			}
			f := strings.Fields(line[1 : len(line)-1])
			switch {
			case len(f) == 1 && f[0] == "ca":
				section, prof = "ca", nil
			case len(f) == 2 && f[0] == "profile":
				if _, dup := c.Profiles[f[1]]; dup {
					return nil, &ConfigError{n, fmt.Sprintf("profile %q defined twice", f[1])}
				}
				section, prof = "profile", &Profile{Name: f[1], KeyType: ECDSAP256}
				headers[prof] = n
				c.Profiles[f[1]] = prof
			default:
				return nil, &ConfigError{n, fmt.Sprintf("unknown section %q (want [ca] or [profile NAME])", line)}
			}
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			return nil, &ConfigError{n, fmt.Sprintf("%q is not key = value", line)}
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		var err error
		switch section {
		case "ca":
			err = c.set(key, val)
		case "profile":
			err = prof.set(key, val)
		default:
			err = fmt.Errorf("%q is outside any section", key)
		}
		if err != nil {
			return nil, &ConfigError{n, err.Error()}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &ConfigError{n + 1, err.Error()}
	}
	if c.Issuer == "" {
		return nil, &ConfigError{max(n, 1), "[ca] issuer is not set"}
	}
	var noValidity *Profile
	for p, line := range headers {
		if p.Validity <= 0 && (noValidity == nil || line < headers[noValidity]) {
			noValidity = p
		}
	}
	if noValidity != nil {
		return nil, &ConfigError{headers[noValidity], fmt.Sprintf("[profile %s] has no validity (e.g. validity = 365d)", noValidity.Name)}
	}
	return c, nil
}

// KeyDB is the [ca] key naming the PostgreSQL database of the store.
const KeyDB = "db"

func (c *Config) set(key, val string) error {
	switch key {
	case "issuer":
		c.Issuer = val
	case KeyCRLURL, KeyOCSPURL, KeyCAIssuersURL:
		if err := parseURLTemplate(key, val); err != nil {
			return err
		}
		*c.urlField(key) = val
	case KeyDB:
		if err := CheckDatabaseURL(val); err != nil {
			return fmt.Errorf("db: %w", err)
		}
		c.DB = val
	default:
		return fmt.Errorf("unknown key %q in [ca] (valid: issuer, %s, %s)", key, strings.Join(URLKeys, ", "), KeyDB)
	}
	return nil
}

// urlField returns the field of the URL template key (one of [URLKeys]).
func (c *Config) urlField(key string) *string {
	switch key {
	case KeyOCSPURL:
		return &c.OCSPURL
	case KeyCAIssuersURL:
		return &c.CAIssuersURL
	}
	return &c.CRLURL
}

// SetIssuer returns the config file data with [ca] issuer set to name;
// see [SetCAKey].
func SetIssuer(data []byte, name string) ([]byte, error) {
	return SetCAKey(data, "issuer", name)
}

// SetCAKey returns the config file data with the [ca] key set to val,
// changing only that line: comments, order and everything the user wrote
// stay as they were. When [ca] has no such line one is added after its
// header; an empty val removes the line (issuer cannot be removed). The
// result must still parse.
func SetCAKey(data []byte, key, val string) ([]byte, error) {
	lines := strings.SplitAfter(string(data), "\n")
	section, caHeader, done := "", -1, false
	var out []string
	for _, raw := range lines {
		code := raw
		if j := strings.IndexByte(code, '#'); j >= 0 {
			code = code[:j]
		}
		code = strings.TrimSpace(code)
		if strings.HasPrefix(code, "[") {
			section = strings.Join(strings.Fields(strings.Trim(code, "[]")), " ")
			if section == "ca" && caHeader < 0 {
				caHeader = len(out)
			}
			out = append(out, raw)
			continue
		}
		k, old, ok := strings.Cut(code, "=")
		if section != "ca" || !ok || strings.TrimSpace(k) != key {
			out = append(out, raw)
			continue
		}
		done = true
		if val == "" {
			continue
		}
		// Replace the value in place, keeping the spacing and any comment.
		old = strings.TrimSpace(old)
		at := strings.Index(raw, "=") + 1
		at += strings.Index(raw[at:], old)
		out = append(out, raw[:at]+val+raw[at+len(old):])
	}
	if !done && val != "" {
		if caHeader < 0 {
			return nil, &ConfigError{Line: 1, Msg: "the config has no [ca] section"}
		}
		if !strings.HasSuffix(out[caHeader], "\n") {
			out[caHeader] += "\n"
		}
		out[caHeader] += key + " = " + val + "\n"
	}
	res := []byte(strings.Join(out, ""))
	if _, err := ParseConfig(res); err != nil {
		return nil, err
	}
	return res, nil
}

// Marshal writes c in the format [ParseConfig] reads, with comments.
func (c *Config) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString("# pkit CA configuration. Edit freely: pkit reads it on every run.\n")
	b.WriteString("# Durations: 825d, 12h, 1y (= 365d). Lists are comma-separated.\n")
	b.WriteString("# key-usage: digitalSignature, keyEncipherment, keyAgreement, dataEncipherment, contentCommitment\n")
	b.WriteString("# ext-key-usage: serverAuth, clientAuth, codeSigning, emailProtection, timeStamping, ocspSigning\n")
	b.WriteString("# san-types: dns, ip, email, uri\n")
	b.WriteString("# subject: default subject fields, e.g. O=Acme, OU=Ops (keys C, ST, L, STREET, postalCode, O, OU)\n")
	b.WriteString("# allowed-subject: the fields a request may set, e.g. O, OU (default: all; none for none)\n\n")
	b.WriteString("[ca]\n")
	fmt.Fprintf(&b, "issuer = %s\n", c.Issuer)
	b.WriteString("# Distribution points put in issued certificates; {ca} is the issuing CA's name.\n")
	b.WriteString("# Set them with pkit ca set (they apply to certificates issued from then on).\n")
	examples := map[string]string{KeyCRLURL: "http://pki.example.internal/crl/{ca}.crl",
		KeyOCSPURL: "http://pki.example.internal/ocsp", KeyCAIssuersURL: "http://pki.example.internal/ca/{ca}.crt"}
	for _, k := range URLKeys {
		if v := *c.urlField(k); v != "" {
			fmt.Fprintf(&b, "%s = %s\n", k, v)
		} else {
			fmt.Fprintf(&b, "# %s = %s\n", k, examples[k])
		}
	}
	if c.DB != "" {
		b.WriteString("# The store: this PostgreSQL database, shared by the CA's issuing machines.\n")
		fmt.Fprintf(&b, "%s = %s\n", KeyDB, c.DB)
	}
	names := make([]string, 0, len(c.Profiles))
	for n := range c.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := c.Profiles[n]
		fmt.Fprintf(&b, "\n[profile %s]\n", n)
		fmt.Fprintf(&b, "validity = %s\n", FormatDuration(p.Validity))
		fmt.Fprintf(&b, "key-type = %s\n", p.KeyType)
		fmt.Fprintf(&b, "key-usage = %s\n", strings.Join(formats.KeyUsageNames(p.KeyUsage), ", "))
		fmt.Fprintf(&b, "ext-key-usage = %s\n", strings.Join(extKeyUsageNames(p.ExtKeyUsage), ", "))
		fmt.Fprintf(&b, "san-types = %s\n", strings.Join(p.SANTypes, ", "))
		fmt.Fprintf(&b, "require-san = %t\n", p.RequireSAN)
		if s := FormatSubject(p.Subject); s != "" {
			fmt.Fprintf(&b, "subject = %s\n", s)
		}
		if p.AllowedSubject != nil {
			fmt.Fprintf(&b, "allowed-subject = %s\n", p.allowedSubjectText())
		}
	}
	return b.Bytes()
}

// MaxDuration is the longest duration [ParseDuration] reads: 100 years
// (of 366 days). Longer ones are refused rather than wrapped: a
// time.Duration holds about 292 years, and "585y" used to come out as 21
// days.
const MaxDuration = 100 * 366 * 24 * time.Hour

// MinLifetime is the shortest validity, or CRL next-update interval, pkit
// signs unless told to with --allow-short: anything shorter would be
// expired, or all but, by the time it is installed.
const MinLifetime = time.Minute

// ParseDuration reads a duration like "825d", "12h", "1y" or "90m".
// Days and years (365 days) are added to what time.ParseDuration knows.
// It is the one duration parser of pkit's flags, config and manifests:
// negative durations and ones over [MaxDuration] are errors, never
// wrapped around.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	invalid := fmt.Errorf("invalid duration %q (examples: 90d, 1y, 12h)", s)
	tooLong := fmt.Errorf("duration %q is longer than 100 years", s)
	unit := s[len(s)-1]
	if unit == 'd' || unit == 'y' {
		n, err := strconv.ParseUint(s[:len(s)-1], 10, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return 0, tooLong
			}
			return 0, invalid
		}
		per := 24 * time.Hour
		if unit == 'y' {
			per *= 365
		}
		if n > uint64(MaxDuration/per) {
			return 0, tooLong
		}
		return time.Duration(n) * per, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil && strings.Contains(err.Error(), "overflow") {
		return 0, tooLong
	}
	if err != nil || d < 0 {
		return 0, invalid
	}
	if d > MaxDuration {
		return 0, tooLong
	}
	return d, nil
}

// CheckLifetime reports whether d may be the lifetime of something pkit
// signs: positive, and at least [MinLifetime] unless allowShort. what
// names it in the error ("validity", "--next-update").
func CheckLifetime(what string, d time.Duration, allowShort bool) error {
	if d <= 0 {
		return fmt.Errorf("%s must be positive", what)
	}
	if d < MinLifetime && !allowShort {
		return fmt.Errorf("%s of %s is shorter than 1 minute: it would expire before it could be used", what, d)
	}
	return nil
}

// FormatDuration writes d the way [ParseDuration] reads it, in whole days
// when it is a whole number of days.
func FormatDuration(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return d.String()
}
