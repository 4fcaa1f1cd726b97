package main

// One output contract (docs/output.md): serials and key identifiers are
// spelled the same by every command, so their JSON joins.

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

func TestJSONJoinsBySerialAndKeyID(t *testing.T) {
	d := t.TempDir()
	dir := filepath.Join(d, "pki")
	pkitIn(t, "init", "--dir", dir, "--no-encrypt", "--name", "Join")
	// Many serials so that one with a leading zero digit is likely among
	// them (the %X spelling once dropped it).
	var names []string
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		name := n + ".example.internal"
		names = append(names, name)
		pkitIn(t, "issue", "server", name, "--dir", dir, "--out-dir", d)
	}

	var list []struct {
		Name, Serial string
	}
	if err := json.Unmarshal([]byte(pkitIn(t, "list", "--dir", dir, "--json")), &list); err != nil {
		t.Fatal(err)
	}
	serialOf := map[string]string{}
	for _, r := range list {
		serialOf[r.Name] = r.Serial
	}

	var caShow struct {
		Serial       string `json:"serial"`
		SubjectKeyID string `json:"subject_key_id"`
	}
	if err := json.Unmarshal([]byte(pkitIn(t, "ca", "show", "intermediate", "--dir", dir, "--json")), &caShow); err != nil {
		t.Fatal(err)
	}
	if caShow.SubjectKeyID == "" {
		t.Fatal("ca show --json has no subject_key_id")
	}

	for _, name := range names {
		file := filepath.Join(d, name+".pem")
		var insp struct {
			Items []struct {
				Certificate struct {
					Serial         string `json:"serial"`
					AuthorityKeyID string `json:"authority_key_id"`
				} `json:"certificate"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(pkitIn(t, "inspect", file, "--json")), &insp); err != nil {
			t.Fatal(err)
		}
		var ver struct {
			Chain []struct {
				Serial         string `json:"serial"`
				SubjectKeyID   string `json:"subject_key_id"`
				AuthorityKeyID string `json:"authority_key_id"`
			} `json:"chain"`
		}
		if err := json.Unmarshal([]byte(pkitIn(t, "chain", "verify", file, "--dir", dir, "--json")), &ver); err != nil {
			t.Fatal(err)
		}
		if len(insp.Items) != 1 || len(ver.Chain) < 2 {
			t.Fatalf("%s: inspect items %d, chain %d", name, len(insp.Items), len(ver.Chain))
		}
		want := serialOf[name]
		if want == "" || insp.Items[0].Certificate.Serial != want || ver.Chain[0].Serial != want {
			t.Errorf("%s: serial list %q, inspect %q, chain verify %q", name, want, insp.Items[0].Certificate.Serial, ver.Chain[0].Serial)
		}
		if a := insp.Items[0].Certificate.AuthorityKeyID; a != caShow.SubjectKeyID || ver.Chain[0].AuthorityKeyID != a || ver.Chain[1].SubjectKeyID != a {
			t.Errorf("%s: key ids: inspect AKI %q, chain verify AKI %q, issuer SKI %q, ca show SKI %q", name, a, ver.Chain[0].AuthorityKeyID, ver.Chain[1].SubjectKeyID, caShow.SubjectKeyID)
		}
		if ver.Chain[1].Serial != caShow.Serial {
			t.Errorf("%s: issuer serial in chain verify %q, ca show %q", name, ver.Chain[1].Serial, caShow.Serial)
		}
	}
}
