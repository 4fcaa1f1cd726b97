package main

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/chain"
	"github.com/pkit/pkit/formats"
	"github.com/pkit/pkit/revoke"
	"github.com/urfave/cli/v2"
)

func chainCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "chain",
		Usage: "build ordered chains from any pile of certificates, and verify them",
		Description: `EXAMPLES (after "pkit quickstart")
   pkit chain build pki/certs/localhost.pem pki/ca/intermediate.crt > chain.pem
   pkit chain build pki/certs/ --leaf localhost --with-root --json
   pkit chain verify pki/certs/localhost-chain.pem --purpose server --host localhost
   pkit chain verify pki/certs/client.pem --purpose client --roots pki/ca/root.crt --bundle pki/ca/intermediate.crt`,
		// Subcommands: chainBuildCommand, chainVerifyCommand (see commands).
	}
}

func chainBuildCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "build",
		Usage:     "write the chain in the right order, leaf first, from any mixture of certificates",
		UsageText: "pkit chain build FILE|DIR|-… [flags]",
		Description: `Reads PEM bundles, DER, .p7b and .p12 files, directories (every file in
   them) and - for standard input, finds the leaf and its issuers — by name,
   key identifier and signature, never by names alone — and writes the chain
   as PEM, leaf first, then each issuer up to the root (the root itself only
   with --with-root). Duplicates and decoys are dropped.

   The password of a .p12 comes from --password-file, PKIT_PASSWORD or the
   terminal, as for inspect and convert. In a directory, a .p12 that no
   given password opens is left out with a note.

   With several leaves, pick one with --leaf (a file, a common name, a
   subject or a SHA-256 fingerprint prefix). With cross-signed intermediates,
   --roots picks the path to a root you trust; otherwise the shortest
   complete path wins and a note says so.

   The CA directory (--dir or PKIT_DIR; by default ./pki when it holds a CA
   and no --roots is given) lends its intermediates to complete the chain
   and its roots to end it. A chain that does not reach a root given with
   --roots, --dir or PKIT_DIR is an error. Roots are self-signed, as
   OpenSSL, nginx and HAProxy take them: an intermediate given with --roots
   only helps build the path, unless --partial-chain trusts it as openssl
   -partial_chain does.

EXAMPLES (after "pkit quickstart")
   pkit chain build pki/certs/localhost.pem pki/ca/intermediate.crt > chain.pem
   cat pki/ca/*.crt pki/certs/client.pem | pkit chain build - --with-root
   pkit chain build pki/certs/client.p12 --password-file pki/certs/client.p12.pass
   pkit chain build pki/certs/ --leaf localhost --roots pki/ca/root.crt --json`,
		Flags: []cli.Flag{
			dirFlag(), dbFlag(),
			&cli.StringFlag{Name: "leaf", Usage: "build from this certificate: a `FILE`, common name, subject or fingerprint prefix"},
			&cli.StringSliceFlag{Name: "roots", Usage: "trusted roots in `FILE` (repeatable); the path to one of them is chosen"},
			&cli.BoolFlag{Name: "partial-chain", Usage: "trust certificates in --roots that are not self-signed (openssl -partial_chain); without it only self-signed roots end a chain"},
			&cli.BoolFlag{Name: "with-root", Usage: "also write the root"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "write the chain to `FILE` instead of standard output"},
			passwordFileFlag(),
			forceFlag(), jsonFlag(),
		},
		Action: e.chainBuild,
	}
}

func chainVerifyCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check a certificate's chain and say exactly what is wrong (exit 3 when invalid)",
		UsageText: "pkit chain verify CERT [flags]",
		Description: `Builds the path from CERT (its first certificate; the others in the file
   are the served chain, checked for order) through the --bundle
   intermediates to a trusted root and checks it: validity at --at,
   extended key usage for --purpose on every certificate that has one,
   --host against the subject alternative names, path-length and name
   constraints, revocation (--crl, or --revocation for the CA directory's
   published CRLs), weak signatures and keys, and with --key that the
   served key matches. Every problem is reported with the certificate it
   concerns and the fix.

   The CA directory (--dir or PKIT_DIR, default ./pki): its root is
   trusted and its intermediates complete the path, so a leaf written by
   "pkit issue" verifies on its own. --roots FILE or --system (the system's
   roots) trust other roots instead and leave ./pki out unless --dir or
   PKIT_DIR names it. A chain file (more than one certificate) must hold
   the whole chain, leaf first, even when the CA directory completes it.

   With --crl or --revocation, every certificate below the root needs a
   current CRL from its issuer; one that none covers (no CRL published
   yet, say) is a problem, not a pass. In crl/, files that are not CRLs
   are passed over. A .p12 password comes from --password-file or
   PKIT_PASSWORD.

   Trust anchors are self-signed roots, as OpenSSL, nginx and HAProxy
   take them: an intermediate given with --roots only helps build the
   path, and a path that ends there is invalid — exactly what nginx
   (ssl_client_certificate) and HAProxy (ca-file) refuse when their CA
   file lacks the root. --partial-chain trusts such intermediates as
   anchors, as openssl verify -partial_chain does. --max-depth N allows
   at most N intermediates between the leaf and the anchor (openssl
   -verify_depth). --policy, --explicit-policy, --inhibit-map and
   --inhibit-any are the certificate-policy inputs of RFC 5280 6.1.1, as
   in openssl verify. --lenient turns profile-only problems into
   warnings.

   A certificate in --bundle, --roots or the chain file that does not
   parse is skipped with a note; a leaf that does not parse as a
   certificate (an invalid public key, say) makes the chain invalid.

   Exit codes: 0 valid, 3 invalid, 1 error, 2 usage error.

EXAMPLES (after "pkit quickstart")
   pkit chain verify pki/certs/localhost-chain.pem --purpose server --host localhost
   pkit chain verify pki/certs/client.pem --purpose client --roots pki/certs/client-cas.pem
   pkit chain verify pki/certs/client.pem --roots pki/ca/intermediate.crt --partial-chain
   pkit chain verify pki/certs/localhost.pem --max-depth 1 --policy anyPolicy
   pkit chain verify pki/certs/client.pem --purpose client
   pkit crl && pkit chain verify pki/certs/client.pem --purpose client --revocation
   pkit chain verify pki/certs/localhost.pem --roots pki/ca/root.crt --bundle pki/ca/intermediate.crt --crl pki/crl/bundle.pem --json
   pkit chain verify pki/certs/client.p12 --password-file pki/certs/client.p12.pass --key pki/certs/client-key.pem`,
		Flags: []cli.Flag{
			dirFlag(), dbFlag(),
			&cli.StringSliceFlag{Name: "bundle", Usage: "untrusted intermediates in `FILE` (repeatable)"},
			&cli.StringSliceFlag{Name: "roots", Usage: "trusted roots in `FILE` (repeatable) instead of the CA directory's"},
			&cli.BoolFlag{Name: "system", Usage: "trust the system's roots"},
			&cli.StringFlag{Name: "at", Usage: "verify at `TIME` (RFC 3339, YYYY-MM-DD or @UNIXSECONDS; default now)"},
			&cli.StringFlag{Name: "purpose", Value: "any", Usage: "server, client or any: the extended key usage needed along the path"},
			&cli.StringFlag{Name: "host", Usage: "the DNS name or IP address the certificate must be valid for"},
			&cli.StringSliceFlag{Name: "crl", Usage: "check revocation against the CRLs in `FILE` (repeatable); each issuer on the path needs a current CRL"},
			&cli.BoolFlag{Name: "revocation", Usage: "check revocation against the CA directory's published CRLs (crl/)"},
			&cli.StringFlag{Name: "key", Usage: "check that the private key in `FILE` belongs to the certificate"},
			&cli.BoolFlag{Name: "partial-chain", Usage: "trust certificates in --roots that are not self-signed (intermediates) as anchors, as openssl verify -partial_chain"},
			&cli.IntFlag{Name: "max-depth", Usage: "allow at most `N` intermediate certificates between the leaf and the trust anchor, as openssl verify -verify_depth"},
			&cli.BoolFlag{Name: "lenient", Usage: "report profile-only problems (RFC 5280 certificate profile rules path validation does not need) as warnings"},
			&cli.StringSliceFlag{Name: "policy", Usage: "accept certificate policy `OID` (repeatable; the user-initial-policy-set, default any), as openssl verify -policy"},
			&cli.BoolFlag{Name: "explicit-policy", Usage: "require a valid policy (of --policy) for the path, as openssl verify -explicit_policy"},
			&cli.BoolFlag{Name: "inhibit-map", Usage: "do not follow policy mappings, as openssl verify -inhibit_map"},
			&cli.BoolFlag{Name: "inhibit-any", Usage: "do not let anyPolicy in a CA match other policies, as openssl verify -inhibit_any"},
			passwordFileFlag(),
			jsonFlag(),
		},
		Action: e.chainVerify,
	}
}

// pileReader reads certificates from files, directories and stdin.
type pileReader struct {
	e *env
	c *cli.Context
	// password is the input password once read (--password-file,
	// PKIT_PASSWORD or the terminal), for every encrypted input after it.
	password []byte
	// folderKDF is the key-derivation work the files of folders may still
	// use together (formats.MaxFolderKDFIterations), made on first use.
	folderKDF *formats.KDFBudget
	// notes say which files of a folder were left out, and why.
	notes []string
	// skipBad skips certificates that do not parse (with a note) instead
	// of failing on the file: chain build and verify read piles where one
	// broken certificate must not hide the others.
	skipBad bool
	// leafFile is the file whose first certificate is the leaf; when it
	// does not parse, badLeaf says why (chain verify reports it as an
	// invalid path, not a read error).
	leafFile string
	badLeaf  error
	// from names the file of each certificate read lazily (readAll), for
	// the note on one found broken when parsed; noted marks those noted.
	from  map[*formats.PileCert]string
	noted map[*formats.PileCert]bool
}

const maxInput = 64 << 20

// errAllSkipped is pileReader.parse's answer for a file whose every
// certificate was left out (noted, or kept as the bad leaf): not an error
// of the file, but no certificate from it either.
var errAllSkipped = errors.New("every certificate of the file was left out")

// readFile reads the certificates in one file (or - for stdin). In a
// directory (quiet=true), files holding no certificate are skipped, and so
// is a .p12 that no given password opens (with a note).
func (r *pileReader) readFile(path string, quiet bool) ([]*x509.Certificate, error) {
	pcs, err := r.readPile(path, quiet, false)
	if err != nil {
		return nil, err
	}
	certs := make([]*x509.Certificate, len(pcs))
	for i, pc := range pcs {
		certs[i], _ = pc.Certificate() // parsed already: never an error
	}
	return certs, nil
}

// readPile is readFile, with index (formats.ParseOptions.Index) reading
// the certificates lazily.
func (r *pileReader) readPile(path string, quiet, index bool) ([]*formats.PileCert, error) {
	data, err := r.e.readInput(path, maxInput)
	if err != nil {
		var ue *userError
		if errors.As(err, &ue) {
			return nil, ue
		}
		return nil, failf("reading %q: %v", path, formats.SystemReason(err))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		if quiet {
			return nil, nil
		}
		return nil, failf("%q is empty", path).hint("give a file holding certificates (PEM, DER, .p7b or .p12)")
	}
	certs, what, err := r.parse(path, data, quiet, index)
	if err == errAllSkipped {
		return nil, nil // its certificates were left out with a note, or it is the bad leaf
	}
	if err != nil {
		var ue *userError
		if errors.As(err, &ue) {
			return nil, ue
		}
		if quiet {
			if errors.Is(err, formats.ErrPasswordRequired) {
				r.note("left out %q: it is password-protected; to include it, pass --password-file FILE or set PKIT_PASSWORD, or name the file", path)
			} else if errors.Is(err, formats.ErrWrongPassword) {
				r.note("left out %q: the password given does not open it; name the file with its own --password-file to include it", path)
			} else if errors.Is(err, formats.ErrTooMuchWork) {
				r.note("left out %q: %v; name the file to read it on its own", path, err)
			}
			return nil, nil
		}
		return nil, explainParse(path, err)
	}
	if len(certs) == 0 && !quiet {
		msg := fmt.Sprintf("%q holds no certificate", path)
		if what != "" {
			msg += " (it holds " + what + ")"
		}
		return nil, failf("%s", msg).hint("give a certificate file (PEM, DER, .p7b or .p12); a private key, CSR or CRL holds none")
	}
	return certs, nil
}

// note prints a note on stderr at once (a later error must not hide it)
// and keeps it for --json.
func (r *pileReader) note(format string, args ...any) {
	n := fmt.Sprintf(format, args...)
	notef(r.e.stderr, "%s", n)
	r.notes = append(r.notes, n)
}

// parse reads every certificate in data (PEM, DER, PKCS#7, PKCS#12, as
// formats.Parse detects them) in one pass (formats.ParseCertificatePile);
// what names the other things found, for the error when there is no
// certificate. With skipBad a certificate that does not parse is left out
// with a note (the leaf file's first one is kept in badLeaf), and
// errAllSkipped says when that left none; without it, it is the file's
// error. The password of a .p12 comes from
// --password-file, PKIT_PASSWORD or the terminal, as for inspect, convert
// and match (e.passwordFunc), read once for all inputs; in a folder
// (quiet) the terminal is not asked. Encrypted keys (not needed here) stay
// encrypted.
func (r *pileReader) parse(path string, data []byte, quiet, index bool) ([]*formats.PileCert, string, error) {
	ask := r.e.passwordFunc(r.c, strconv.Quote(path))
	pw := func() ([]byte, error) {
		if r.password != nil {
			return r.password, nil
		}
		if quiet && r.c.String(inputPassword.fileFlag) == "" && r.e.getenv(inputPassword.envVar) == "" {
			return nil, formats.ErrPasswordRequired
		}
		p, err := ask()
		if err == nil {
			r.password = p
		}
		return p, err
	}
	o := formats.ParseOptions{Password: pw, PasswordForPKCS12: true, PasswordFirst: r.password != nil || r.e.passwordGiven(r.c), Index: index}
	if quiet {
		if r.folderKDF == nil {
			n := int64(formats.MaxFolderKDFIterations)
			if r.e.folderKDF > 0 {
				n = r.e.folderKDF
			}
			r.folderKDF = formats.NewKDFBudget(n)
		}
		o.KDFBudget = r.folderKDF
	}
	p, err := formats.ParseCertificatePile(data, o)
	if err != nil {
		return nil, "", err
	}
	for _, pe := range p.Skipped {
		if !r.skipBad {
			return nil, "", pe // crl check: a certificate that does not parse is an error
		}
		if pe.Block <= 1 && path == r.leafFile {
			r.badLeaf = pe
			continue
		}
		r.noteSkipped(path, pe)
	}
	certs := p.Indexed
	if !index {
		certs = make([]*formats.PileCert, len(p.Certificates))
		for i, c := range p.Certificates {
			certs[i] = formats.PileCertOf(c)
		}
	}
	if len(p.Skipped) > 0 && len(certs) == 0 {
		return nil, "", errAllSkipped
	}
	if index {
		if r.from == nil {
			r.from = map[*formats.PileCert]string{}
		}
		for _, pc := range certs {
			r.from[pc] = path
		}
	}
	var kinds []string
	for _, k := range p.Others {
		kinds = append(kinds, "a "+k.String())
	}
	return certs, strings.Join(kinds, ", "), nil
}

// noteSkipped notes a certificate of path left out because it is not a
// valid certificate (pe says which and why).
func (r *pileReader) noteSkipped(path string, pe *formats.ParseError) {
	which := fmt.Sprintf("certificate %d of %q", pe.Block, path)
	if pe.Block == 0 {
		which = fmt.Sprintf("%q", path)
	}
	r.note("skipped %s: it is not a valid certificate (%s)", which, certReason(pe))
}

// noteBroken notes, once each, the certificates read lazily that
// crypto/x509 refused when they were parsed: left out as a pile parsed at
// once leaves them out on reading, with the same note.
func (r *pileReader) noteBroken(pile []*formats.PileCert) {
	for _, pc := range pile {
		var pe *formats.ParseError
		if err := pc.Broken(); err != nil && !r.noted[pc] && errors.As(err, &pe) {
			if r.noted == nil {
				r.noted = map[*formats.PileCert]bool{}
			}
			r.noted[pc] = true
			r.noteSkipped(r.from[pc], pe)
		}
	}
}

func reasonName(code int) string { return revoke.Reason(code).String() }

// certReason is why a certificate did not parse, without Go's package
// prefixes.
func certReason(err error) string {
	var pe *formats.ParseError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	s := strings.TrimPrefix(err.Error(), formats.ErrCorrupt.Error()+": ")
	return strings.TrimPrefix(s, "x509: ")
}

