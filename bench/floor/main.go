// Command floor is pkit's issuance without its command line: it opens
// the CA directory, issues one client certificate with a .p12 and writes
// the three files, exactly as "pkit issue client NAME --p12" does after
// parsing its flags (ca.Authority.IssueTo: staged, recorded, placed, with
// the same sync calls). bench/issue.sh times it beside pkit to show how
// much of one pkit process is start-up and command-line handling; it is
// built as pkit is (make build: pure Go, starting on one CPU, which it
// gives back for an issuance as pkit issue does: internal/startcpu;
// internal/prefault, as cmd/pkit imports it, for the C build).
//
//	floor DIR OUTDIR NAME   (the .p12 password from PKIT_P12_PASSWORD)
//	floor                   exit at once: the start-up of pkit's libraries
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pkit/pkit/ca"
	_ "github.com/pkit/pkit/internal/prefault" // as cmd/pkit: the program mapped in at start
	"github.com/pkit/pkit/internal/startcpu"
)

func main() {
	if len(os.Args) == 1 {
		return
	}
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: floor DIR OUTDIR NAME")
		os.Exit(2)
	}
	startcpu.Release(os.Getenv("GOMAXPROCS") == "") // as cmd/pkit before an issuance
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(dir, out, name string) error {
	a, err := ca.Open(dir, ca.OpenOptions{})
	if err != nil {
		return err
	}
	defer a.Close()
	base := filepath.Join(out, name+"-client")
	outs := []ca.Output{{Kind: ca.OutCert, Path: base + ".pem"}, {Kind: ca.OutKey, Path: base + "-key.pem"},
		{Kind: ca.OutP12, Path: base + ".p12"}}
	plan := a.NewPlan(ca.PlanOptions{})
	if err := plan.Add("", outs...); err != nil {
		return err
	}
	_, err = a.IssueTo(context.Background(), &ca.Request{Profile: "client", Name: name}, plan,
		&ca.Outputs{Files: outs, P12Password: os.Getenv("PKIT_P12_PASSWORD")})
	return err
}
