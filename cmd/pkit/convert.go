package main

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkit/pkit/formats"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

func convertCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "convert",
		Usage:     "convert between PEM, DER, PKCS#7 (.p7b) and PKCS#12 (.p12), and between key formats",
		UsageText: "pkit convert IN OUT [--to pem|der|p12|p7b] [flags]",
		Description: `Reads IN (any format pkit inspect reads; - for stdin) and writes OUT (- for
   stdout) in the format named by --to, or else by OUT's extension:
     .pem .crt .key .csr           pem
     .der .cer                     der   (one item only)
     .p12 .pfx                     p12   (key + certificate + chain, or a trust store)
     .p7b .p7c                     p7b   (certificates; DER, or PEM with --pem)

   p12 from a key and certificates: the key's certificate, then the chain in
   issuer order; friendly name --name (default: the certificate's common
   name). Without a key, a trust store whose entries Java's keytool lists as
   trusted. Encrypted with AES-256-CBC, PBKDF2-HMAC-SHA256 and an SHA-256 MAC
   by default; --legacy uses 3DES with an SHA-1 MAC for macOS, iOS, old
   Windows and Java before 12, which refuse the modern format and report a
   wrong password. The password comes from --p12-password-file,
   PKIT_P12_PASSWORD or the terminal; an empty one only with
   --p12-empty-password.

   p12 to pem: the key (PKCS#8), the certificate, then the chain.

   Keys: written as PKCS#8 unless --key-format says pkcs1, sec1 or
   traditional (PKCS#1 for RSA, SEC 1 for EC). An encrypted key stays
   encrypted as it is; --decrypt-key writes it in clear, --encrypt-key writes
   encrypted PKCS#8 (AES-256-CBC, PBKDF2-HMAC-SHA256) with the password from
   --key-password-file or PKIT_KEY_PASSWORD.

   Passwords of encrypted inputs come from --password-file, PKIT_PASSWORD or
   the terminal.

   --key must hold the key of the certificate in IN (or --chain): a key
   that belongs to none of them is a usage error (exit 2), since the files
   written would not work together.

   OUT is never overwritten without -f/--force; files with a private key
   are written 0600, others 0644.

EXAMPLES
   pkit convert server.pem server.der
   pkit convert server.crt chain.p7b --chain intermediate.pem
   pkit convert bundle.p7b bundle.pem
   pkit convert alice.pem alice.p12 --key alice-key.pem --chain ca.pem
   pkit convert alice.pem alice-legacy.p12 --key alice-key.pem --legacy
   pkit convert alice.p12 alice-all.pem
   pkit convert ca.pem truststore.p12
   pkit convert key.pem key-rsa.pem --key-format pkcs1
   pkit convert key.pem key-enc.pem --encrypt-key`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "to", Usage: "output format: pem, der, p12 or p7b (default: from OUT's extension)"},
			&cli.StringFlag{Name: "key", Usage: "add the private key in `FILE` (for a .p12)"},
			&cli.StringSliceFlag{Name: "chain", Usage: "add the certificates in `FILE` (repeatable)"},
			&cli.StringFlag{Name: "name", Usage: "the friendly name in a .p12 (default: the certificate's common name)"},
			&cli.BoolFlag{Name: "pem", Usage: "write a .p7b as PEM (-----BEGIN PKCS7-----) instead of DER"},
			&cli.StringFlag{Name: "key-format", Usage: "write keys as pkcs8, pkcs1, sec1 or traditional"},
			&cli.BoolFlag{Name: "encrypt-key", Usage: "write the key as encrypted PKCS#8 (password from --key-password-file or PKIT_KEY_PASSWORD)"},
			&cli.BoolFlag{Name: "decrypt-key", Usage: "write an encrypted input key in clear"},
			&cli.StringFlag{Name: "key-password-file", Usage: "read the password for --encrypt-key from `FILE`; or set PKIT_KEY_PASSWORD"},
			&cli.BoolFlag{Name: "legacy", Usage: "write the .p12 with 3DES and an SHA-1 MAC for old importers (macOS, iOS, Windows, Java < 12)"},
			&cli.StringFlag{Name: "p12-password-file", Usage: "read the .p12 password from `FILE`; or set PKIT_P12_PASSWORD"},
			&cli.BoolFlag{Name: "p12-empty-password", Usage: "write the .p12 with an empty password (macOS and iOS refuse such files)"},
			passwordFileFlag(),
			forceFlag(), jsonFlag(),
		},
		Action: e.convert,
	}
}

// convertJob is what "pkit convert" was asked to do, checked before any
// file is read.
type convertJob struct {
	in, out   string
	to        string
	keyFormat string
	force     bool
}

var convertExts = map[string]string{
	".pem": "pem", ".crt": "pem", ".key": "pem", ".csr": "pem", ".crl": "pem",
	".der": "der", ".cer": "der",
	".p12": "p12", ".pfx": "p12",
	".p7b": "p7b", ".p7c": "p7b",
}

func (e *env) convertFlags(c *cli.Context) (*convertJob, error) {
	if c.NArg() != 2 {
		return nil, usagef("convert takes IN and OUT, got %d argument(s)", c.NArg()).hint("e.g. pkit convert server.pem server.der")
	}
	j := &convertJob{in: c.Args().Get(0), out: c.Args().Get(1), to: c.String("to"), keyFormat: c.String("key-format"), force: c.Bool("force")}
	if j.out == "-" && c.Bool("json") {
		return nil, usagef("--json and OUT - both want standard output").hint("write to a file, or leave out --json")
	}
	if j.to == "" {
		if j.out == "-" {
			return nil, usagef("writing to stdout needs --to").hint("add --to pem, der, p12 or p7b")
		}
		j.to = convertExts[strings.ToLower(filepath.Ext(j.out))]
		if j.to == "" {
			return nil, usagef("can't tell the output format from %q", j.out).hint("add --to pem, der, p12 or p7b, or name OUT .pem, .der, .p12 or .p7b")
		}
	}
	switch j.to {
	case "pem", "der", "p12", "p7b":
	default:
		return nil, usagef("--to: unknown format %q", j.to).hint("use pem, der, p12 or p7b")
	}
	switch j.keyFormat {
	case "", "pkcs8", "pkcs1", "sec1", "traditional":
	default:
		return nil, usagef("--key-format: unknown format %q", j.keyFormat).hint("use pkcs8, pkcs1, sec1 or traditional")
	}
	if c.Bool("encrypt-key") && c.Bool("decrypt-key") {
		return nil, usagef("--encrypt-key and --decrypt-key are mutually exclusive")
	}
	if c.Bool("encrypt-key") && j.keyFormat != "" && j.keyFormat != "pkcs8" {
		return nil, usagef("--encrypt-key writes PKCS#8; it can't be combined with --key-format %s", j.keyFormat)
	}
	if j.to != "p12" {
		for _, f := range []string{"legacy", "p12-password-file", "p12-empty-password", "name"} {
			if c.IsSet(f) {
				return nil, usagef("--%s applies to .p12 output", f).hint("add --to p12 or name OUT .p12")
			}
		}
	}
	if j.to != "p7b" && c.Bool("pem") {
		return nil, usagef("--pem applies to .p7b output; PEM output is --to pem")
	}
	if j.in != "-" && j.out != "-" && sameFile(j.in, j.out) {
		return nil, usagef("IN and OUT are the same file %q", j.out).hint("choose another OUT; pkit does not convert in place")
	}
	if j.out != "-" && !j.force && fileExists(j.out) {
		return nil, failf("%q already exists", j.out).hint("remove it, choose another name, or pass -f/--force to overwrite")
	}
	return j, nil
}

func sameFile(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

func (e *env) convert(c *cli.Context) error {
	j, err := e.convertFlags(c)
	if err != nil {
		return err
	}
	if j.to == "p12" {
		e.useAllCores() // the .p12's key derivations run in parallel
	}
	wantKeys := j.to == "p12" || c.Bool("decrypt-key") || c.Bool("encrypt-key") || j.keyFormat != ""
	items, err := e.readItems(c, j.in, wantKeys)
	if err != nil {
		return err
	}
	var keyItems []formats.Item
	if k := c.String("key"); k != "" {
		more, err := e.readItems(c, k, true)
		if err != nil {
			return err
		}
		if len(formats.PrivateKeys(more)) == 0 && !hasEncryptedKey(more) {
			return failf("--key %q holds no private key", k)
		}
		keyItems = more
		items = append(items, more...)
	}
	for _, ch := range c.StringSlice("chain") {
		more, err := e.readItems(c, ch, false)
		if err != nil {
			return err
		}
		if len(formats.Certificates(more)) == 0 {
			return failf("--chain %q holds no certificates", ch)
		}
		items = append(items, more...)
	}
	if err := keyBelongs(c.String("key"), j.in, keyItems, items); err != nil {
		return err
	}
	if (c.Bool("encrypt-key") || c.Bool("decrypt-key") || j.keyFormat != "") && j.to != "p12" &&
		len(formats.PrivateKeys(items)) == 0 && !hasEncryptedKey(items) {
		flag := "--key-format"
		if c.Bool("encrypt-key") {
			flag = "--encrypt-key"
		} else if c.Bool("decrypt-key") {
			flag = "--decrypt-key"
		}
		return usagef("%s applies to a private key, and %q holds none", flag, j.in)
	}
	var data []byte
	var summary string
	switch j.to {
	case "pem":
		data, summary, err = e.convertPEM(c, j, items)
	case "der":
		data, summary, err = e.convertDER(c, j, items)
	case "p7b":
		data, summary, err = convertP7B(c, items)
	case "p12":
		data, summary, err = e.convertP12(c, items)
	}
	if err != nil {
		return err
	}
	secret := hasSecret(items, j.to, c.String("key") != "")
	perm := 0o644
	if secret {
		perm = 0o600
	}
	if j.out == "-" {
		if f, ok := e.stdout.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(f.Fd())) {
			if j.to != "pem" || secret {
				return failf("refusing to write %s to the terminal", map[bool]string{true: "a private key", false: "binary data"}[secret]).hint("use an OUT file, or pipe the output")
			}
		}
		_, err := e.stdout.Write(data)
		return err
	}
	if st, err := os.Stat(j.out); err == nil && st.IsDir() {
		return failf("%q is a folder", j.out).hint("name the output file, e.g. %s", filepath.Join(j.out, "out."+j.to))
	}
	if err := mkdirAll(filepath.Dir(j.out)); err != nil {
		return failf("cannot create the folder for %q: %v", j.out, formats.SystemReason(err))
	}
	if err := formats.WriteFile(j.out, data, fs.FileMode(perm), j.force); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %s (%s)\n", j.out, summary)
	if c.Bool("json") {
		return e.printJSON(map[string]string{"file": j.out, "format": j.to, "contents": summary})
	}
	return nil
}

// keyBelongs refuses a --key whose private key belongs to none of the
// certificates given with it: the output would pair a certificate with
// another key, which no server or importer can use. A usage error (exit
// 2): the files given do not go together. A key still encrypted (no
// password) cannot be compared and is let through.
func keyBelongs(keyFile, in string, keyItems, all []formats.Item) error {
	keys := formats.PrivateKeys(keyItems)
	certs := formats.Certificates(all)
	if keyFile == "" || len(keys) == 0 || len(certs) == 0 {
		return nil
	}
	for _, k := range keys {
		for _, cert := range certs {
			if formats.PublicKeysEqual(cert.PublicKey, k.Public()) {
				return nil
			}
		}
	}
	return usagef("the private key in --key %q does not belong to the certificate in %q", keyFile, in).
		hint(`give the key the certificate was issued for (find the pair with "pkit match CERT KEY")`)
}

func hasEncryptedKey(items []formats.Item) bool {
	for _, it := range items {
		if it.Kind == formats.KindEncryptedPrivateKey {
			return true
		}
	}
	return false
}

// hasSecret reports whether the output will hold a private key (plain or
// encrypted), which makes it 0600.
func hasSecret(items []formats.Item, to string, keyFile bool) bool {
	if to == "p7b" {
		return false
	}
	for _, it := range items {
		if it.Kind == formats.KindPrivateKey || it.Kind == formats.KindEncryptedPrivateKey || (it.PKCS12 != nil && it.PKCS12.Key != nil) {
			return true
		}
	}
	// A .p12 gets a key from --key; without one it is a trust store.
	return to == "p12" && keyFile
}