// readAll reads every argument: files, directories (their files, not
// recursing) and - for stdin. The certificates are read lazily
// (chain.BuildPile parses those it needs); noteBroken notes those found
// broken when parsed.
func (r *pileReader) readAll(args []string) ([]*formats.PileCert, error) {
	stdins := 0
	for _, a := range args {
		if a == "-" {
			stdins++
		}
	}
	if stdins > 1 {
		return nil, usagef("standard input (-) can be used only once")
	}
	var out []*formats.PileCert
	for _, a := range args {
		if a != "-" {
			st, err := os.Stat(a)
			if err != nil {
				return nil, failf("reading %q: %v", a, formats.SystemReason(err))
			}
			if st.IsDir() {
				ents, err := os.ReadDir(a)
				if err != nil {
					return nil, failf("reading %q: %v", a, formats.SystemReason(err))
				}
				n := len(out)
				for _, ent := range ents {
					if !ent.Type().IsRegular() || strings.HasPrefix(ent.Name(), ".") {
						continue
					}
					cs, err := r.readPile(filepath.Join(a, ent.Name()), true, true)
					if err != nil {
						return nil, err
					}
					out = append(out, cs...)
				}
				if len(out) == n {
					return nil, failf("the folder %q holds no certificate", a)
				}
				continue
			}
		}
		cs, err := r.readPile(a, false, true)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// caDirCerts returns the self-signed CA certificates of the CA directory
// as roots, and the others (its intermediates). The store is not opened.
func caDirCerts(dir string) (roots, others []*x509.Certificate, err error) {
	cas, err := ca.CACertificates(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range cas {
		if chain.SelfSigned(c) {
			roots = append(roots, c)
		} else {
			others = append(others, c)
		}
	}
	return roots, others, nil
}

// chainCADir says whether chain build and verify take certificates from
// a CA directory, and which: the one named by --dir or PKIT_DIR, or else
// the default ./pki when no --roots or --system was given and it holds a
// CA. explicit tells whether the user named it.
func chainCADir(c *cli.Context) (dir string, use, explicit bool) {
	dir = c.String("dir")
	if c.IsSet("dir") {
		return dir, true, true
	}
	if len(c.StringSlice("roots")) > 0 || c.Bool("system") {
		return dir, false, false
	}
	_, err := os.Stat(filepath.Join(dir, "config"))
	return dir, err == nil, false
}

func (e *env) chainBuild(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("chain build needs at least one FILE, DIR or -").hint("e.g. pkit chain build server.pem bundle.pem")
	}
	out := c.String("out")
	if out != "" && out != "-" && !c.Bool("force") && fileExists(out) {
		return failf("%q: %v", out, fs.ErrExist).hint("remove it, choose another name, or pass -f/--force to overwrite")
	}
	r := &pileReader{e: e, c: c, skipBad: true}
	pile, err := r.readAll(c.Args().Slice())
	if err != nil {
		return err
	}
	var roots []*x509.Certificate
	for _, f := range c.StringSlice("roots") {
		cs, err := r.readFile(f, false)
		if err != nil {
			return err
		}
		roots = append(roots, cs...)
	}
	// The CA directory's intermediates may complete the chain and its
	// roots end it; only roots the user named (--roots, --dir, PKIT_DIR)
	// make an incomplete or foreign chain an error.
	strict := len(roots) > 0
	var dirInts []*x509.Certificate
	if dir, use, explicit := chainCADir(c); use {
		dr, others, err := caDirCerts(dir)
		if err != nil {
			return err
		}
		roots = append(roots, dr...)
		dirInts = others
		strict = strict || explicit
	}
	// Only self-signed roots end a chain, as servers take them; an
	// intermediate given as a root helps build the path, unless
	// --partial-chain trusts it as openssl -partial_chain does.
	roots, notAnchors := chain.TrustAnchors(roots, c.Bool("partial-chain"))
	o := chain.BuildOptions{Roots: roots, Intermediates: append(dirInts, notAnchors...)}
	if l := c.String("leaf"); l != "" {
		// Matching a common name or subject parses every certificate.
		var cands []*x509.Certificate
		for _, pc := range pile {
			if c, err := pc.Certificate(); err == nil {
				cands = append(cands, c)
			}
		}
		r.noteBroken(pile)
		if o.Leaf, err = r.pickLeaf(l, append(cands, dirInts...)); err != nil {
			return err
		}
	}
	p, err := chain.BuildPile(pile, o)
	if err == nil && c.Bool("json") {
		p.Unused = parseUnused(p.Unused)
	}
	r.noteBroken(pile)
	if err != nil {
		return buildError(err)
	}
	if !p.Complete && (strict || c.Bool("with-root")) {
		m := p.Missing
		if top := p.Certs[len(p.Certs)-1]; slices.ContainsFunc(notAnchors, top.Equal) {
			return failf("%q is given with --roots but is not self-signed, so it is not a trust anchor: OpenSSL, nginx and HAProxy refuse it as one", top.Subject.String()).
				hint("add its root (the self-signed certificate of %q) with --roots, or pass --partial-chain to trust it as openssl -partial_chain does", m.Subject.String())
		}
		if p.Truncated {
			return failf("gave up building the chain of %q after %d signature checks: the input holds too many candidate issuers of one name and key id", p.Certs[0].Subject.String(), p.SignatureChecks).
				hint("remove the look-alike certificates (pkit chain build without --roots lists what it leaves out), or give only the CA certificates of this chain")
		}
		ue := failf("%v", m)
		if m.Loop {
			return ue.hint("the certificates sign each other in a loop and reach no root; add the root or pass it with --roots")
		}
		return ue.hint("add the certificate of %q (key id %s) to the input, or pass its root with --roots", m.Subject.String(), formats.KeyIDHex(m.KeyID))
	}
	if strict && !p.Trusted {
		top := p.Certs[len(p.Certs)-1]
		return failf("the chain of %q ends at %q, which is not one of the trusted roots", p.Certs[0].Subject.String(), top.Subject.String()).
			hint("check --roots, or drop it to accept any root")
	}
	notes := buildNotes(p, p.Trusted)
	certs := p.Chain()
	if c.Bool("with-root") {
		certs = p.Certs
	}
	data := ca.WriteChainPEM(certs...)
	if out != "" && out != "-" {
		if err := formats.WriteFile(out, data, 0o644, c.Bool("force")); err != nil {
			return err
		}
	} else if !c.Bool("json") {
		if _, err := e.stdout.Write(data); err != nil {
			return err
		}
	}
	for _, n := range notes {
		notef(e.stderr, "%s", n)
	}
	if c.Bool("json") {
		return e.writeJSON(buildJSON(p, certs, append(r.notes, notes...)))
	}
	if out != "" && out != "-" {
		fmt.Fprintf(e.stderr, "wrote %q: %d certificates, leaf %q\n", out, len(certs), certs[0].Subject.String())
	}
	return nil
}

// parseUnused parses the certificates chain.BuildPile left out without
// parsing, for --json's subjects, and drops those crypto/x509 refuses
// (noteBroken notes them, as reading a pile at once would).
func parseUnused(us []chain.Unused) []chain.Unused {
	out := us[:0]
	for _, u := range us {
		if u.Cert == nil {
			var err error
			if u.Cert, err = u.Entry.Certificate(); err != nil {
				continue
			}
		}
		out = append(out, u)
	}
	return out
}

func buildError(err error) error {
	var ml *chain.MultipleLeavesError
	var nl *chain.NoLeafError
	switch {
	case errors.Is(err, chain.ErrNoCertificates):
		return failf("no certificates in the input")
	case errors.As(err, &ml):
		ue := failf("%d leaf certificates in the input; which one?", len(ml.Leaves))
		for _, l := range ml.Leaves {
			ue.hint("--leaf %s  (%s, SHA-256 %s)", shellQuote(l.Subject.CommonName), l.Subject.String(), fingerprint(l)[:23])
		}
		return ue
	case errors.As(err, &nl):
		ue := failf("%v", err)
		if len(nl.Tops) == 0 {
			return ue.hint("add the leaf certificate, or the root that ends the loop")
		}
		return ue.hint("add the leaf certificate, or build a CA's own chain with --leaf NAME (e.g. --leaf %s)", shellQuote(nl.Tops[0].Subject.CommonName))
	}
	return err
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " '\"\\$`!*?;&|<>()[]{}#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func buildNotes(p *chain.Path, haveRoots bool) []string {
	var notes []string
	if !p.Complete {
		m := p.Missing
		s := fmt.Sprintf("the chain ends at %q, issued by %q", m.Cert.Subject.String(), m.Subject.String())
		if len(m.KeyID) > 0 {
			s += " (key id " + formats.KeyIDHex(m.KeyID) + ")"
		}
		notes = append(notes, s+", which is not in the input: if that is not a root your clients trust, an intermediate is missing")
	}
	if p.Alternatives > 0 && !haveRoots {
		var tops []string
		for _, t := range p.AltTops {
			tops = append(tops, strconv.Quote(t.Subject.String()))
		}
		s := fmt.Sprintf("%d other complete path(s) exist (cross-signed certificates); chose the shortest, ending at %q", p.Alternatives, p.Certs[len(p.Certs)-1].Subject.String())
		if len(tops) > 0 {
			s += "; others end at " + strings.Join(tops, ", ")
		}
		notes = append(notes, s+"; pass --roots FILE to pick the path to the root your clients trust")
	}
	if p.Truncated {
		notes = append(notes, fmt.Sprintf("the input has too many candidate issuers (cross-signatures, or certificates sharing one name and key id) to try every path; the search stopped after %d signature checks and the best path found is shown", p.SignatureChecks))
	}
	dropped := map[string]int{}
	for _, u := range p.Unused {
		dropped[u.Why]++
	}
	var parts []string
	for _, k := range []string{"duplicate", "decoy", "twin", "leaf", "unrelated"} {
		if n := dropped[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, map[string]string{"duplicate": "duplicate(s)", "decoy": "decoy(s) with a known subject but another key",
				"twin": "older or expired twin(s)", "leaf": "other leaf certificate(s)", "unrelated": "unrelated certificate(s)"}[k]))
		}
	}
	if len(parts) > 0 {
		notes = append(notes, "left out "+strings.Join(parts, ", "))
	}
	return notes
}

