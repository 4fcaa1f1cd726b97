package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
)

// TestInspectJSONDocumented runs "pkit inspect --json" on every kind of
// file (the fixtures openssl, keytool and NSS wrote in formats/testdata)
// and checks that every field it prints is documented in
// docs/inspect-json.md, so the documented schema and the output cannot
// drift apart.
func TestInspectJSONDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/inspect-json.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("`\"?([a-z0-9_]+)\"?`|\\{\"([a-z0-9_]+)\"|, \"([a-z0-9_]+)\"").FindAllStringSubmatch(string(doc), -1) {
		for _, g := range m[1:] {
			if g != "" {
				documented[g] = true
			}
		}
	}
	files := []struct{ name, password string }{
		{"leaf.pem", ""}, {"leaf.der", ""}, {"ca.pem", ""}, {"ca.crl", ""}, {"leaf.csr", ""},
		{"leaf.key", ""}, {"leaf-sec1.key", ""}, {"leaf-enc.key", "pw"}, {"leaf-enc.key", ""},
		{"rsa-legacy-enc.key", "pw"}, {"chain.p7b", ""}, {"openssl.p12", "pw"},
		{"openssl-legacy.p12", "pw"}, {"nss.p12", "pw"}, {"keytool.p12", "changeit"},
	}
	seen := map[string]bool{}
	for _, f := range files {
		var stdout, stderr bytes.Buffer
		e := &env{stdin: bytes.NewReader(nil), stdout: &stdout, stderr: &stderr, getenv: func(k string) string {
			if k == "PKIT_PASSWORD" {
				return f.password
			}
			return ""
		}}
		if code := e.main([]string{"pkit", "inspect", "--json", filepath.Join("../../formats/testdata", f.name)}); code != 0 {
			t.Fatalf("inspect %s: exit %d: %s", f.name, code, stderr.String())
		}
		var v any
		if err := json.Unmarshal(stdout.Bytes(), &v); err != nil {
			t.Fatalf("inspect %s: %v", f.name, err)
		}
		collectKeys(v, seen)
	}
	var missing []string
	for k := range seen {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("fields printed by inspect --json but not in docs/inspect-json.md: %v", missing)
	}
}

func collectKeys(v any, seen map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			seen[k] = true
			collectKeys(c, seen)
		}
	case []any:
		for _, c := range x {
			collectKeys(c, seen)
		}
	}
}
