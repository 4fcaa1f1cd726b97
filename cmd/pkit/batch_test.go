package main

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestParseManifest(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []manifestRow // Line and Row included
		wantBad []string      // per bad row: "line:row:message part"
		wantErr string        // the whole manifest is refused
		secret  string        // must not appear in the error
	}{
		{
			name: "JSON: strings or lists for SANs, p12 as boolean or yes/no",
			in: `[
  {"profile": "server", "name": "db.internal", "ip": "10.2.2.2", "dns": ["a.internal", "b.internal"]},
  {"profile": "client", "name": "bob", "email": "bob@example.com", "p12": "yes"},
  {"profile": "client", "name": "carol", "p12": true, "uri": null},
  {"profile": "client", "name": "dan", "p12": "no", "validity": "90d", "key_type": "rsa-2048"}
]`,
			want: []manifestRow{
				{Line: 2, Row: 1, Profile: "server", Name: "db.internal", IP: []string{"10.2.2.2"}, DNS: []string{"a.internal", "b.internal"}},
				{Line: 3, Row: 2, Profile: "client", Name: "bob", Email: []string{"bob@example.com"}, P12: true},
				{Line: 4, Row: 3, Profile: "client", Name: "carol", P12: true},
				{Line: 5, Row: 4, Profile: "client", Name: "dan", Validity: "90d", KeyType: "rsa-2048"},
			},
		},
		{
			name: "JSON: type mistakes name the row and field, not Go types",
			in: `[
  {"profile": "server", "name": "x.internal", "ip": 10},
  {"profile": "server", "name": "y.internal", "p12": 3},
  {"profile": "server", "name": "z.internal", "dns": ["ok.internal", 5]},
  {"profile": "server", "name": "w.internal", "colour": "red"},
  "just a string",
  {"profile": "server", "name": 7},
  {"profile": "server", "name": "v.internal", "p12": "maybe"}
]`,
			wantBad: []string{
				`2:1:row 1: field "ip": want a string or a list of strings, got a number`,
				`3:2:row 2: field "p12": want true, false, "yes" or "no", got a number`,
				`4:3:row 3: field "dns": want a string or a list of strings, got a list with a number`,
				`5:4:row 4: unknown field "colour"`,
				`6:5:row 5: want an object`,
				`7:6:row 6: field "name": want a string, got a number`,
				`8:7:row 7: field "p12": "maybe" is not yes or no`,
			},
		},
		{
			name:    "JSON: an object, not an array",
			in:      `{"profile": "server", "name": "a.internal"}`,
			wantErr: "a JSON manifest is an array of objects",
		},
		{
			name:    "JSON: a syntax error has a line",
			in:      "[\n  {\"profile\": \"server\",,}\n]",
			wantErr: "line 2: invalid character",
		},
		{
			name: "CSV: cells split on spaces and semicolons, p12 yes/no",
			in:   "profile,name,dns,p12\nserver,a.internal,b.internal;c.internal d.internal,no\n# a comment\nclient,alice,,yes\nclient,bob,,maybe\nclient,carol\n",
			want: []manifestRow{
				{Line: 2, Row: 1, Profile: "server", Name: "a.internal", DNS: []string{"b.internal", "c.internal", "d.internal"}},
				{Line: 4, Row: 2, Profile: "client", Name: "alice", P12: true},
			},
			wantBad: []string{`5:3:p12 "maybe" is not yes or no`, `6:4:has 2 fields, the header has 4`},
		},
		{
			name:    "CSV: unknown column",
			in:      "profile,name,colour\n",
			wantErr: `line 1: unknown column "colour"`,
		},
		{
			name:    "CSV: unknown column after comments names its line",
			in:      "# certificates\nprofile,name,expires_at\n",
			wantErr: `line 2: unknown column "expires_at"`,
		},
		{
			name:    "CSV: a passphrase is not a header row and is not quoted",
			in:      "correct horse battery\n",
			wantErr: "line 1 is not a header row",
			secret:  "correct",
		},
		{
			name:    "CSV: a one-word passphrase is not a header row either",
			in:      "hunter2\n",
			wantErr: "line 1 is not a header row",
			secret:  "hunter2",
		},
		{
			name:    "CSV: an age identity file is not a header row",
			in:      "# created: 2024-05-01T10:00:00Z\n# public key: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\nAGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX\n",
			wantErr: "line 3 is not a header row",
			secret:  "gfpyysjz",
		},
		{
			name:    "CSV: a long cell beside real columns is not quoted",
			in:      "profile,name,age-secret-key-1gfpyysjzgfpyysjzgfpyysjz\n",
			wantErr: "line 1 is not a header row",
			secret:  "gfpyysjz",
		},
		{name: "empty", in: " \n", wantErr: "the manifest is empty"},
	}
	goType := regexp.MustCompile(`Go |struct|\[\]string|manifestRow|json:`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, bad, err := parseManifest([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseManifest: %v, want an error with %q", err, tt.wantErr)
				}
				if tt.secret != "" && strings.Contains(strings.ToLower(err.Error()), tt.secret) {
					t.Errorf("parseManifest: %q quotes the secret %q", err, tt.secret)
				}
				if strings.Contains(err.Error(), "not a header row") && !strings.Contains(err.Error(), "columns: "+strings.Join(manifestFields, ",")) {
					t.Errorf("parseManifest: %q does not list the columns", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseManifest: %v", err)
			}
			if !slices.EqualFunc(rows, tt.want, rowsEqual) {
				t.Errorf("rows:\n got %+v\nwant %+v", rows, tt.want)
			}
			if len(bad) != len(tt.wantBad) {
				t.Fatalf("bad rows: got %d (%v), want %d", len(bad), bad, len(tt.wantBad))
			}
			for i, b := range bad {
				parts := strings.SplitN(tt.wantBad[i], ":", 3)
				got := b.err.Error()
				if strconv.Itoa(b.line) != parts[0] || strconv.Itoa(b.row) != parts[1] || !strings.Contains(got, parts[2]) {
					t.Errorf("bad row %d: line %d row %d %q, want %s", i, b.line, b.row, got, tt.wantBad[i])
				}
				if goType.MatchString(got) {
					t.Errorf("bad row %d: %q shows Go internals", i, got)
				}
			}
		})
	}
}

