package ca

import (
	"crypto/x509/pkix"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pkit/pkit/formats"
)

func TestConfigRoundTrip(t *testing.T) {
	for _, issuer := range []string{"intermediate", "root"} {
		c := DefaultConfig(issuer)
		c.CRLURL = "http://pki.example.internal/crl.der"
		c.Profiles["client"].Subject = pkix.Name{Country: []string{"DE"}, Organization: []string{"Acme, Inc."}, OrganizationalUnit: []string{"Ops", `a\b`}}
		c.Profiles["client"].AllowedSubject = []string{"OU"}
		c.Profiles["server"].AllowedSubject = []string{}
		got, err := ParseConfig(c.Marshal())
		if err != nil {
			t.Fatalf("ParseConfig(Marshal()): %v\n%s", err, c.Marshal())
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("round trip changed the config:\n got %+v\nwant %+v", got, c)
		}
	}
}

func TestParseConfig(t *testing.T) {
	data := `
# a comment line
[ca]
issuer = sub   # trailing comment
crl-url = http://crl.example/x.crl

[profile  web ]
validity = 90d
key-type = RSA-3072
key-usage = digitalSignature, KeyEncipherment
ext-key-usage = serverAuth,clientAuth
san-types = DNS, ip
require-san = true

[profile device]
validity = 12h
`
	c, err := ParseConfig([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "sub" || c.CRLURL != "http://crl.example/x.crl" {
		t.Errorf("[ca]: issuer %q crl-url %q", c.Issuer, c.CRLURL)
	}
	web := c.Profiles["web"]
	if web == nil {
		t.Fatalf("no profile web in %v", c.Profiles)
	}
	if web.Validity != 90*24*time.Hour || web.KeyType != RSA3072 || !web.RequireSAN ||
		!reflect.DeepEqual(web.SANTypes, []string{"dns", "ip"}) || len(web.ExtKeyUsage) != 2 ||
		formats.KeyUsageNames(web.KeyUsage)[1] != "keyEncipherment" {
		t.Errorf("profile web: %+v", web)
	}
	dev := c.Profiles["device"]
	if dev == nil || dev.Validity != 12*time.Hour || dev.KeyType != ECDSAP256 || dev.RequireSAN || len(dev.SANTypes) != 0 {
		t.Errorf("profile device (defaults): %+v", dev)
	}
}

func TestParseConfigErrors(t *testing.T) {
	const ok = "[ca]\nissuer = intermediate\n"
	tests := []struct {
		name     string
		data     string
		wantLine int
		wantIn   string // a word the message must name: the key or value at fault
	}{
		{"unclosed section", ok + "[profile x\n", 3, "closing"},
		{"unknown section", ok + "[profiles x]\n", 3, "profiles"},
		{"profile without name", ok + "[profile]\n", 3, "profile"},
		{"duplicate profile", ok + "[profile a]\n[profile a]\n", 4, `"a"`},
		{"not key = value", ok + "[profile a]\nvalidity 90d\n", 4, "validity 90d"},
		{"key before any section", "issuer = x\n[ca]\nissuer = y\n", 1, "issuer"},
		{"unknown ca key", ok + "crl = http://x\n", 3, `"crl"`},
		{"unknown profile key", ok + "# c\n\n[profile a]\nvalidty = 1d\n", 6, "validty"},
		{"bad validity", ok + "[profile a]\nvalidity = 90 days\n", 4, "validity"},
		{"zero validity", ok + "[profile a]\nvalidity = 0d\n", 4, "validity"},
		{"negative validity", ok + "[profile a]\nvalidity = -5h\n", 4, "validity"},
		{"bad key type", ok + "[profile a]\nkey-type = dsa\n", 4, "dsa"},
		{"bad key usage", ok + "[profile a]\nkey-usage = digitalSignature, certSign\n", 4, "certSign"},
		{"bad ext key usage", ok + "[profile a]\next-key-usage = anything\n", 4, "anything"},
		{"bad san type", ok + "[profile a]\nsan-types = dns, upn\n", 4, "upn"},
		{"bad bool", ok + "[profile a]\nrequire-san = yes please\n", 4, "yes please"},
		{"CN in subject", ok + "[profile a]\nsubject = O=Acme, CN=x\n", 4, "subject: CN is the certificate's name"},
		{"bad country", ok + "[profile a]\nsubject = C=Germany\n", 4, "C=Germany"},
		{"unknown allowed-subject field", ok + "[profile a]\nallowed-subject = O, CN\n", 4, `allowed-subject: unknown subject field "CN"`},
		{"no issuer", "[profile a]\nvalidity = 1d\n", 2, "issuer"},
		{"profile without validity", ok + "[profile a]\nvalidity = 1d\n[profile b]\nkey-type = rsa-2048\n[profile c]\n", 5, "[profile b] has no validity"},
		{"line too long", ok + "[profile a]\nvalidity = " + strings.Repeat("9", 70000) + "\n", 4, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.data))
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("ParseConfig: %v, want a *ConfigError", err)
			}
			if ce.Line != tt.wantLine {
				t.Errorf("line %d, want %d (%v)", ce.Line, tt.wantLine, err)
			}
			if !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("error %q does not name %q", err, tt.wantIn)
			}
		})
	}
}

