// Command gen builds the benchmark CA for bench/crl.sh: a pkit CA directory
// whose store holds N revoked certificates, inserted in one transaction
// (not N pkit processes), and the OpenSSL "ca" database (index.txt and an
// openssl.cnf) describing the same N revocations, so "pkit crl" and
// "openssl ca -gencrl" sign the same CRL. sample.pem is one of the
// revoked certificates, for "pkit crl check".
//
//	go run ./bench/gen -dir /tmp/crlbench -n 1000000
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/revoke"
)

func main() {
	dir := flag.String("dir", "crlbench", "output folder (pki/ and openssl/ are made in it)")
	n := flag.Int("n", 1000000, "number of revoked certificates")
	flag.Parse()
	if err := run(*dir, *n); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string, n int) error {
	ctx := context.Background()
	pki := filepath.Join(dir, "pki")
	if err := ca.Init(pki, ca.InitOptions{Name: "Bench", Protection: ca.Protection{None: true}}); err != nil {
		return err
	}
	a, err := ca.Open(pki, ca.OpenOptions{})
	if err != nil {
		return err
	}
	defer a.Close()
	// One real certificate; its DER stands in for every row's, so rows
	// have a realistic size.
	sample, err := a.Issue(ctx, &ca.Request{Profile: "client", Name: "sample"})
	if err != nil {
		return err
	}
	// Revoking it through pkit also makes the store's index of revocations
	// before the bulk insert, as a store in use would have it.
	if _, err := a.Revoke(ctx, ca.Revocation{Serial: sample.Cert.SerialNumber, Reason: revoke.KeyCompromise}); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "sample.pem"), ca.WriteChainPEM(sample.Cert), 0o644); err != nil {
		return err
	}
	ossl := filepath.Join(dir, "openssl")
	if err := os.MkdirAll(ossl, 0o755); err != nil {
		return err
	}
	idx, err := os.Create(filepath.Join(ossl, "index.txt"))
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(idx, 1<<20)
	fmt.Fprintf(w, "R\t%s\t%s,keyCompromise\t%s\tunknown\t/CN=sample\n", sample.Cert.NotAfter.UTC().Format("060102150405Z"),
		a.Now().UTC().Format("060102150405Z"), strings.ToUpper(ca.SerialHex(sample.Cert.SerialNumber)))

	tx, err := a.Store.DB().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO certs
		(serial, name, profile, issuer, subject, sans, not_before, not_after, issued_at, status, revoked_at, reason, invalid_at, der)
		VALUES (?, ?, 'client', ?, ?, '', ?, ?, ?, 'revoked', ?, ?, NULL, ?)`)
	if err != nil {
		return err
	}
	reasons := []revoke.Reason{revoke.Unspecified, revoke.KeyCompromise, revoke.Superseded, revoke.CessationOfOperation, revoke.AffiliationChanged}
	opensslReason := map[revoke.Reason]string{revoke.KeyCompromise: "keyCompromise", revoke.Superseded: "superseded",
		revoke.CessationOfOperation: "cessationOfOperation", revoke.AffiliationChanged: "affiliationChanged"}
	now := time.Now().UTC().Truncate(time.Second)
	notAfter := now.Add(365 * 24 * time.Hour)
	var serial [16]byte
	for i := range n {
		for j := range serial {
			serial[j] = byte(rand.Uint32())
		}
		serial[0] = serial[0]&0x7f | 0x10
		hexSerial := fmt.Sprintf("%x", serial[:])
		name := fmt.Sprintf("bench-%d", i)
		revokedAt := now.Add(-time.Duration(rand.IntN(86400*300)) * time.Second)
		reason := reasons[i%len(reasons)]
		if _, err := st.ExecContext(ctx, hexSerial, name, a.Config.Issuer, "CN="+name, now.Add(-24*time.Hour).Unix(),
			notAfter.Unix(), now.Unix(), revokedAt.Unix(), int(reason), sample.Cert.Raw); err != nil {
			return err
		}
		rev := revokedAt.Format("060102150405Z")
		if r, ok := opensslReason[reason]; ok {
			rev += "," + r
		}
		fmt.Fprintf(w, "R\t%s\t%s\t%s\tunknown\t/CN=%s\n", notAfter.Format("060102150405Z"), rev, strings.ToUpper(hexSerial), name)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := idx.Close(); err != nil {
		return err
	}
	issuer := a.Config.Issuer
	cnf := fmt.Sprintf(`[ ca ]
default_ca = bench
[ bench ]
database         = %[1]s/index.txt
crlnumber        = %[1]s/crlnumber
certificate      = %[2]s/ca/%[3]s.crt
private_key      = %[2]s/ca/%[3]s.key
default_md       = sha256
default_crl_days = 7
crl_extensions   = crl_ext
unique_subject   = no
[ crl_ext ]
authorityKeyIdentifier = keyid:always
`, abs(ossl), abs(pki), issuer)
	if err := os.WriteFile(filepath.Join(ossl, "openssl.cnf"), []byte(cnf), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(ossl, "crlnumber"), []byte("01\n"), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: %d revoked certificates of CA %q in %s, index.txt in %s\n", n, issuer, pki, ossl)
	return nil
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}
