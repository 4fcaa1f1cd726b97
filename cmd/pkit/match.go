package main

import (
	"crypto"
	"fmt"
	"strings"

	"github.com/pkit/pkit/formats"
	"github.com/urfave/cli/v2"
)

func matchCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "match",
		Usage:     "check that a private key belongs to a certificate, a CSR or a .p12's certificate",
		UsageText: "pkit match CERT KEY  |  pkit match FILE.p12 [KEY]",
		Description: `Compares the public key of the private key with that of the certificate
   (the first one in a bundle), the CSR, or the .p12's certificate, and shows
   both SHA-256 public key fingerprints. The two files may come in either
   order and in any format pkit reads. With one .p12 file, checks its own key
   against its certificate.

EXIT CODES
   0 the key belongs to it, 3 it does not, 1 a file could not be read,
   2 usage error.

EXAMPLES
   pkit match server.pem server-key.pem
   pkit match server.csr server-key.pem
   pkit match alice.p12 alice-key.pem
   pkit match alice.p12 --json`,
		Flags: []cli.Flag{jsonFlag(), passwordFileFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() < 1 || c.NArg() > 2 {
				return usagef("match takes two files (a certificate, CSR or .p12, and a key), got %d", c.NArg()).hint("e.g. pkit match server.pem server-key.pem")
			}
			var sides []matchSide
			for _, p := range c.Args().Slice() {
				items, err := e.readItems(c, p, true)
				if err != nil {
					return err
				}
				sides = append(sides, matchSideOf(p, items))
			}
			var key *matchSide
			var other *matchSide
			switch {
			case len(sides) == 1:
				key, other = &sides[0], &sides[0]
			case sides[0].key != nil && sides[1].pub != nil && !(sides[1].key != nil && sides[1].keyIsPlain && !sides[0].keyIsPlain):
				key, other = &sides[0], &sides[1]
			default:
				key, other = &sides[1], &sides[0]
			}
			if key.key == nil {
				for _, s := range sides {
					if s.encrypted {
						return failf("the private key in %q is encrypted and no password was given", s.path).hint("pass --password-file FILE or set PKIT_PASSWORD")
					}
				}
				return usagef("no private key in %s", describePaths(sides)).hint("pkit match compares a private key with a certificate, CSR or .p12")
			}
			if other.pub == nil {
				return usagef("no certificate, CSR or public key in %q to compare the key with", other.path)
			}
			res := matchResult{Match: formats.PublicKeysEqual(key.key.Public(), other.pub)}
			res.Key = matchPart{File: key.path, Type: "private_key", PublicKey: describePublicKey(key.key.Public())}
			res.Other = matchPart{File: other.path, Type: strings.ReplaceAll(strings.ToLower(other.what), " ", "_"), Subject: other.subject, PublicKey: describePublicKey(other.pub)}
			if c.Bool("json") {
				if err := e.printJSON(res); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(e.stdout, "private key  %s  %s\n", res.Key.PublicKey.FingerprintSHA256, res.Key.PublicKey.Description)
				label := other.subject
				if label == "" {
					label = other.path // a bare public key has no subject
				}
				fmt.Fprintf(e.stdout, "%-11s  %s  %s\n", other.what, res.Other.PublicKey.FingerprintSHA256, label)
			}
			if !res.Match {
				return checkFailed("the private key in %q does not belong to the %s in %q", key.path, other.what, other.path)
			}
			if !c.Bool("json") {
				if other.subject != "" {
					fmt.Fprintf(e.stderr, "the private key belongs to the %s %q\n", other.what, other.subject)
				} else {
					fmt.Fprintf(e.stderr, "the private key belongs to the %s in %q\n", other.what, other.path)
				}
			}
			return nil
		},
	}
}

type matchResult struct {
	Match bool      `json:"match"`
	Key   matchPart `json:"key"`
	Other matchPart `json:"other"`
}

type matchPart struct {
	File      string     `json:"file"`
	Type      string     `json:"type"`
	Subject   string     `json:"subject,omitempty"`
	PublicKey inspPubKey `json:"public_key"`
}

// matchSide is what one file brings to the comparison.
type matchSide struct {
	path       string
	key        crypto.Signer
	keyIsPlain bool // a key file, not the key inside a .p12
	encrypted  bool
	pub        crypto.PublicKey
	what       string // "certificate", "CSR", "public key"
	subject    string
}

func matchSideOf(path string, items []formats.Item) matchSide {
	s := matchSide{path: path}
	for _, it := range items {
		switch {
		case it.PrivateKey != nil && s.key == nil:
			s.key, s.keyIsPlain = it.PrivateKey, true
		case it.Kind == formats.KindEncryptedPrivateKey && it.PrivateKey == nil:
			s.encrypted = true
		case it.PKCS12 != nil:
			if s.key == nil && it.PKCS12.Key != nil {
				s.key = it.PKCS12.Key
			}
			if s.pub == nil {
				if certs := it.PKCS12.Certificates(); len(certs) > 0 {
					s.pub, s.what, s.subject = certs[0].PublicKey, "certificate", certs[0].Subject.String()
				}
			}
		case s.pub != nil:
		case it.Certificate != nil:
			s.pub, s.what, s.subject = it.Certificate.PublicKey, "certificate", it.Certificate.Subject.String()
		case it.PKCS7 != nil && len(it.PKCS7.Certificates) > 0:
			c := it.PKCS7.Certificates[0]
			s.pub, s.what, s.subject = c.PublicKey, "certificate", c.Subject.String()
		case it.CSR != nil:
			s.pub, s.what, s.subject = it.CSR.PublicKey, "CSR", it.CSR.Subject.String()
		case it.PublicKey != nil:
			s.pub, s.what = it.PublicKey, "public key"
		}
	}
	return s
}

func describePaths(sides []matchSide) string {
	if len(sides) == 1 {
		return fmt.Sprintf("%q", sides[0].path)
	}
	return fmt.Sprintf("%q or %q", sides[0].path, sides[1].path)
}
