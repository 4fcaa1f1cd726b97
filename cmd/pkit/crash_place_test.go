//go:build unix

package main

// Crash safety of the store and the files together: "pkit issue" and
// "pkit issue --batch" killed with SIGKILL at random moments, and after
// each kill one settling command ("pkit store check --repair", or the
// next "pkit issue", which settles on its own). Then, read from the store
// and the disk directly: no certificate is still marked as being placed,
// every recorded file of a certificate is on disk with the bytes that
// were recorded, and every file on disk is the recorded file of a
// certificate in the store.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/formats"
)

func TestCrashPlacement(t *testing.T) {
	if testing.Short() {
		t.Skip("many processes; skipped with -short")
	}
	bin := buildPkit(t)
	d := t.TempDir()
	caDir, out := filepath.Join(d, "pki"), filepath.Join(d, "out")
	pkitIn(t, "init", "--dir", caDir, "--no-encrypt", "--name", "Crash Place")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	issueArgs := func(name string, force bool) []string {
		a := []string{"issue", "server", name, "--dir", caDir, "--out-dir", out, "--chain", "--json"}
		if force {
			a = append(a, "--force")
		}
		return a
	}
	// The kills of single issues land around the end of a run, where the
	// files are placed: est follows how long a run takes on this machine
	// now. Batches place files all along, so their kills land anywhere.
	start := time.Now()
	if o, err := pkitCmd(context.Background(), bin, issueArgs("warm.internal", false)...).CombinedOutput(); err != nil {
		t.Fatalf("pkit issue: %v\n%s", err, o)
	}
	est := time.Since(start)
	batchLimit := 4 * est

	var killed, completed, pendingSeen int
	var names []string
	begin := time.Now()
	for trial := 0; trial < 100 && (trial < 16 || time.Since(begin) < 6*time.Second); trial++ {
		var res crashRun
		switch {
		case trial%3 == 2: // a batch of rows issued by parallel workers
			manifest := filepath.Join(d, fmt.Sprintf("batch%d.csv", trial))
			csv := "profile,name,dns\n"
			for i := range 8 {
				csv += fmt.Sprintf("server,b%d-%d.internal,b%d-%d.internal\n", trial, i, trial, i)
			}
			if err := os.WriteFile(manifest, []byte(csv), 0o644); err != nil {
				t.Fatal(err)
			}
			res = killAtRandom(t, bin, []string{"issue", "--batch", manifest, "--dir", caDir, "--out-dir", out, "--json"}, rand.N(batchLimit))
			if res.killed {
				batchLimit = batchLimit * 21 / 20
			} else {
				batchLimit = batchLimit * 19 / 20
			}
		default: // one certificate; every fourth overwrites an earlier name
			name, force := fmt.Sprintf("t%d.internal", trial), false
			if trial%4 == 3 && len(names) > 0 {
				name, force = names[rand.N(len(names))], true
			}
			began := time.Now()
			res = killAtRandom(t, bin, issueArgs(name, force), time.Duration(float64(est)*(0.5+0.6*rand.Float64())))
			if !res.killed {
				est = (3*est + time.Since(began)) / 4
			}
			names = append(names, name)
		}
		if res.killed {
			killed++
		} else {
			completed++
		}

		// One settling command: store check --repair, or the next issue.
		pendingSeen += pendingPlacements(t, caDir)
		settle := []string{"store", "check", "--repair", "--dir", caDir}
		if trial%2 == 1 {
			name := fmt.Sprintf("s%d.internal", trial)
			settle = issueArgs(name, false)
			names = append(names, name)
		}
		if o, err := pkitCmd(context.Background(), bin, settle...).CombinedOutput(); err != nil {
			t.Fatalf("trial %d: pkit %s after the kill: %v\n%s", trial, strings.Join(settle, " "), err, o)
		}
		checkPlacement(t, trial, caDir, out, res)
	}
	t.Logf("%d runs killed, %d completed; %d certificates were left marked as being placed, and settled", killed, completed, pendingSeen)
	if killed < 5 || completed < 5 {
		t.Errorf("%d killed, %d completed: the test needs plenty of both", killed, completed)
	}
	// And store check agrees.
	if o, err := pkitCmd(context.Background(), bin, "store", "check", "--dir", caDir).CombinedOutput(); err != nil {
		t.Errorf("store check at the end: %v\n%s", err, o)
	}
}

