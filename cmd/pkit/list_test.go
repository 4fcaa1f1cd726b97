package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/revoke"
)

// listTestStore is a store whose records cover what a listing prints
// differently: names to escape in JSON and wider than their bytes in a
// table, SANs or none, revoked, expired and valid, several profiles.
func listTestStore(t *testing.T, now time.Time) *ca.Store {
	t.Helper()
	s, err := ca.CreateStore(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	day := 24 * time.Hour
	for i, c := range []struct {
		name, profile string
		sans          []string
		expires       time.Duration
		revoke        revoke.Reason
	}{
		{"web.internal", "server", []string{"DNS:web.internal", "IP:10.0.0.1"}, 90 * day, -1},
		{"alice", "client", nil, 400 * day, -1},
		{"<script>&\"quoted\"\\", "client", []string{"email:a&b@example.com"}, 10 * day, revoke.KeyCompromise},
		{"grüße-ünïcödé", "server", []string{"DNS:xn--gre-7ka.example"}, -3 * day, -1},
		{"line-separator\u2028", "custom-profile", nil, 5 * day, revoke.Unspecified},
		{"bob", "client", []string{"URI:spiffe://x/y"}, 20 * day, -1},
		{"intermediate", "ca", nil, 3000 * day, -1},
	} {
		r := &ca.Record{Serial: big.NewInt(int64(0xabc000 + i*0x1011)), Name: c.name, Profile: c.profile, Issuer: "intermediate",
			Subject: "CN=" + c.name, SANs: c.sans, NotBefore: now.Add(-day), NotAfter: now.Add(c.expires),
			IssuedAt: now.Add(time.Duration(i) * time.Minute), DER: []byte("not a certificate")}
		if err := s.Insert(ctx, r); err != nil {
			t.Fatal(err)
		}
		if c.revoke >= 0 {
			if _, err := s.RevokeMany(ctx, []ca.Revocation{{Serial: r.Serial, Reason: c.revoke}}, now); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s
}

// pkit list --json and the table print, as the store reads the records,
// byte for byte what they printed when they held every record first
// (printJSON of the whole array, text/tabwriter over the whole table).
func TestListStreamsSameBytes(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	s := listTestStore(t, now)
	ctx := context.Background()
	for name, f := range map[string]ca.Filter{
		"all": {}, "no CAs": {ExceptProfiles: []string{"ca"}}, "revoked": {Revoked: true}, "profile": {Profile: "client"},
		"none": {Name: "nobody"}, "expiring": {After: now, Before: now.Add(30 * 24 * time.Hour)},
		"unicode name": {Name: "grüße-ünïcödé"}, "valid only": {Name: "alice"},
	} {
		t.Run(name, func(t *testing.T) {
			recs, err := s.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}

			// JSON, as printJSON wrote the whole array.
			var want bytes.Buffer
			all := make([]recordJSON, 0, len(recs))
			for _, r := range recs {
				all = append(all, toRecordJSON(r))
			}
			if err := (&env{stdout: &want}).printJSON(all); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			out := bufio.NewWriter(&got)
			if err := listJSON(ctx, out, s, f); err != nil {
				t.Fatal(err)
			}
			out.Flush()
			if got.String() != want.String() {
				t.Errorf("list --json streamed:\n%s\nwant:\n%s", got.String(), want.String())
			}

			// The table, as text/tabwriter aligned it, or a line on stderr.
			want.Reset()
			wantErr := "no certificates match\n"
			if len(recs) > 0 {
				wantErr = ""
				tw := tabwriter.NewWriter(&want, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "SERIAL\tNAME\tPROFILE\tSTATUS\tEXPIRES\tSANS")
				for _, r := range recs {
					status := string(r.Status)
					if r.Status == ca.StatusValid && now.After(r.NotAfter) {
						status = "expired"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", ca.SerialHex(r.Serial), r.Name, r.Profile, status,
						r.NotAfter.Format("2006-01-02"), strings.Join(r.SANs, ","))
				}
				tw.Flush()
			}
			// Read in one query (the rows fit), and sized by the store's
			// summary, then printed as the store reads the rows (they do not).
			for _, limit := range []int{ca.TableRowsHeld, len(recs), len(recs) - 1, 0} {
				var stderr bytes.Buffer
				got.Reset()
				out.Reset(&got)
				if err := listTable(ctx, out, &stderr, s, f, now, limit); err != nil {
					t.Fatal(err)
				}
				if got.String() != want.String() || stderr.String() != wantErr {
					t.Errorf("list table, at most %d rows in one query:\n%s\nstderr %q\nwant:\n%s\nstderr %q", limit,
						got.String(), stderr.String(), want.String(), wantErr)
				}
			}
		})
	}
}

// The JSON of one record is encoding/json's, also for what encoding/json
// escapes and for instants with nanoseconds; a year it cannot write is
// its error.
func TestRecordJSONAppend(t *testing.T) {
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	reason := 1
	for _, j := range []recordJSON{
		{Serial: "01", Name: "a", SANs: []string{}, NotBefore: at, NotAfter: at, IssuedAt: at, Status: "valid"},
		{Serial: "0abc", Name: "é<>&\"\\\x01\u2028\xff", Profile: "p", Issuer: "i", Subject: "CN=é", SANs: []string{"DNS:a", "IP:::1"},
			NotBefore: at.Add(123456789), NotAfter: at.In(time.FixedZone("x", 3600)), IssuedAt: at, Status: "revoked", RevokedAt: &at, Reason: &reason},
		{Serial: "02", SANs: []string{"x"}, NotBefore: at, NotAfter: time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC), IssuedAt: at},
	} {
		want, wantErr := json.MarshalIndent(j, "  ", "  ")
		got, err := j.appendIndented([]byte("prefix"))
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("appendIndented error %v, encoding/json's %v", err, wantErr)
		}
		if err == nil && string(got) != "prefix"+string(want) {
			t.Errorf("appendIndented:\n%s\nwant:\n%s", got, want)
		}
	}
}

// A listing whose output cannot be written stops reading the store and
// says why.
func TestListJSONWriteError(t *testing.T) {
	s := listTestStore(t, time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	out := bufio.NewWriterSize(failingWriter{}, 16)
	if err := listJSON(context.Background(), out, s, ca.Filter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("listJSON to a failing writer = %v", err)
	}
	if _, err := s.Count(context.Background()); err != nil {
		t.Fatalf("the store after the failed listing: %v", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }
