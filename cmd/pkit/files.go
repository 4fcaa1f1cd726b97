package main

import (
	"crypto/sha256"
	"crypto/x509"
	"os"
	"path/filepath"
	"sync"

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

// mkdirAll creates dir and its missing parents, and remembers the ones it
// made, so that a command that fails afterwards removes them again
// (removeMadeDirs): bad input leaves no empty output folders behind.
func mkdirAll(dir string) error {
	var missing []string
	for d := filepath.Clean(dir); !fileExists(d); d = filepath.Dir(d) {
		missing = append(missing, d)
		if d == filepath.Dir(d) {
			break
		}
	}
	err := os.MkdirAll(dir, 0o755)
	madeMu.Lock()
	defer madeMu.Unlock()
	for _, d := range missing {
		if fileExists(d) {
			madeDirs = append(madeDirs, d) // deepest first
		}
	}
	return err
}

// madeDirs are the folders this process created; one pkit process runs
// one command.
var (
	madeMu   sync.Mutex
	madeDirs []string
)

// removeMadeDirs removes the folders mkdirAll made that are still empty,
// deepest first; called when the command failed.
func removeMadeDirs() {
	madeMu.Lock()
	defer madeMu.Unlock()
	for _, d := range madeDirs {
		os.Remove(d) // fails, harmlessly, on a folder that got files
	}
	madeDirs = nil
}

func abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
