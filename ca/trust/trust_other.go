//go:build !linux && !darwin && !windows

package trust

import "path/filepath"

const (
	systemInstall  = ""
	nssInstall     = "the NSS tools (certutil)"
	javaInstall    = "install a JDK and set JAVA_HOME"
	nssUnsupported = ""
)

// systemBackend: pkit knows no system store on this platform unless
// Options.System describes one.
func (t *Trust) systemBackend() backend {
	if t.o.System != nil {
		return anchorBackend{t: t, layout: t.o.System}
	}
	return anchorBackend{t: t, missing: &Unavailable{Store: System, Reason: "pkit knows no system trust store on this platform"}}
}

func nssDBPatterns(home string) []string {
	return []string{
		filepath.Join(home, ".pki", "nssdb"),
		filepath.Join(home, ".mozilla", "firefox", "*"),
	}
}
