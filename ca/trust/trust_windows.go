package trust

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
)

// The Windows ROOT store of the local machine, edited with certutil.exe
// (Administrator). Compiled, not tested here.
const (
	systemInstall = "certutil.exe, part of Windows"
	nssInstall    = "the NSS tools"
	javaInstall   = "install a JDK and set JAVA_HOME"
	// Firefox on Windows trusts the Windows store
	// (security.enterprise_roots.enabled, on by default since Firefox
	// 120), and so does Chrome.
	nssUnsupported = "Firefox and Chrome on Windows use the Windows store (--system)"
)

func (t *Trust) systemBackend() backend { return winRootBackend{t} }

// winRootBackend is the local machine's ROOT store. A store entry has no
// name pkit can choose, so the root itself is pkit's entry: uninstall
// removes it by its SHA-1 hash.
type winRootBackend struct{ t *Trust }

func (b winRootBackend) sha1() string {
	s := sha1.Sum(b.t.root.Raw)
	return hex.EncodeToString(s[:])
}

func (b winRootBackend) locations(ctx context.Context) ([]Location, *Unavailable, error) {
	if _, err := b.t.o.LookPath("certutil"); err != nil {
		return nil, &Unavailable{Store: System, Reason: "certutil.exe is not found", Tool: "certutil", Install: systemInstall}, nil
	}
	l := Location{Store: System, Path: "ROOT"}
	// certutil -store fails when no certificate has that hash.
	if _, err := b.t.run(ctx, "certutil", "-store", "ROOT", b.sha1()); err == nil {
		l.Trusted, l.AddedByPkit, l.Names = true, true, []string{b.t.root.Subject.CommonName}
	}
	return []Location{l}, nil, nil
}

func (b winRootBackend) change(l Location, install bool) Change {
	c := Change{Store: System, Location: "ROOT", Name: b.t.root.Subject.CommonName, Action: None}
	switch {
	case install && l.Trusted:
		c.Note = "already trusted"
	case install:
		c.Action = Add
		c.Steps = []Step{{Command: []string{"certutil", "-addstore", "-f", "ROOT", RootFile}}}
	case l.Trusted:
		c.Action = Remove
		c.Steps = []Step{{Command: []string{"certutil", "-delstore", "ROOT", b.sha1()}}}
	default:
		c.Note = "not there"
	}
	return c
}

// writable: only certutil knows whether this process is an Administrator;
// a refusal fails the change.
func (b winRootBackend) writable(c Change) error { return nil }

// nssDBPatterns: none are used on Windows (see nssUnsupported).
func nssDBPatterns(home string) []string { return nil }