// keyOut encodes one private key item for PEM or DER output. An encrypted
// key passes through unchanged unless a flag asks to change it.
func (e *env) keyOut(c *cli.Context, j *convertJob, it formats.Item, asPEM bool) ([]byte, error) {
	if it.Kind == formats.KindEncryptedPrivateKey && !c.Bool("decrypt-key") && !c.Bool("encrypt-key") {
		legacyPEM := it.PEMType != "" && it.PEMType != "ENCRYPTED PRIVATE KEY"
		switch {
		case j.keyFormat != "":
			return nil, failf("--key-format %s would write the encrypted key in clear", j.keyFormat).hint("add --decrypt-key to do that, or use --encrypt-key for encrypted PKCS#8")
		case legacyPEM && !asPEM:
			return nil, failf("OpenSSL's legacy encrypted PEM key has no DER form").hint("add --decrypt-key, or --encrypt-key to make it encrypted PKCS#8")
		case legacyPEM:
			return pem.EncodeToMemory(&pem.Block{Type: it.PEMType, Headers: it.PEMHeaders, Bytes: it.Raw}), nil
		case asPEM:
			return formats.EncodePEM("ENCRYPTED PRIVATE KEY", it.Raw), nil
		}
		return it.Raw, nil
	}
	if it.PrivateKey == nil {
		return nil, failf("the private key is encrypted and no password was given").hint("pass --password-file FILE or set PKIT_PASSWORD")
	}
	return e.encodeKey(c, j, it.PrivateKey, asPEM)
}

// writablePKCS8 refuses a private key pkit cannot write as PKCS#8 itself
// (encrypted, or in a .p12): DSA keys, which it copies only as they are.
// Without it Go's "x509: unknown key type" reached the user.
func writablePKCS8(key crypto.Signer, as string) error {
	if _, ok := key.(*formats.DSAKey); ok {
		return failf("pkit cannot write a DSA key %s; it copies DSA keys only as they are", as).
			hint("use an RSA, ECDSA or Ed25519 key, or openssl (openssl pkcs8 -topk8, openssl pkcs12 -export) for this one")
	}
	return nil
}

// publicKeyDER is the SubjectPublicKeyInfo of a public key item: Go's
// encoding, or, for a key Go cannot encode (DSA), the bytes as read.
func publicKeyDER(it formats.Item) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(it.PublicKey)
	if err == nil {
		return der, nil
	}
	if len(it.Raw) > 0 && (it.PEMType == "" || it.PEMType == "PUBLIC KEY") {
		return it.Raw, nil
	}
	return nil, failf("pkit cannot re-encode this public key (%s)", strings.TrimPrefix(err.Error(), "x509: "))
}

func (e *env) encodeKey(c *cli.Context, j *convertJob, key crypto.Signer, asPEM bool) ([]byte, error) {
	if c.Bool("encrypt-key") {
		if err := writablePKCS8(key, "encrypted (--encrypt-key)"); err != nil {
			return nil, err
		}
		pw, err := e.readSecret(c, secretSource{fileFlag: "key-password-file", envVar: "PKIT_KEY_PASSWORD", what: "key password", confirm: true})
		if err != nil {
			return nil, err
		}
		return formats.EncryptPrivateKey(key, pw, asPEM)
	}
	f := formats.KeyFormatPKCS8
	switch j.keyFormat {
	case "traditional":
		f = formats.TraditionalKeyFormat(key)
	case "pkcs1", "sec1":
		f, _ = formats.ParseKeyFormat(j.keyFormat)
	}
	out, err := formats.MarshalPrivateKey(key, f, asPEM)
	if err != nil {
		return nil, usagef("--key-format %s: %v", j.keyFormat, err)
	}
	return out, nil
}

