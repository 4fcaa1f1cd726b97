package trust

import (
	"os"
	"path/filepath"
)

// linuxLayouts are the distributions' system stores, as mkcert knows
// them; the first whose anchor folder exists is used.
var linuxLayouts = []SystemLayout{
	// Fedora, RHEL, CentOS.
	{AnchorDir: "/etc/pki/ca-trust/source/anchors", Ext: ".pem", Refresh: []string{"update-ca-trust", "extract"}, Bundle: "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"},
	// Debian, Ubuntu (update-ca-certificates only takes *.crt).
	{AnchorDir: "/usr/local/share/ca-certificates", Ext: ".crt", Refresh: []string{"update-ca-certificates"}, Bundle: "/etc/ssl/certs/ca-certificates.crt",
		Links: "/etc/ssl/certs", Hooks: "/etc/ca-certificates/update.d"},
	// Arch.
	{AnchorDir: "/etc/ca-certificates/trust-source/anchors", Ext: ".crt", Refresh: []string{"trust", "extract-compat"}, Bundle: "/etc/ssl/certs/ca-certificates.crt"},
	// openSUSE, SLES.
	{AnchorDir: "/usr/share/pki/trust/anchors", Ext: ".pem", Refresh: []string{"update-ca-certificates"}, Bundle: "/var/lib/ca-certificates/ca-bundle.pem"},
}

const (
	systemInstall = "apt-get install ca-certificates (Fedora: dnf install ca-certificates)"
	nssInstall    = "apt-get install libnss3-tools (Fedora: dnf install nss-tools)"
	javaInstall   = "apt-get install default-jre-headless, or set JAVA_HOME"
	// nssUnsupported is why NSS databases are not used here ("": they are).
	nssUnsupported = ""
)

func (t *Trust) systemBackend() backend {
	if t.o.System != nil {
		return anchorBackend{t: t, layout: t.o.System}
	}
	for i := range linuxLayouts {
		if st, err := os.Stat(linuxLayouts[i].AnchorDir); err == nil && st.IsDir() {
			return anchorBackend{t: t, layout: &linuxLayouts[i]}
		}
	}
	return anchorBackend{t: t, missing: &Unavailable{Store: System,
		Reason: "no system trust store known to pkit (Debian/Ubuntu update-ca-certificates, Fedora/RHEL update-ca-trust, Arch, SUSE)",
		Tool:   "update-ca-certificates", Install: systemInstall}}
}

// nssDBPatterns are where NSS databases live under home: Chromium's
// (also the Snap's) and Firefox's profiles (also the Snap's).
func nssDBPatterns(home string) []string {
	return []string{
		filepath.Join(home, ".pki", "nssdb"),
		filepath.Join(home, "snap", "chromium", "current", ".pki", "nssdb"),
		filepath.Join(home, ".mozilla", "firefox", "*"),
		filepath.Join(home, "snap", "firefox", "common", ".mozilla", "firefox", "*"),
	}
}