func rowsEqual(a, b manifestRow) bool {
	return a.Line == b.Line && a.Row == b.Row && a.Profile == b.Profile && a.Name == b.Name &&
		slices.Equal(a.DNS, b.DNS) && slices.Equal(a.IP, b.IP) && slices.Equal(a.Email, b.Email) && slices.Equal(a.URI, b.URI) &&
		a.P12 == b.P12 && a.Validity == b.Validity && a.KeyType == b.KeyType && a.Subject == b.Subject
}

// FuzzParseManifest: any bytes give rows, bad rows or an error, never a
// panic, and every bad row has a line and a message without Go internals.
func FuzzParseManifest(f *testing.F) {
	for _, s := range []string{
		"profile,name,dns,ip,email,uri,p12\nserver,web.internal,www.web.internal;api.web.internal,10.1.1.1,,,no\nclient,alice,,,alice@example.com,,yes\n",
		`[{"profile": "server", "name": "db.internal", "ip": "10.2.2.2"}, {"profile": "client", "name": "bob", "email": ["bob@example.com"], "p12": true}]`,
		`[{"ip": 10}, "x", null, {"p12": [true]}]`,
		"profile,name\n\"unterminated\n",
		"{}",
	} {
		f.Add([]byte(s))
	}
	goType := regexp.MustCompile(`Go (struct|value)|manifestRow`)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, bad, err := parseManifest(data)
		if err != nil && goType.MatchString(err.Error()) {
			t.Errorf("error shows Go internals: %v", err)
		}
		for _, b := range bad {
			if b.line < 1 || b.err == nil {
				t.Errorf("bad row without line or message: %+v", b)
			} else if goType.MatchString(b.err.Error()) {
				t.Errorf("bad row shows Go internals: %v", b.err)
			}
		}
	})
}