// pickLeaf resolves --leaf: a file, or a common name, subject or
// fingerprint prefix among the pile.
func (r *pileReader) pickLeaf(v string, pile []*x509.Certificate) (*x509.Certificate, error) {
	if st, err := os.Stat(v); err == nil && !st.IsDir() {
		cs, err := r.readFile(v, false)
		if err != nil {
			return nil, err
		}
		return cs[0], nil
	}
	var found []*x509.Certificate
	seen := map[string]bool{}
	fp := strings.ToLower(strings.ReplaceAll(v, ":", ""))
	for _, c := range pile {
		f := fpHex(c)
		if seen[f] {
			continue
		}
		if c.Subject.CommonName == v || c.Subject.String() == v || (len(fp) >= 8 && strings.HasPrefix(f, fp)) {
			seen[f] = true
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return nil, usagef("--leaf %q matches no certificate in the input", v).hint("give a file, a common name, a subject or a SHA-256 fingerprint prefix")
	case 1:
		return found[0], nil
	}
	ue := usagef("--leaf %q matches %d certificates", v, len(found))
	for _, c := range found {
		ue.hint("--leaf %s  (%s, not after %s)", fpHex(c)[:16], c.Subject.String(), c.NotAfter.UTC().Format("2006-01-02"))
	}
	return nil, ue
}

// fpHex is the certificate's SHA-256 fingerprint as lower-case hex
// without colons, for matching --leaf prefixes.
func fpHex(c *x509.Certificate) string {
	return strings.ToLower(strings.ReplaceAll(fingerprint(c), ":", ""))
}

// certJSON describes one certificate in --json output.
type certJSON struct {
	Role      string    `json:"role"`
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	SKI       string    `json:"subject_key_id,omitempty"`
	AKI       string    `json:"authority_key_id,omitempty"`
	SHA256    string    `json:"sha256"`
}

func describeCerts(certs []*x509.Certificate) []certJSON {
	out := []certJSON{}
	for i, c := range certs {
		role, _, _ := strings.Cut(chain.Describe(c, i, len(certs)), " ")
		out = append(out, certJSON{Role: role, Subject: c.Subject.String(), Issuer: c.Issuer.String(), Serial: ca.SerialHex(c.SerialNumber),
			NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), SKI: formats.KeyIDHex(c.SubjectKeyId), AKI: formats.KeyIDHex(c.AuthorityKeyId), SHA256: fingerprint(c)})
	}
	return out
}