func (e *env) convertPEM(c *cli.Context, j *convertJob, items []formats.Item) ([]byte, string, error) {
	var buf bytes.Buffer
	var what []string
	for _, it := range items {
		switch {
		case it.Certificate != nil:
			buf.Write(formats.EncodePEM("CERTIFICATE", it.Certificate.Raw))
			what = append(what, "certificate")
		case it.CSR != nil:
			buf.Write(formats.EncodePEM("CERTIFICATE REQUEST", it.CSR.Raw))
			what = append(what, "CSR")
		case it.CRL != nil:
			buf.Write(formats.EncodePEM("X509 CRL", it.CRL.Raw))
			what = append(what, "CRL")
		case it.Kind == formats.KindPrivateKey || it.Kind == formats.KindEncryptedPrivateKey:
			b, err := e.keyOut(c, j, it, true)
			if err != nil {
				return nil, "", err
			}
			buf.Write(b)
			what = append(what, "private key")
		case it.PublicKey != nil:
			der, err := publicKeyDER(it)
			if err != nil {
				return nil, "", err
			}
			buf.Write(formats.EncodePEM("PUBLIC KEY", der))
			what = append(what, "public key")
		case it.PKCS7 != nil:
			for _, cert := range it.PKCS7.Certificates {
				buf.Write(formats.EncodePEM("CERTIFICATE", cert.Raw))
				what = append(what, "certificate")
			}
			for _, crl := range it.PKCS7.CRLs {
				buf.Write(formats.EncodePEM("X509 CRL", crl.Raw))
				what = append(what, "CRL")
			}
		case it.PKCS12 != nil:
			for _, k := range it.PKCS12.Keys {
				b, err := e.encodeKey(c, j, k.Key, true)
				if err != nil {
					return nil, "", err
				}
				buf.Write(b)
				what = append(what, "private key")
			}
			for _, cert := range it.PKCS12.Certificates() {
				buf.Write(formats.EncodePEM("CERTIFICATE", cert.Raw))
				what = append(what, "certificate")
			}
		}
	}
	if buf.Len() == 0 {
		return nil, "", failf("%q holds nothing to write", j.in)
	}
	return buf.Bytes(), countWords(what), nil
}

func (e *env) convertDER(c *cli.Context, j *convertJob, items []formats.Item) ([]byte, string, error) {
	// Flatten bundles: DER holds exactly one item.
	var flat []formats.Item
	for _, it := range items {
		switch {
		case it.PKCS7 != nil:
			for _, cert := range it.PKCS7.Certificates {
				flat = append(flat, formats.Item{Kind: formats.KindCertificate, Certificate: cert})
			}
			for _, crl := range it.PKCS7.CRLs {
				flat = append(flat, formats.Item{Kind: formats.KindCRL, CRL: crl})
			}
		case it.PKCS12 != nil:
			for _, k := range it.PKCS12.Keys {
				flat = append(flat, formats.Item{Kind: formats.KindPrivateKey, PrivateKey: k.Key})
			}
			for _, cert := range it.PKCS12.Certificates() {
				flat = append(flat, formats.Item{Kind: formats.KindCertificate, Certificate: cert})
			}
		default:
			flat = append(flat, it)
		}
	}
	if len(flat) != 1 {
		return nil, "", failf("a DER file holds one item; %q has %d", j.in, len(flat)).hint("use --to pem, or --to p7b for several certificates")
	}
	it := flat[0]
	switch {
	case it.Certificate != nil:
		return it.Certificate.Raw, "certificate", nil
	case it.CSR != nil:
		return it.CSR.Raw, "CSR", nil
	case it.CRL != nil:
		return it.CRL.Raw, "CRL", nil
	case it.PublicKey != nil:
		der, err := publicKeyDER(it)
		return der, "public key", err
	default:
		b, err := e.keyOut(c, j, it, false)
		return b, "private key", err
	}
}

