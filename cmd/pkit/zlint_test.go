package main

// Lint: every certificate pkit makes passes zlint (github.com/zmap/zlint/v3,
// pinned to v3.6.1: later v3 releases need a dependency that cannot be
// fetched) with no error and no warning, apart from lints that only bind
// publicly-trusted CAs.

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pkit/pkit/ca"
	zx509 "github.com/zmap/zcrypto/x509"
	"github.com/zmap/zlint/v3"
	"github.com/zmap/zlint/v3/lint"
)

// publicOnlyLints are zlint lints that do not apply to a private CA. Each
// comes from the CA/Browser Forum Baseline Requirements (BR) or a root
// program's policy (Apple, Mozilla): rules a CA must follow to be trusted
// by browsers out of the box, which a private PKI is not. Every RFC 5280
// (and RFC 5480/8813/3279) lint stays on. The 825-day limit is kept on
// (e_sub_cert_valid_time_longer_than_825_days) because Apple enforces it for
// private roots too.
var publicOnlyLints = map[string]string{
	// BR 7.1.4.3.1: a CA's subject must carry countryName. A private CA's
	// name is the user's choice; RFC 5280 requires no attribute.
	"e_ca_country_name_missing": "BR subject rules for public CAs",
	// BR 7.1.2: public CAs publish certificate policies, AIA (OCSP and
	// caIssuers URLs) and CRLs reachable by browsers. pkit has no OCSP
	// responder and publishes CRLs only where --crl-url says.
	"e_sub_ca_certificate_policies_missing":          "BR policy OIDs for public sub-CAs",
	"e_sub_cert_certificate_policies_missing":        "BR policy OIDs for public leaves",
	"e_sub_cert_cert_policy_empty":                   "BR policy OIDs for public leaves",
	"e_sub_ca_crl_distribution_points_missing":       "BR: public sub-CAs must carry a CRL URL; pkit's is optional (--crl-url)",
	"e_sub_cert_aia_does_not_contain_ocsp_url":       "BR: public leaves must name an OCSP responder; pkit runs none",
	"e_sub_cert_aia_missing":                         "BR: public leaves must carry AIA",
	"w_sub_cert_aia_does_not_contain_issuing_ca_url": "BR: caIssuers URL for public leaves",
	"w_sub_ca_aia_missing":                           "BR: public sub-CAs carry AIA",
	"w_sub_ca_aia_does_not_contain_issuing_ca_url":   "BR: caIssuers URL for public sub-CAs",
	// BR 7.1.2.1: public roots should not set pathLenConstraint; a
	// two-tier private CA limits its root to path length 1 on purpose.
	"w_root_ca_basic_constraints_path_len_constraint_field_present": "BR root profile",
	// BR 7.1.4.2.2: the CN is "discouraged" for public TLS certificates;
	// pkit puts the first name in the CN and also in the SANs (RFC 6125).
	"w_subject_common_name_included": "BR leaf subject profile",
	// Apple's root program limits public TLS certificates to 398 days
	// (since 2020-09-01); for private roots Apple's limit is 825 days,
	// which the lint above checks.
	"e_tls_server_cert_valid_time_longer_than_398_days": "Apple root program, public roots only",
	"w_tls_server_cert_valid_time_longer_than_397_days": "Apple root program, public roots only",
	// BR 7.1.4.2.1 / 7.1.2.5: public CAs may not certify reserved IP
	// addresses (10.0.0.0/8, ::1, …). Internal addresses are exactly what
	// a private CA certifies (localhost, 127.0.0.1, ::1 in the quick start).
	"e_ext_san_contains_reserved_ip":  "BR: reserved IPs in public leaves",
	"e_ext_nc_intersects_reserved_ip": "BR: reserved IPs in public CA name constraints",
	// BR 7.1.3 allows only RSA and ECDSA keys and signatures; Ed25519 is
	// valid X.509 (RFC 8410) and pkit offers it, with a warning that
	// browsers refuse it.
	"e_algorithm_identifier_improper_encoding": "BR key algorithm list (fires for Ed25519 only)",
	"e_signature_algorithm_not_supported":      "BR signature algorithm list (fires for Ed25519 only)",
}