func TestParseConfigEmpty(t *testing.T) {
	_, err := ParseConfig(nil)
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Line < 1 {
		t.Errorf("empty config: %v, want a *ConfigError at line 1 or later", err)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"825d", 825 * 24 * time.Hour, false},
		{"1y", 365 * 24 * time.Hour, false},
		{" 10y ", 3650 * 24 * time.Hour, false},
		{"12h", 12 * time.Hour, false},
		{"90m", 90 * time.Minute, false},
		{"1h30m", 90 * time.Minute, false},
		{"0d", 0, false},
		{"", 0, true},
		{"d", 0, true},
		{"-1d", 0, true},
		{"1.5d", 0, true},
		{"3w", 0, true},
		{"-2h", 0, true},
		{"99999999y", 0, true},
		// Overflow is an error, never a wrap: 585y used to be 21 days.
		{"585y", 0, true},
		{"293y", 0, true},
		{"101y", 0, true},
		{"100y", 36500 * 24 * time.Hour, false},
		{"36600d", 36600 * 24 * time.Hour, false},
		{"36601d", 0, true},
		{"99999999999999999999d", 0, true},
		{"2562048h", 0, true},
		{"9999999999999999999h", 0, true},
		{"1ns", time.Nanosecond, false}, // parsed; CheckLifetime refuses it
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil {
			back, err := ParseDuration(FormatDuration(got))
			if err != nil || back != got {
				t.Errorf("ParseDuration(FormatDuration(%v)) = %v, %v", got, back, err)
			}
		}
	}
}

func TestCheckLifetime(t *testing.T) {
	tests := []struct {
		d          time.Duration
		allowShort bool
		ok         bool
	}{
		{time.Minute, false, true},
		{365 * 24 * time.Hour, false, true},
		{59 * time.Second, false, false},
		{time.Nanosecond, false, false},
		{time.Nanosecond, true, true},
		{time.Second, true, true},
		{0, true, false},
		{-time.Hour, true, false},
	}
	for _, tt := range tests {
		err := CheckLifetime("--validity", tt.d, tt.allowShort)
		if (err == nil) != tt.ok {
			t.Errorf("CheckLifetime(%v, allowShort %v) = %v, want ok %v", tt.d, tt.allowShort, err, tt.ok)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "--validity ") {
			t.Errorf("error %q does not name the flag", err)
		}
	}
	// A profile in the config may not be shorter either.
	_, err := ParseConfig([]byte("[ca]\nissuer = root\n[profile p]\nvalidity = 30s\n"))
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Line != 4 {
		t.Errorf("a 30s profile: %v, want a *ConfigError at line 4", err)
	}
}

// FuzzParseConfig: the config file is edited by hand. Whatever it holds,
// ParseConfig must not panic, must fail only with a *ConfigError naming a
// line of the file, and a config it accepts must survive Marshal and
// ParseConfig unchanged.
func FuzzParseConfig(f *testing.F) {
	f.Add(DefaultConfig("intermediate").Marshal())
	f.Add([]byte("[ca]\nissuer = root\ncrl-url = http://x/y.crl\n[profile p]\nvalidity = 1h30m\nkey-type = ed25519\nsan-types = uri\n"))
	f.Add([]byte("[ca]\nissuer = x\n[profile a]\nkey-usage = digitalSignature,keyAgreement\next-key-usage=codeSigning\nrequire-san=1\n"))
	f.Add([]byte("[profile a\n"))
	f.Add([]byte("[ca]\r\nissuer = a # b\r\n"))
	f.Add([]byte("\xef\xbb\xbf[ca]\nissuer=a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T) is not a *ConfigError", err, err)
			}
			if lines := strings.Count(string(data), "\n") + 1; ce.Line < 1 || ce.Line > lines {
				t.Fatalf("error at line %d of a %d-line file: %v", ce.Line, lines, err)
			}
			return
		}
		again, err := ParseConfig(c.Marshal())
		if err != nil {
			t.Fatalf("the marshalled config does not parse: %v\n%s", err, c.Marshal())
		}
		if !reflect.DeepEqual(again, c) {
			t.Fatalf("round trip changed the config:\n got %+v\nwant %+v\n%s", again, c, c.Marshal())
		}
	})
}

func TestSetIssuer(t *testing.T) {
	tests := []struct {
		name, in, want, wantErr string
	}{
		{"value replaced, comment and spacing kept",
			"# mine\n[ca]\nissuer   = intermediate   # signs leaves\n\n[profile x]\nvalidity = 1d\n",
			"# mine\n[ca]\nissuer   = issuing-2   # signs leaves\n\n[profile x]\nvalidity = 1d\n", ""},
		{"no newline at the end",
			"[ca]\nissuer = intermediate",
			"[ca]\nissuer = issuing-2", ""},
		{"commented-out issuer is left alone",
			"[ca]\n# issuer = old\nissuer = intermediate\n",
			"[ca]\n# issuer = old\nissuer = issuing-2\n", ""},
		{"missing issuer added after [ca]",
			"[ca]\ncrl-url = http://x/crl\n",
			"[ca]\nissuer = issuing-2\ncrl-url = http://x/crl\n", ""},
		{"no [ca] section", "[profile x]\nvalidity = 1d\n", "", "no [ca] section"},
		{"result must parse", "[ca]\nissuer = intermediate\nbogus = 1\n", "", "unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SetIssuer([]byte(tt.in), "issuing-2")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