type missingJSON struct {
	Subject  string `json:"subject"`
	KeyID    string `json:"key_id,omitempty"`
	NeededBy string `json:"needed_by"`
	Loop     bool   `json:"loop,omitempty"`
}

type unusedJSON struct {
	Subject string `json:"subject"`
	Why     string `json:"why"`
	SHA256  string `json:"sha256"`
}

func buildJSON(p *chain.Path, written []*x509.Certificate, notes []string) any {
	v := struct {
		Chain        []certJSON   `json:"chain"`
		Path         []certJSON   `json:"path"`
		Complete     bool         `json:"complete"`
		Trusted      bool         `json:"trusted"`
		Missing      *missingJSON `json:"missing"`
		Alternatives int          `json:"alternatives"`
		Unused       []unusedJSON `json:"unused"`
		Notes        []string     `json:"notes"`
	}{Chain: describeCerts(written), Path: describeCerts(p.Certs), Complete: p.Complete, Trusted: p.Trusted,
		Alternatives: p.Alternatives, Unused: []unusedJSON{}, Notes: append([]string{}, notes...)}
	if m := p.Missing; m != nil {
		v.Missing = &missingJSON{Subject: m.Subject.String(), KeyID: formats.KeyIDHex(m.KeyID), NeededBy: m.Cert.Subject.String(), Loop: m.Loop}
	}
	for _, u := range p.Unused {
		v.Unused = append(v.Unused, unusedJSON{Subject: u.Cert.Subject.String(), Why: u.Why, SHA256: fingerprint(u.Cert)})
	}
	return v
}

func (e *env) writeJSON(v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(append(b, '\n'))
	return err
}

