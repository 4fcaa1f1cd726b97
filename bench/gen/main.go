// Command gen builds benchmark CAs: a pkit CA directory whose store holds
// N certificates, inserted in one transaction with a prepared statement
// (not N pkit processes), about 40,000 rows a second.
//
// For bench/crl.sh (the defaults): N revoked certificates, and the
// OpenSSL "ca" database (index.txt and an openssl.cnf) describing the
// same N revocations, so "pkit crl" and "openssl ca -gencrl" sign the
// same CRL. sample.pem is one of the revoked certificates, for "pkit crl
// check".
//
//	go run ./bench/gen -dir /tmp/crlbench -n 1000000
//
// For bench/store.sh: a store as a CA that has issued for years holds it:
// -span spreads the issuance dates evenly over that long before now, in
// the order of the rows (each certificate valid for a year, so most have
// expired), -revoked is the
// share of them revoked, names repeat (renewals: two certificates per
// name), profiles alternate between server and client, and -openssl=false
// skips index.txt.
//
//	go run ./bench/gen -dir /tmp/storebench -n 1000000 -revoked 0.1 -span 87600h -openssl=false
//
// Every row carries the DER of one real certificate, so rows have a
// realistic size, and a key fingerprint of its own.
package main

import (
	"bufio"
	"context"
	crand "crypto/rand"
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
	o := options{}
	flag.StringVar(&o.dir, "dir", "crlbench", "output folder (pki/ and openssl/ are made in it)")
	flag.IntVar(&o.n, "n", 1000000, "number of certificates")
	flag.Float64Var(&o.revoked, "revoked", 1, "share of the certificates that are revoked (0 to 1)")
	flag.DurationVar(&o.span, "span", 0, "issue the certificates over this long before now, each valid for a year (0: all issued now)")
	flag.BoolVar(&o.openssl, "openssl", true, "write the OpenSSL ca database (index.txt, openssl.cnf) of the revocations")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

type options struct {
	dir     string
	n       int
	revoked float64
	span    time.Duration
	openssl bool
}

func run(o options) error {
	ctx := context.Background()
	started := time.Now()
	pki := filepath.Join(o.dir, "pki")
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
	if err := os.WriteFile(filepath.Join(o.dir, "sample.pem"), ca.WriteChainPEM(sample.Cert), 0o644); err != nil {
		return err
	}
	w := bufio.NewWriter(nil)
	var idx *os.File
	ossl := filepath.Join(o.dir, "openssl")
	if o.openssl {
		if err := os.MkdirAll(ossl, 0o755); err != nil {
			return err
		}
		if idx, err = os.Create(filepath.Join(ossl, "index.txt")); err != nil {
			return err
		}
		w = bufio.NewWriterSize(idx, 1<<20)
		fmt.Fprintf(w, "R\t%s\t%s,keyCompromise\t%s\tunknown\t/CN=sample\n", sample.Cert.NotAfter.UTC().Format("060102150405Z"),
			a.Now().UTC().Format("060102150405Z"), strings.ToUpper(ca.SerialHex(sample.Cert.SerialNumber)))
	}

	// Bulk mode: the rows go in as one transaction with a rollback journal
	// (a million rows through the WAL would write them twice) and a page
	// cache that holds the indexes; the store is back in WAL mode after.
	db := a.Store.DB()
	for _, p := range []string{"PRAGMA journal_mode=DELETE", "PRAGMA synchronous=OFF", "PRAGMA cache_size=-1048576"} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			return err
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO certs
		(serial, name, profile, issuer, subject, sans, not_before, not_after, issued_at, status, revoked_at, reason, invalid_at, der, key_sha256)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`)
	if err != nil {
		return err
	}
	reasons := []revoke.Reason{revoke.Unspecified, revoke.KeyCompromise, revoke.Superseded, revoke.CessationOfOperation, revoke.AffiliationChanged}
	opensslReason := map[revoke.Reason]string{revoke.KeyCompromise: "keyCompromise", revoke.Superseded: "superseded",
		revoke.CessationOfOperation: "cessationOfOperation", revoke.AffiliationChanged: "affiliationChanged"}
	now := time.Now().UTC().Truncate(time.Second)
	const year = 365 * 24 * time.Hour
	var (
		serial [16]byte
		key    [32]byte
	)
	nrevoked := 0
	for i := range o.n {
		for j := range serial {
			serial[j] = byte(rand.Uint32())
		}
		serial[0] = serial[0]&0x7f | 0x10
		crand.Read(key[:])
		hexSerial := fmt.Sprintf("%x", serial[:])
		issuedAt, notAfter := now, now.Add(year)
		if o.span > 0 {
			// In the order they were issued, as a store grows.
			issuedAt = now.Add(-o.span + time.Duration(float64(o.span)*float64(i)/float64(o.n))).Truncate(time.Second)
			notAfter = issuedAt.Add(year)
		}
		name, profile, sans := fmt.Sprintf("bench-%d", i), "client", ""
		if o.revoked < 1 {
			// Renewals: two certificates per name; servers and clients.
			name = fmt.Sprintf("user-%d", i/2)
			if i/2%2 == 0 {
				name, profile = fmt.Sprintf("host-%d.bench.internal", i/2), "server"
				sans = "DNS:" + name
			}
		}
		revoked := float64(i%1000) < o.revoked*1000
		status, revokedAt, reason := "valid", any(nil), any(nil)
		var rev time.Time
		if revoked {
			nrevoked++
			if o.span > 0 { // while it was valid
				end := notAfter
				if now.Before(end) {
					end = now
				}
				rev = issuedAt.Add(time.Duration(rand.Int64N(int64(end.Sub(issuedAt)/time.Second)+1)) * time.Second)
			} else {
				rev = now.Add(-time.Duration(rand.IntN(86400*300)) * time.Second)
			}
			r := reasons[nrevoked%len(reasons)]
			status, revokedAt, reason = "revoked", rev.Unix(), int(r)
			if o.openssl {
				field := rev.Format("060102150405Z")
				if s, ok := opensslReason[r]; ok {
					field += "," + s
				}
				fmt.Fprintf(w, "R\t%s\t%s\t%s\tunknown\t/CN=%s\n", notAfter.Format("060102150405Z"), field, strings.ToUpper(hexSerial), name)
			}
		}
		if _, err := st.ExecContext(ctx, hexSerial, name, profile, a.Config.Issuer, "CN="+name, sans, issuedAt.Add(-time.Hour).Unix(),
			notAfter.Unix(), issuedAt.Unix(), status, revokedAt, reason, sample.Cert.Raw, key[:]); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for _, p := range []string{"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL"} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "gen: %d certificates (%d revoked) of CA %q in %s, in %.1f s\n", o.n, nrevoked, a.Config.Issuer, pki,
		time.Since(started).Seconds())
	if !o.openssl {
		return nil
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
	fmt.Fprintf(os.Stderr, "gen: index.txt in %s\n", ossl)
	return nil
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}
