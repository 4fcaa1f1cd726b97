package trust

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"path/filepath"
	"strings"
)

// The macOS System keychain, where "security add-trusted-cert -d" puts a
// root trusted for every user (as mkcert does). Compiled, not tested here.
const systemKeychain = "/Library/Keychains/System.keychain"

const (
	systemInstall  = "macOS's /usr/bin/security"
	nssInstall     = "brew install nss"
	javaInstall    = "install a JDK and set JAVA_HOME"
	nssUnsupported = ""
)

func (t *Trust) systemBackend() backend { return keychainBackend{t} }

// keychainBackend is the macOS System keychain. A keychain entry has no
// name pkit can choose, so the root itself is pkit's entry: uninstall
// removes it by its SHA-1 hash, wherever it came from.
type keychainBackend struct{ t *Trust }

func (b keychainBackend) sha1() string {
	s := sha1.Sum(b.t.root.Raw)
	return strings.ToUpper(hex.EncodeToString(s[:]))
}

func (b keychainBackend) locations(ctx context.Context) ([]Location, *Unavailable, error) {
	if _, err := b.t.o.LookPath("security"); err != nil {
		return nil, &Unavailable{Store: System, Reason: "security is not installed", Tool: "security", Install: systemInstall}, nil
	}
	l := Location{Store: System, Path: systemKeychain}
	cn := b.t.root.Subject.CommonName
	// Exit status 44 means no such certificate: not an error here.
	out, _ := b.t.run(ctx, "security", "find-certificate", "-a", "-c", cn, "-p", systemKeychain)
	if b.t.holds(out) {
		l.Trusted, l.AddedByPkit, l.Names = true, true, []string{cn}
	}
	return []Location{l}, nil, nil
}

func (b keychainBackend) change(l Location, install bool) Change {
	c := Change{Store: System, Location: systemKeychain, Name: b.t.root.Subject.CommonName, Action: None}
	switch {
	case install && l.Trusted:
		c.Note = "already trusted"
	case install:
		c.Action = Add
		c.Steps = []Step{{Command: []string{"security", "add-trusted-cert", "-d", "-k", systemKeychain, RootFile}}}
	case l.Trusted:
		c.Action = Remove
		c.Steps = []Step{
			{Command: []string{"security", "remove-trusted-cert", "-d", RootFile}},
			{Command: []string{"security", "delete-certificate", "-Z", b.sha1(), systemKeychain}},
		}
	default:
		c.Note = "not there"
	}
	return c
}

func (b keychainBackend) writable(c Change) error { return writableFile(System, systemKeychain) }

// nssDBPatterns are where NSS databases live under home: Firefox's
// profiles.
func nssDBPatterns(home string) []string {
	return []string{filepath.Join(home, "Library", "Application Support", "Firefox", "Profiles", "*")}
}
