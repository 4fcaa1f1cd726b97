package revoke

import (
	"errors"
	"testing"
)

func TestParseReason(t *testing.T) {
	tests := []struct {
		in      string
		want    Reason
		wantErr bool
	}{
		{"keyCompromise", KeyCompromise, false},
		{"KEYCOMPROMISE", KeyCompromise, false},
		{"key-compromise", KeyCompromise, false},
		{"key_compromise", KeyCompromise, false},
		{"CACompromise", CACompromise, false}, // OpenSSL's spelling
		{"cACompromise", CACompromise, false},
		{"certificateHold", CertificateHold, false},
		{" superseded ", Superseded, false},
		{"unspecified", Unspecified, false},
		{"0", Unspecified, false},
		{"9", PrivilegeWithdrawn, false},
		{"aACompromise", AACompromise, false},
		{"7", 0, true}, // unused code
		{"8", 0, true}, // removeFromCRL: delta CRLs only
		{"removeFromCRL", 0, true},
		{"stolen", 0, true},
		{"", 0, true},
		{"-1", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseReason(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseReason(%q) error %v", tt.in, err)
			}
			if err != nil && !errors.Is(err, ErrReason) {
				t.Fatalf("error %v does not wrap ErrReason", err)
			}
			if got != tt.want {
				t.Fatalf("ParseReason(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestReasonString(t *testing.T) {
	for _, r := range Reasons {
		back, err := ParseReason(r.String())
		if err != nil || back != r {
			t.Errorf("%d: String %q parses to %v, %v", int(r), r.String(), back, err)
		}
		if !r.Valid() {
			t.Errorf("%s is not Valid", r)
		}
	}
	if s := Reason(7).String(); s != "reason(7)" {
		t.Errorf("Reason(7).String() = %q", s)
	}
	if RemoveFromCRL.Valid() || Reason(11).Valid() {
		t.Error("removeFromCRL or 11 is Valid")
	}
}

func FuzzParseReason(f *testing.F) {
	for _, s := range []string{"keyCompromise", "CACompromise", "key-compromise", "6", "-1", "", "removeFromCRL"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseReason(s)
		if err != nil {
			if !errors.Is(err, ErrReason) {
				t.Fatalf("error %v does not wrap ErrReason", err)
			}
			return
		}
		if !r.Valid() {
			t.Fatalf("ParseReason(%q) = %d, not a valid reason", s, int(r))
		}
		if back, err := ParseReason(r.String()); err != nil || back != r {
			t.Fatalf("%q: %s does not round-trip", s, r)
		}
	})
}
