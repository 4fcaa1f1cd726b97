package ca

import (
	"strings"
	"testing"
)

func TestConfigURLs(t *testing.T) {
	c := DefaultConfig("intermediate")
	c.CRLURL = "http://pki.example/crl/{ca}.crl"
	c.OCSPURL = "http://pki.example/ocsp"
	c.CAIssuersURL = "http://pki.example/ca/{ca}.crt"
	if got, want := c.URLs("root"), (URLs{"http://pki.example/crl/root.crl", "http://pki.example/ocsp", "http://pki.example/ca/root.crt"}); got != want {
		t.Errorf("URLs(root) = %+v, want %+v", got, want)
	}
	// A template without {ca} names the issuing CA's file only; an OCSP
	// responder answers for every CA.
	c.CRLURL, c.CAIssuersURL = "http://pki.example/crl.der", "http://pki.example/intermediate.crt"
	if got, want := c.URLs("root"), (URLs{OCSP: "http://pki.example/ocsp"}); got != want {
		t.Errorf("URLs(root) with literal templates = %+v, want %+v", got, want)
	}
	if got := c.URLs("intermediate"); got.CRL != c.CRLURL || got.CAIssuers != c.CAIssuersURL {
		t.Errorf("URLs(intermediate) with literal templates = %+v", got)
	}
	if got := DefaultConfig("root").URLs("root"); got != (URLs{}) {
		t.Errorf("no templates: URLs = %+v", got)
	}
}

func TestCheckURLTemplate(t *testing.T) {
	tests := []struct {
		key, tmpl, err string // err: a part of the error, "" for none
	}{
		{KeyCRLURL, "", ""},
		{KeyCRLURL, "http://pki.example/crl/{ca}.crl", ""},
		{KeyCRLURL, "https://pki.example/{ca}.crl", ""},
		{KeyCRLURL, "http://pki.example/intermediate.crl", ""},
		{KeyCRLURL, "http://pki.example/root.crl", "must end in /intermediate.crl"},
		{KeyCRLURL, "http://pki.example/crl.der", "must end in /intermediate.crl"},
		{KeyCRLURL, "http://pki.example/crl/{ca}.der", "must end in /{ca}.crl"},
		{KeyCRLURL, "http://pki.example/crl/{ca}.crl.pem", "must end in /{ca}.crl"},
		{KeyCRLURL, "http://{ca}.pki.example/{ca}.crl", "only be in the URL's path"},
		{KeyCRLURL, "http://pki.example/{ca}.crl?x=1", "without ?query"},
		{KeyCRLURL, "ftp://pki.example/{ca}.crl", "not an absolute http"},
		{KeyCRLURL, "ldap://pki.example/{ca}.crl", "http or https"},
		{KeyCRLURL, "http://pki.example/{ca}/{ca}.crl", "appear once"},
		{KeyOCSPURL, "http://pki.example/ocsp", ""},
		{KeyOCSPURL, "http://pki.example/ocsp/{ca}", ""},
		{KeyOCSPURL, "ldap://pki.example/ocsp", "http or https"},
		{KeyCAIssuersURL, "http://pki.example/ca/{ca}.crt", ""},
		{KeyCAIssuersURL, "http://pki.example/ca/{ca}.cer", ""},
		{KeyCAIssuersURL, "http://pki.example/ca/intermediate.crt", ""},
		{KeyCAIssuersURL, "http://pki.example/ca/{ca}.pem", "must end in /{ca}.crt or /{ca}.cer"},
		{"crl", "http://pki.example/ca/{ca}.pem", "unknown URL key"},
	}
	for _, tt := range tests {
		err := CheckURLTemplate(tt.key, tt.tmpl, "intermediate")
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("CheckURLTemplate(%s, %q) = %v, want error containing %q", tt.key, tt.tmpl, err, tt.err)
		}
	}
	// The config file reads a crl-url without {ca} leniently (older pkit
	// versions wrote any), the others strictly.
	for _, tt := range []struct {
		data string
		ok   bool
	}{
		{"[ca]\nissuer = root\ncrl-url = http://pki.example/crl.der\n", true},
		{"[ca]\nissuer = root\ncrl-url = http://pki.example/crl/{ca}.der\n", false},
		{"[ca]\nissuer = root\nca-issuers-url = http://pki.example/{ca}.crt\nocsp-url = http://pki.example/ocsp\n", true},
		{"[ca]\nissuer = root\nocsp-url = ftp://pki.example/ocsp\n", false},
	} {
		if _, err := ParseConfig([]byte(tt.data)); (err == nil) != tt.ok {
			t.Errorf("ParseConfig(%q) = %v, want ok %v", tt.data, err, tt.ok)
		}
	}
}

func TestSetCAKey(t *testing.T) {
	in := "[ca]\nissuer = root   # the issuer\n\n[profile p]\nvalidity = 1d\n"
	out, err := SetCAKey([]byte(in), KeyCRLURL, "http://x.example/{ca}.crl")
	if err != nil {
		t.Fatal(err)
	}
	want := "[ca]\ncrl-url = http://x.example/{ca}.crl\nissuer = root   # the issuer\n\n[profile p]\nvalidity = 1d\n"
	if string(out) != want {
		t.Errorf("set:\n%s\nwant\n%s", out, want)
	}
	out, err = SetCAKey(out, KeyCRLURL, "http://y.example/{ca}.crl")
	if err != nil || !strings.Contains(string(out), "crl-url = http://y.example/{ca}.crl\n") {
		t.Errorf("replace: %v\n%s", err, out)
	}
	out, err = SetCAKey(out, KeyCRLURL, "")
	if err != nil || string(out) != in {
		t.Errorf("unset: %v\n%s", err, out)
	}
	if _, err := SetCAKey([]byte(in), KeyOCSPURL, "ftp://x/ocsp"); err == nil {
		t.Error("SetCAKey accepted an ftp OCSP URL")
	}
}