func convertP7B(c *cli.Context, items []formats.Item) ([]byte, string, error) {
	certs := formats.Certificates(items)
	var crls []*x509.RevocationList
	for _, it := range items {
		if it.CRL != nil {
			crls = append(crls, it.CRL)
		}
		if it.PKCS7 != nil {
			crls = append(crls, it.PKCS7.CRLs...)
		}
	}
	if len(certs) == 0 {
		return nil, "", failf("no certificates to put in the .p7b")
	}
	der, err := formats.EncodePKCS7(certs, crls)
	if err != nil {
		return nil, "", err
	}
	summary := plural(len(certs), "certificate")
	if len(crls) > 0 {
		summary += ", " + plural(len(crls), "CRL")
	}
	if len(formats.PrivateKeys(items)) > 0 || hasEncryptedKey(items) {
		summary += "; the private key is left out, a .p7b holds certificates only"
	}
	if c.Bool("pem") {
		return formats.EncodePEM("PKCS7", der), summary + ", PEM", nil
	}
	return der, summary, nil
}

func (e *env) convertP12(c *cli.Context, items []formats.Item) ([]byte, string, error) {
	keys := formats.PrivateKeys(items)
	if hasEncryptedKey(items) && len(keys) == 0 {
		return nil, "", failf("the private key is encrypted and no password was given").hint("pass --password-file FILE or set PKIT_PASSWORD")
	}
	if len(keys) > 1 {
		return nil, "", failf("the inputs hold %d private keys; a .p12 holds one", len(keys))
	}
	certs := dedupe(formats.Certificates(items))
	if len(certs) == 0 {
		return nil, "", failf("no certificate to put in the .p12").hint("a .p12 holds a key with its certificate, or certificates for a trust store; add the certificate to IN or with --chain")
	}
	name := c.String("name")
	legacy := c.Bool("legacy")
	if len(keys) == 0 {
		pw, err := e.p12Password(c)
		if err != nil {
			return nil, "", err
		}
		der, err := formats.EncodeTrustStore(certs, pw, formats.PKCS12Options{Legacy: legacy})
		if err != nil {
			return nil, "", err
		}
		return der, fmt.Sprintf("trust store, %s marked trusted for Java", plural(len(certs), "certificate")), nil
	}
	key := keys[0]
	if err := writablePKCS8(key, "into a .p12"); err != nil {
		return nil, "", err
	}
	var leaf *x509.Certificate
	var rest []*x509.Certificate
	for _, cert := range certs {
		if leaf == nil && formats.PublicKeysEqual(cert.PublicKey, key.Public()) {
			leaf = cert
		} else {
			rest = append(rest, cert)
		}
	}
	if leaf == nil {
		return nil, "", failf("none of the certificates belongs to the private key").hint(`check with "pkit match CERT KEY"`)
	}
	if name == "" {
		for _, it := range items {
			if it.PKCS12 != nil && it.PKCS12.KeyFriendlyName != "" {
				name = it.PKCS12.KeyFriendlyName
			}
		}
	}
	pw, err := e.p12Password(c)
	if err != nil {
		return nil, "", err
	}
	chain := formats.OrderChain(leaf, rest)
	der, err := formats.EncodePKCS12(key, leaf, chain, pw, formats.PKCS12Options{Legacy: legacy, FriendlyName: name})
	if err != nil {
		return nil, "", err
	}
	mode := "AES-256-CBC, SHA-256 MAC"
	if legacy {
		mode = "legacy 3DES, SHA-1 MAC"
	}
	chainWords := "no chain"
	if len(chain) > 0 {
		chainWords = plural(len(chain), "chain certificate")
	}
	return der, fmt.Sprintf("key, certificate %q and %s; %s", leafName(leaf, name), chainWords, mode), nil
}

func leafName(c *x509.Certificate, name string) string {
	if name != "" {
		return name
	}
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	return c.Subject.String()
}

func dedupe(certs []*x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	seen := map[string]bool{}
	for _, c := range certs {
		if !seen[string(c.Raw)] {
			seen[string(c.Raw)] = true
			out = append(out, c)
		}
	}
	return out
}

// countWords turns ["certificate", "certificate", "private key"] into
// "2 certificates, private key".
func countWords(what []string) string {
	var order []string
	n := map[string]int{}
	for _, w := range what {
		if n[w] == 0 {
			order = append(order, w)
		}
		n[w]++
	}
	var parts []string
	for _, w := range order {
		if n[w] == 1 {
			parts = append(parts, w)
		} else {
			parts = append(parts, plural(n[w], w))
		}
	}
	return strings.Join(parts, ", ")
}