// lintFile runs every zlint lint on the PEM certificate in path and
// returns the errors and warnings not in publicOnlyLints.
func lintFile(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s: no PEM block", path)
	}
	c, err := zx509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("%s: zcrypto cannot parse it: %v", path, err)
	}
	rs := zlint.LintCertificate(c)
	var bad []string
	for name, r := range rs.Results {
		if r.Status < lint.Warn {
			continue
		}
		if _, ok := publicOnlyLints[name]; ok {
			continue
		}
		l := lint.GlobalRegistry().ByName(name)
		src := ""
		if l != nil {
			src = string(l.Source)
		}
		bad = append(bad, name+" ("+r.Status.String()+", "+src+") "+r.Details)
	}
	sort.Strings(bad)
	return bad
}

func TestZlint(t *testing.T) {
	type leaf struct{ name, file string }
	type setup struct {
		name   string
		kt     ca.KeyType
		init   []string
		leaves func(t *testing.T, d, caDir string, kt ca.KeyType) []leaf
	}
	standard := func(t *testing.T, d, caDir string, kt ca.KeyType) []leaf {
		common := []string{"--dir", caDir, "--key-type", string(kt), "--out-dir", d}
		pkitIn(t, append([]string{"issue", "server", "www.example.com", "*.example.com", "10.1.2.3", "::1"}, common...)...)
		pkitIn(t, append([]string{"issue", "client", "alice", "--email", "alice@example.com", "--uri", "spiffe://example.com/ns/a/sa/alice"}, common...)...)
		pkitIn(t, append([]string{"issue", "client", "svc", "--dns", "svc.example.com"}, common...)...)
		return []leaf{{"server", "www.example.com.pem"}, {"client", "alice-client.pem"}, {"client-dns", "svc-client.pem"}}
	}
	var setups []setup
	for _, kt := range ca.KeyTypes {
		setups = append(setups, setup{name: string(kt), kt: kt, leaves: standard})
	}
	// Name constraints, a CRL URL, and a single root that issues leaves
	// itself, with and without constraints.
	setups = append(setups,
		setup{name: "constrained", kt: ca.ECDSAP256, leaves: standard, init: []string{
			"--permit-dns", "example.com", "--exclude-dns", "secret.internal.example.com", "--permit-ip", "10.0.0.0/8",
			"--permit-ip", "::1/128", "--permit-email", "example.com", "--crl-url", "http://pki.example.com/crl/{ca}.crl"}},
		setup{name: "single-rsa", kt: ca.RSA2048, leaves: standard, init: []string{"--single", "--crl-url", "http://pki.example.com/crl/{ca}.crl"}},
		setup{name: "single-pathlen0", kt: ca.ECDSAP384, leaves: standard, init: []string{"--single", "--pathlen", "0"}},
	)
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			d := t.TempDir()
			caDir := filepath.Join(d, "pki")
			pkitIn(t, append([]string{"init", "--dir", caDir, "--no-encrypt", "--key-type", string(s.kt), "--name", "Lint " + s.name}, s.init...)...)
			files := []leaf{{"root", filepath.Join("pki", "ca", "root.crt")}}
			if _, err := os.Stat(filepath.Join(caDir, "ca", "intermediate.crt")); err == nil {
				files = append(files, leaf{"intermediate", filepath.Join("pki", "ca", "intermediate.crt")})
			}
			files = append(files, s.leaves(t, d, caDir, s.kt)...)
			for _, f := range files {
				if bad := lintFile(t, filepath.Join(d, f.file)); len(bad) > 0 {
					t.Errorf("%s certificate %s:\n  %s", f.name, f.file, strings.Join(bad, "\n  "))
				}
			}
		})
	}
}

// TestZlintExclusionsStillExist keeps the exclusion list honest: every
// name in it is a lint zlint knows and whose source is a public-trust
// policy, never RFC 5280.
func TestZlintExclusionsStillExist(t *testing.T) {
	for name := range publicOnlyLints {
		l := lint.GlobalRegistry().ByName(name)
		if l == nil {
			t.Errorf("excluded lint %q is unknown to zlint", name)
			continue
		}
		switch l.Source {
		case lint.CABFBaselineRequirements, lint.AppleRootStorePolicy, lint.MozillaRootStorePolicy:
		default:
			t.Errorf("excluded lint %q comes from %s, not a public-trust policy", name, l.Source)
		}
	}
}
