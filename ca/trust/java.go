package trust

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// javaStorePass is the password of Java's cacerts, the same in every JDK
// (a keystore's integrity password, not a secret).
const javaStorePass = "changeit"

// quickJVM are keytool options that halve its start-up (2.5 s to 1.1 s
// on a loaded machine): keytool runs for well under a second, where the
// optimizing compiler and the parallel collector only cost time.
var quickJVM = []string{"-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"}

// keytoolArgs returns the command line of keytool with args.
func keytoolArgs(keytool string, args ...string) []string {
	return append(append([]string{keytool}, quickJVM...), args...)
}

// javaBackend is Java's cacerts keystore, edited with keytool as mkcert
// does: "keytool -importcert -noprompt -keystore cacerts -storepass
// changeit -alias NAME -file ROOT".
type javaBackend struct{ t *Trust }

// keystore returns the keystore to use: Options.JavaKeystore, or
// JavaHome's lib/security/cacerts (jre/lib/security/cacerts before Java
// 9), and the keytool to edit it with.
func (b javaBackend) keystore() (ks, keytool string, u *Unavailable, err error) {
	o := b.t.o
	keytool = "keytool"
	if o.JavaHome != "" {
		for _, name := range []string{"keytool", "keytool.exe"} {
			if p := filepath.Join(o.JavaHome, "bin", name); isFile(p) {
				keytool = p
			}
		}
	}
	if keytool == "keytool" {
		if _, err := o.LookPath("keytool"); err != nil {
			return "", "", &Unavailable{Store: Java, Reason: "keytool (Java) is not installed", Tool: "keytool", Install: javaInstall}, nil
		}
	}
	if o.JavaKeystore != "" {
		if !isFile(o.JavaKeystore) {
			return "", "", nil, fmt.Errorf("Java keystore %q: no such file", o.JavaKeystore)
		}
		return o.JavaKeystore, keytool, nil, nil
	}
	if o.JavaHome == "" {
		return "", "", &Unavailable{Store: Java, Reason: "no Java installation found (JAVA_HOME is not set and no keytool on PATH)"}, nil
	}
	for _, rel := range []string{"lib/security/cacerts", "jre/lib/security/cacerts"} {
		if p := filepath.Join(o.JavaHome, filepath.FromSlash(rel)); isFile(p) {
			return p, keytool, nil, nil
		}
	}
	return "", "", &Unavailable{Store: Java, Reason: fmt.Sprintf("no cacerts in Java home %q (lib/security/cacerts)", o.JavaHome)}, nil
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

func (b javaBackend) locations(ctx context.Context) ([]Location, *Unavailable, error) {
	ks, keytool, u, err := b.keystore()
	if err != nil || u != nil {
		return nil, u, err
	}
	l := Location{Store: Java, Path: ks}
	// -rfc prints each entry's alias and certificate; the messages in
	// English whatever the locale, to read "Alias name:".
	out, err := b.t.run(ctx, keytoolArgs(keytool, "-J-Duser.language=en", "-J-Duser.country=US", "-list", "-rfc",
		"-keystore", ks, "-storepass", javaStorePass)...)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range parseKeytoolList(out) {
		if e.trusted && b.t.holds(e.pem) {
			l.Trusted = true
			l.Names = append(l.Names, e.alias)
			l.AddedByPkit = l.AddedByPkit || strings.EqualFold(e.alias, b.t.name)
		}
	}
	return []Location{l}, nil, nil
}

type keytoolEntry struct {
	alias   string
	trusted bool // a trustedCertEntry, not a key's chain
	pem     []byte
}

// parseKeytoolList reads "keytool -list -rfc": per entry an "Alias name:"
// line, a few more lines, and the certificate(s) as PEM.
func parseKeytoolList(out []byte) []keytoolEntry {
	var es []keytoolEntry
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if a, ok := strings.CutPrefix(line, "Alias name: "); ok {
			es = append(es, keytoolEntry{alias: a})
			continue
		}
		if len(es) > 0 && line == "Entry type: trustedCertEntry" {
			es[len(es)-1].trusted = true
		} else if len(es) > 0 {
			e := &es[len(es)-1]
			e.pem = append(append(e.pem, line...), '\n')
		}
	}
	return es
}

// javaAlias is pkit's alias: keytool keeps JKS aliases in lower case.
func (b javaBackend) alias() string { return strings.ToLower(b.t.name) }

func (b javaBackend) change(l Location, install bool) Change {
	c := Change{Store: Java, Location: l.Path, Name: b.alias(), Action: None}
	ks, keytool, _, _ := b.keystore()
	switch {
	case install && l.Trusted:
		c.Note = "already trusted as " + quoteList(l.Names)
	case install:
		c.Action = Add
		c.Steps = []Step{{Command: keytoolArgs(keytool, "-importcert", "-noprompt", "-keystore", ks,
			"-storepass", javaStorePass, "-alias", b.alias(), "-file", RootFile)}}
	case l.AddedByPkit:
		c.Action = Remove
		c.Steps = []Step{{Command: keytoolArgs(keytool, "-delete", "-keystore", ks,
			"-storepass", javaStorePass, "-alias", b.alias())}}
		c.Note = leftAlone("also trusted as", without(l.Names, b.alias()))
	case l.Trusted:
		c.Note = leftAlone("trusted as", l.Names)
	default:
		c.Note = "not there"
	}
	return c
}

func (b javaBackend) writable(c Change) error {
	// keytool rewrites the keystore in place (through a symbolic link
	// such as Debian's cacerts -> /etc/ssl/certs/java/cacerts).
	return writableFile(Java, c.Location)
}
