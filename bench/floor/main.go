// Command floor is pkit's issuance without its command line: it opens
// the CA directory, issues one client certificate with a .p12 and writes
// the three files, exactly as "pkit issue client NAME --p12" does after
// parsing its flags. bench/issue.sh times it beside pkit to show how much
// of one pkit process is start-up and command-line handling.
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
	"github.com/pkit/pkit/formats"
)

func main() {
	if len(os.Args) == 1 {
		return
	}
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: floor DIR OUTDIR NAME")
		os.Exit(2)
	}
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
	iss, err := a.Issue(context.Background(), &ca.Request{Profile: "client", Name: name})
	if err != nil {
		return err
	}
	key, err := formats.EncodePrivateKeyPEM(iss.Key)
	if err != nil {
		return err
	}
	p12, err := formats.EncodePKCS12(iss.Key, iss.Cert, iss.Chain, os.Getenv("PKIT_P12_PASSWORD"), formats.PKCS12Options{FriendlyName: name})
	if err != nil {
		return err
	}
	base := filepath.Join(out, name+"-client")
	return formats.WriteFiles([]formats.File{
		{Path: base + ".pem", Data: ca.WriteChainPEM(iss.Cert), Perm: 0o644},
		{Path: base + "-key.pem", Data: key, Perm: 0o600},
		{Path: base + ".p12", Data: p12, Perm: 0o600},
	}, false)
}