// parseTime reads --at: RFC 3339, a date, a date and time (UTC), or
// @UNIXSECONDS.
func parseTime(s string) (time.Time, error) {
	if n, ok := strings.CutPrefix(s, "@"); ok {
		sec, err := strconv.ParseInt(n, 10, 64)
		if err == nil {
			return time.Unix(sec, 0).UTC(), nil
		}
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usagef("--at %q is not a time", s).hint("use RFC 3339 (2027-01-02T15:04:05Z), a date (2027-01-02) or @UNIXSECONDS")
}

func (e *env) chainVerify(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("chain verify takes one CERT file, got %d", c.NArg()).hint("add intermediates with --bundle FILE")
	}
	purpose, err := chain.ParsePurpose(c.String("purpose"))
	if err != nil {
		return usagef("--purpose: %v", err)
	}
	o := chain.VerifyOptions{Purpose: purpose, Host: c.String("host"), ReasonName: reasonName,
		PartialChain: c.Bool("partial-chain"), Lenient: c.Bool("lenient")}
	if s := c.String("at"); s != "" {
		if o.At, err = parseTime(s); err != nil {
			return err
		}
	}
	if len(c.StringSlice("roots")) > 0 && c.Bool("system") {
		return usagef("--roots and --system are mutually exclusive")
	}
	if c.IsSet("max-depth") {
		d := c.Int("max-depth")
		if d < 0 {
			return usagef("--max-depth %d is negative", d).hint("give the number of intermediate certificates allowed, 0 or more")
		}
		o.MaxDepth, o.MaxDepthZero = d, d == 0
	}
	if o.Policy, err = policyOptions(c); err != nil {
		return err
	}
	r := &pileReader{e: e, c: c, skipBad: true}
	file := c.Args().First()
	r.leafFile = file
	served, err := r.readFile(file, false)
	if err != nil {
		return err
	}
	if r.badLeaf != nil {
		return e.invalidLeaf(c, file, r.badLeaf)
	}
	if len(served) == 0 {
		return failf("%q holds no valid certificate", file)
	}
	for _, f := range c.StringSlice("bundle") {
		cs, err := r.readFile(f, false)
		if err != nil {
			return err
		}
		o.Intermediates = append(o.Intermediates, cs...)
	}
	switch {
	case len(c.StringSlice("roots")) > 0:
		for _, f := range c.StringSlice("roots") {
			cs, err := r.readFile(f, false)
			if err != nil {
				return err
			}
			o.Roots = append(o.Roots, cs...)
		}
	case c.Bool("system"):
		if o.Roots, err = e.systemRoots(); err != nil {
			return err
		}
	}
	// The CA directory: its roots are trusted unless --roots or --system
	// say otherwise, and its intermediates complete the path, so that a
	// leaf pkit issued verifies on its own.
	ownRoots := len(c.StringSlice("roots")) == 0 && !c.Bool("system")
	if dir, use, _ := chainCADir(c); use || ownRoots {
		roots, ints, err := caDirCerts(dir)
		if ownRoots && errors.Is(err, ca.ErrNoCA) {
			return failf("no trusted roots: %v", err).hint("pass --roots FILE or --system, or point --dir at your CA directory")
		}
		if err != nil {
			return err
		}
		if ownRoots {
			o.Roots = roots
		}
		o.Intermediates = append(o.Intermediates, ints...)
	}
	// Only the entries for the certificates at hand are decoded
	// (revoke.ParseCRLFor), so a CRL of a million entries costs little
	// more than reading it; its signature still covers every entry.
	var serials []*big.Int
	for _, x := range append(append([]*x509.Certificate(nil), served...), o.Intermediates...) {
		serials = append(serials, x.SerialNumber)
	}
	if o.CRLs, err = e.verifyCRLs(c, serials); err != nil {
		return err
	}
	// Asked for, revocation is checked even with no CRL at all: each
	// certificate no CRL covers is then a problem, not silently fine.
	o.CheckRevocation = c.Bool("revocation") || len(c.StringSlice("crl")) > 0
	if kf := c.String("key"); kf != "" {
		k, err := e.readPrivateKey(c, "key", kf)
		if err != nil {
			return err
		}
		o.Key = k.Public()
	}
	leaf := served[0]
	if len(served) > 1 {
		// A chain file: its leaf need not come first (that is one of the
		// problems reported).
		if p, err := chain.Build(served, chain.BuildOptions{At: o.At}); err == nil {
			leaf = p.Certs[0]
		}
		o.Served = served
	}
	res, err := chain.Verify(leaf, o)
	if err != nil {
		return err
	}
	if c.Bool("revocation") {
		// What the store says and the published CRLs do not yet.
		if a, err := ca.Open(c.String("dir"), ca.OpenOptions{DB: dbOf(c)}); err == nil {
			for _, x := range res.Chain {
				if !formats.SelfIssued(x) {
					e.warnPending(c, a, x)
				}
			}
			a.Close()
		}
		for i, p := range res.Problems {
			if p.Kind == chain.RevocationUnknown && p.Index >= 0 && p.Index+1 < len(res.Chain) {
				res.Problems[i].Fix = fmt.Sprintf(`publish the CRLs with "pkit crl" (it signs one for every CA of the directory), or pass the CRL of %q with --crl FILE`,
					res.Chain[p.Index+1].Subject.String())
			}
		}
	}
	if c.Bool("json") {
		if err := e.writeJSON(verifyJSON(file, res, r.notes)); err != nil {
			return err
		}
	}
	for _, p := range res.Problems {
		if p.Warning {
			warnf(e.stderr, "%s", p.Detail)
		}
	}
	if res.Valid() {
		if !c.Bool("json") {
			fmt.Fprintf(e.stdout, "%s: OK\n", file)
		}
		var names []string
		for _, x := range res.Chain {
			names = append(names, strconv.Quote(x.Subject.String()))
		}
		fmt.Fprintf(e.stderr, "valid at %s for %s use: %s\n", res.At.UTC().Format(time.RFC3339), purpose, strings.Join(names, " → "))
		return nil
	}
	n := 0
	for _, p := range res.Problems {
		if p.Warning {
			continue
		}
		n++
		problemf(e.stderr, p.Detail, p.Fix)
		if len(p.Refused) > 0 {
			fmt.Fprintf(e.stderr, "pkit: refused by: %s\n", strings.Join(p.Refused, ", "))
		}
	}
	word := "problem"
	if n > 1 {
		word = "problems"
	}
	return checkFailed("%q is not valid: %d %s", file, n, word)
}

// verifyCRLs reads the CRLs chain verify checks against: every --crl
// FILE, each of which must hold a CRL, and with --revocation every CRL
// published in the CA directory's crl/ folder. There, hidden files (such
// as .lock), files that are not CRLs and a folder not made yet are passed
// over: a certificate that no CRL covers is reported by chain.Verify as of
// unknown revocation status. Only the entries for serials are decoded.
func (e *env) verifyCRLs(c *cli.Context, serials []*big.Int) ([]*x509.RevocationList, error) {
	dir := ""
	if c.Bool("revocation") {
		dir = c.String("dir")
	}
	return e.readCRLs(c.StringSlice("crl"), dir, serials)
}

