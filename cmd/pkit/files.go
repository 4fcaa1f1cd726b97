package main

import (
	"crypto/sha256"
	"crypto/x509"
	"os"
	"path/filepath"

	"github.com/pkit/pkit/formats"
)

func fileExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// fingerprint is the SHA-256 of the certificate's DER, hex with colons,
// the way browsers and OpenSSL print it.
func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return formats.FormatFingerprint(sum[:])
}

func mkdirAll(dir string) error { return os.MkdirAll(dir, 0o755) }

func abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