// pendingPlacements counts the certificates marked as being placed.
func pendingPlacements(t *testing.T, caDir string) int {
	t.Helper()
	st, err := ca.OpenStore(filepath.Join(caDir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var n int
	st.DB().QueryRow("SELECT count(*) FROM placements").Scan(&n)
	return n
}

// checkPlacement fails t unless the store and the folder out agree after
// a settled trial: no placement is pending; every path the store records
// holds, on disk, the bytes recorded for its newest certificate, and a
// certificate file holds that certificate (a key file its key); every
// file in out is such a path; and every serial res reported is recorded.
func checkPlacement(t *testing.T, trial int, caDir, out string, res crashRun) {
	t.Helper()
	st, err := ca.OpenStore(filepath.Join(caDir, "store"))
	if err != nil {
		t.Fatalf("trial %d: the store does not open: %v", trial, err)
	}
	defer st.Close()
	db := st.DB()
	var pending int
	if err := db.QueryRow("SELECT count(*) FROM placements").Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending != 0 {
		t.Errorf("trial %d: %d placements still pending after settling", trial, pending)
	}
	// The newest record of each path, straight from the tables.
	rows, err := db.Query(`SELECT f.path, f.kind, f.sha256, c.der FROM cert_files f JOIN certs c ON c.serial = f.serial
		WHERE f.rowid = (SELECT max(g.rowid) FROM cert_files g WHERE g.path = f.path)`)
	if err != nil {
		t.Fatal(err)
	}
	type owned struct {
		kind string
		sum  []byte
		der  []byte
	}
	owners := map[string]owned{}
	for rows.Next() {
		var path string
		var o owned
		if err := rows.Scan(&path, &o.kind, &o.sum, &o.der); err != nil {
			t.Fatal(err)
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(caDir, filepath.FromSlash(path))
		}
		owners[path] = o
	}
	rows.Close()
	var recorded, orphans int
	db.QueryRow("SELECT count(*) FROM certs WHERE profile != 'ca'").Scan(&recorded)
	db.QueryRow("SELECT count(*) FROM certs WHERE profile != 'ca' AND serial NOT IN (SELECT serial FROM cert_files)").Scan(&orphans)
	if orphans != 0 {
		t.Errorf("trial %d: %d of %d certificates recorded without files", trial, orphans, recorded)
	}
	for _, serial := range res.serials {
		var n int
		db.QueryRow("SELECT count(*) FROM certs WHERE serial = ?", serial).Scan(&n)
		if n != 1 {
			t.Errorf("trial %d: the command reported serial %s, which is not in the store", trial, serial)
		}
	}
	// Store -> disk.
	for path, o := range owners {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("trial %d: a recorded file is not on disk: %v", trial, err)
			continue
		}
		if sum := sha256.Sum256(data); !bytes.Equal(sum[:], o.sum) {
			t.Errorf("trial %d: %s does not hold the bytes recorded for it", trial, path)
		}
		cert, err := x509.ParseCertificate(o.der)
		if err != nil {
			t.Fatal(err)
		}
		switch o.kind {
		case "cert", "chain":
			b, _ := pem.Decode(data)
			if b == nil || !bytes.Equal(b.Bytes, o.der) {
				t.Errorf("trial %d: %s does not start with its recorded certificate", trial, path)
			}
		case "key":
			k, err := formats.ParsePrivateKey(data, nil)
			if err != nil || !k.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(cert.PublicKey) {
				t.Errorf("trial %d: %s is not the key of its recorded certificate (%v)", trial, path, err)
			}
		}
	}
	// Disk -> store.
	ents, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		path := filepath.Join(out, e.Name())
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("trial %d: a hidden file is left after settling: %s", trial, path)
			continue
		}
		if _, ok := owners[path]; !ok {
			t.Errorf("trial %d: %s is on disk but no certificate in the store was issued to it", trial, path)
		}
	}
}