// readCRLs reads every CRL in files, each of which must hold one, and,
// when caDir is not empty, every CRL published in its crl/ folder (see
// verifyCRLs). Only the entries for serials are decoded.
func (e *env) readCRLs(files []string, caDir string, serials []*big.Int) ([]*x509.RevocationList, error) {
	var out []*x509.RevocationList
	seen := map[[32]byte]bool{}
	read := func(f string, published bool) error {
		data, err := e.readInput(f, revoke.MaxCRLSize)
		if err != nil {
			var ue *userError
			if errors.As(err, &ue) {
				return ue
			}
			return failf("reading CRL %q: %v", f, formats.SystemReason(err))
		}
		ders, err := revoke.ReadCRLs(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if published {
				return nil
			}
			return failf("%q: %v", f, err).hint("give a CRL in PEM or DER")
		}
		for _, der := range ders {
			sum := sha256.Sum256(der)
			if seen[sum] {
				continue // NAME.crl, NAME.crl.pem and bundle.pem hold the same CRL
			}
			seen[sum] = true
			crl, err := revoke.ParseCRLFor(der, serials...)
			if err != nil {
				if published {
					continue
				}
				return failf("%q: %v", f, err).hint("give a CRL in PEM or DER")
			}
			out = append(out, crl)
		}
		return nil
	}
	for _, f := range files {
		if err := read(f, false); err != nil {
			return nil, err
		}
	}
	if caDir == "" {
		return out, nil
	}
	dir := caDir
	if _, err := os.Stat(filepath.Join(dir, "config")); err != nil {
		return nil, failf("--revocation: %q is not a CA directory", dir).
			hint("point --dir at your CA directory, or pass the CRLs with --crl FILE")
	}
	crlDir := filepath.Join(dir, "crl")
	ents, err := os.ReadDir(crlDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, failf("reading the published CRLs: %v", formats.SystemReason(err))
	}
	for _, ent := range ents {
		if strings.HasPrefix(ent.Name(), ".") {
			continue
		}
		// pkit crl publishes NAME.crl, NAME.crl.pem and bundle.pem as
		// links through .current: follow them.
		if st, err := os.Stat(filepath.Join(crlDir, ent.Name())); err != nil || !st.Mode().IsRegular() {
			continue
		}
		if err := read(filepath.Join(crlDir, ent.Name()), true); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// problemJSON is one problem in chain verify --json.
type problemJSON struct {
	Kind      chain.Kind `json:"kind"`
	Index     int        `json:"cert_index"`
	Subject   string     `json:"subject,omitempty"`
	Detail    string     `json:"detail"`
	Fix       string     `json:"fix"`
	Rule      string     `json:"rule,omitempty"`
	Warning   bool       `json:"warning"`
	RefusedBy []string   `json:"refused_by"`
}

// verifyReport is the output of chain verify --json.
type verifyReport struct {
	File     string        `json:"file"`
	Valid    bool          `json:"valid"`
	At       time.Time     `json:"at"`
	Trusted  bool          `json:"trusted"`
	Chain    []certJSON    `json:"chain"`
	Problems []problemJSON `json:"problems"`
	Notes    []string      `json:"notes"`
}

func verifyJSON(file string, r *chain.Result, notes []string) any {
	return verifyReport{File: file, Valid: r.Valid(), At: r.At.UTC(), Trusted: r.Trusted, Chain: describeCerts(r.Chain), Problems: problemsJSON(r.Problems),
		Notes: append([]string{}, notes...)}
}

// problemsJSON is chain verify's problems as --json shows them (never
// null).
func problemsJSON(ps []chain.Problem) []problemJSON {
	out := []problemJSON{}
	for _, p := range ps {
		pj := problemJSON{Kind: p.Kind, Index: p.Index, Detail: p.Detail, Fix: p.Fix, Rule: p.Rule, Warning: p.Warning, RefusedBy: append([]string{}, p.Refused...)}
		if p.Cert != nil {
			pj.Subject = p.Cert.Subject.String()
		}
		out = append(out, pj)
	}
	return out
}

// invalidLeaf reports a leaf that does not parse as a certificate (valid
// DER, but an invalid public key, say): the path is invalid (exit 3).
func (e *env) invalidLeaf(c *cli.Context, file string, cause error) error {
	detail := fmt.Sprintf("the leaf certificate in %q is not a valid certificate: %s", file, certReason(cause))
	fix := "re-issue the certificate; no client accepts it as it is"
	if c.Bool("json") {
		v := verifyReport{File: file, Chain: []certJSON{}, Notes: []string{},
			Problems: []problemJSON{{Kind: chain.InvalidCertificate, Detail: detail, Fix: fix, Rule: "RFC 5280 4.1", RefusedBy: []string{}}}}
		if err := e.writeJSON(v); err != nil {
			return err
		}
	}
	problemf(e.stderr, detail, fix)
	return checkFailed("%q is not valid: 1 problem", file)
}

// policyOptions reads --policy, --explicit-policy, --inhibit-map and
// --inhibit-any.
func policyOptions(c *cli.Context) (chain.PolicyOptions, error) {
	o := chain.PolicyOptions{RequireExplicit: c.Bool("explicit-policy"), InhibitMapping: c.Bool("inhibit-map"), InhibitAny: c.Bool("inhibit-any")}
	for _, s := range c.StringSlice("policy") {
		oid, ok := parseOID(s)
		if !ok {
			return o, usagef("--policy %q is not an object identifier", s).hint("give a dotted OID such as 2.23.140.1.2.1, or anyPolicy")
		}
		o.Initial = append(o.Initial, oid)
	}
	return o, nil
}

// parseOID reads a dotted object identifier (or "anyPolicy"): at least
// two arcs, the first 0, 1 or 2, the second below 40 under 0 and 1.
func parseOID(s string) (asn1.ObjectIdentifier, bool) {
	if strings.EqualFold(s, "anyPolicy") {
		return asn1.ObjectIdentifier{2, 5, 29, 32, 0}, true
	}
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return nil, false
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p != strconv.Itoa(n) {
			return nil, false
		}
		oid[i] = n
	}
	if oid[0] > 2 || oid[0] < 2 && oid[1] >= 40 {
		return nil, false
	}
	return oid, true
}

// systemRoots reads the system's trusted roots from SSL_CERT_FILE,
// SSL_CERT_DIR or the usual bundle files.
func (e *env) systemRoots() ([]*x509.Certificate, error) {
	files := []string{"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem",
		"/etc/pki/tls/cacert.pem", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/ssl/cert.pem"}
	if f := e.getenv("SSL_CERT_FILE"); f != "" {
		files = []string{f}
	}
	var out []*x509.Certificate
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		out = append(out, pemCerts(data)...)
		if len(out) > 0 {
			break
		}
	}
	if d := e.getenv("SSL_CERT_DIR"); d != "" {
		for _, dir := range filepath.SplitList(d) {
			ents, _ := os.ReadDir(dir)
			for _, ent := range ents {
				if data, err := os.ReadFile(filepath.Join(dir, ent.Name())); err == nil {
					out = append(out, pemCerts(data)...)
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, failf("no system roots found").hint("install ca-certificates, set SSL_CERT_FILE, or pass --roots FILE")
	}
	return out, nil
}

// pemCerts returns the certificates in a system bundle file, skipping
// anything else.
func pemCerts(data []byte) []*x509.Certificate {
	items, err := formats.Parse(data, formats.ParseOptions{})
	if err != nil {
		return nil
	}
	return formats.Certificates(items)
}
