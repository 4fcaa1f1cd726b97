package trust

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pkit/pkit/formats"
)

// Store is a kind of trust store.
type Store string

// The stores pkit knows.
const (
	System Store = "system" // the operating system's store
	NSS    Store = "nss"    // NSS databases: Chromium on Linux, Firefox
	Java   Store = "java"   // Java's cacerts keystore
)

// Stores lists every store, in the order plans handle them.
var Stores = []Store{System, NSS, Java}

// Action is what a plan does at one location.
type Action string

// The actions of a [Change].
const (
	Add    Action = "add"    // put the root in (or refresh the store so that it takes it)
	Remove Action = "remove" // take pkit's entry out
	None   Action = "none"   // already as wanted; Change.Note says why
)

// RootFile stands, in a [Step]'s Command, for a PEM file holding the root;
// [Trust.Apply] writes that file to a temporary folder and removes it
// afterwards.
const RootFile = "{root.pem}"

// Step is one thing [Trust.Apply] does; exactly one field is set.
type Step struct {
	// Write is a file created with the root's PEM (mode 0644).
	Write string `json:"write,omitempty"`
	// Remove is a file deleted.
	Remove string `json:"remove,omitempty"`
	// Command is a command run, [RootFile] replaced by a file of the root.
	Command []string `json:"command,omitempty"`
}

func (s Step) String() string {
	switch {
	case s.Write != "":
		return "write " + s.Write
	case s.Remove != "":
		return "remove " + s.Remove
	}
	return strings.Join(quoteArgs(s.Command), " ")
}

func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'\\$`;&|<>()*?") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return out
}

// Change is what a plan does at one location of one store.
type Change struct {
	Store Store `json:"store"`
	// Location is the store's place: the system anchor folder or
	// keychain, an NSS database folder, a keystore file.
	Location string `json:"location"`
	Action   Action `json:"action"`
	// Name is the entry's name there: pkit's nickname, alias or file.
	Name string `json:"name,omitempty"`
	// Note says why nothing is done, or what else holds the root there.
	Note string `json:"note,omitempty"`
	// Steps are done in order; when one fails, Undo is done.
	Steps []Step `json:"steps,omitempty"`
	// Undo takes back the steps that were done (an anchor file written
	// before the refresh command failed).
	Undo []Step `json:"-"`
	// Done is set by [Trust.Apply] once every step succeeded.
	Done bool `json:"done"`
}

// Unavailable is a store that cannot be used here, and why.
type Unavailable struct {
	Store  Store  `json:"store"`
	Reason string `json:"reason"`
	// Tool is the missing program, if that is the reason, and Install
	// how to get it (e.g. "apt-get install libnss3-tools").
	Tool    string `json:"tool,omitempty"`
	Install string `json:"install,omitempty"`
}

// Plan is what installing or uninstalling will do, made by
// [Trust.PlanInstall] or [Trust.PlanUninstall] and carried out by
// [Trust.Apply].
type Plan struct {
	// Install is true for an install plan, false for an uninstall plan.
	Install bool `json:"install"`
	// Name is the root's entry name in the stores ([Name]).
	Name string `json:"name"`
	// SHA256 is the root's fingerprint, colon-separated hex.
	SHA256      string        `json:"sha256"`
	Changes     []Change      `json:"changes"`
	Unavailable []Unavailable `json:"unavailable,omitempty"`
}

// Pending reports whether the plan changes anything.
func (p *Plan) Pending() bool {
	for _, c := range p.Changes {
		if c.Action != None && !c.Done {
			return true
		}
	}
	return false
}

// Location is one place of a store and whether it holds the root.
type Location struct {
	Store Store `json:"store"`
	// Path is the anchor folder or keychain, NSS database or keystore.
	Path string `json:"path"`
	// Trusted is true when the store holds a certificate with the root's
	// fingerprint as a trusted CA for TLS servers.
	Trusted bool `json:"trusted"`
	// Names are the entries that hold it (nicknames, aliases, files).
	Names []string `json:"names,omitempty"`
	// AddedByPkit is true when one of them is pkit's own entry ([Name]).
	AddedByPkit bool `json:"added_by_pkit"`
	// Note says more, e.g. that an anchor file waits for a refresh.
	Note string `json:"note,omitempty"`

	pending bool // system: pkit's anchor file is there but not yet in the bundle
}

// Runner runs a command (argv[0] is the program) and returns what it
// printed, standard output and error together.
type Runner func(ctx context.Context, argv []string) ([]byte, error)

// SystemLayout is a Linux distribution's trust store: where local
// anchors go, the command that rebuilds the store from them, and the
// bundle clients read.
type SystemLayout struct {
	// AnchorDir is the folder of local CA certificates.
	AnchorDir string
	// Ext is the file name extension the refresh command takes (".crt"
	// for update-ca-certificates, which ignores other files).
	Ext string
	// Refresh rebuilds the store, e.g. ["update-ca-certificates"].
	Refresh []string
	// Bundle is the PEM bundle the refresh writes and clients read.
	Bundle string
	// Links and Hooks are Debian's: the refresh links each anchor
	// NAME.crt as Links/NAME.pem and tells the programs in Hooks (Java's
	// cacerts among them) what it added. It notices a removed anchor only
	// with --fresh, which rebuilds Java's cacerts from scratch, so
	// uninstalling removes the link and tells the hooks itself, as the
	// refresh does for the certificates it removes.
	Links, Hooks string
}

// Options says where the stores are and how to run their tools. Its zero
// value finds nothing but the system store.
type Options struct {
	// Home is the user's home folder, where NSS databases are looked for
	// (~/.pki/nssdb, Firefox profiles); "" looks for none.
	Home string
	// NSSDBs, when set, are the NSS database folders used instead of
	// those found under Home.
	NSSDBs []string
	// JavaHome is the Java installation whose lib/security/cacerts is the
	// Java store, and whose bin/keytool edits it.
	JavaHome string
	// JavaKeystore, when set, is the keystore used instead of JavaHome's
	// cacerts. Its password is "changeit", Java's default.
	JavaKeystore string
	// System, when set, is the Linux system store used instead of the
	// one detected; elsewhere it is ignored.
	System *SystemLayout
	// Run runs the stores' tools; nil runs them with os/exec.
	Run Runner
	// LookPath finds a program; nil is [exec.LookPath].
	LookPath func(string) (string, error)
}

// CommandError is a store tool that failed.
type CommandError struct {
	Argv   []string
	Output string
	Err    error
}

func (e *CommandError) Error() string {
	out := strings.TrimSpace(e.Output)
	if out != "" {
		out = ": " + strings.Join(strings.Fields(out), " ")
	}
	return fmt.Sprintf("%s: %v%s", strings.Join(quoteArgs(e.Argv), " "), e.Err, out)
}

func (e *CommandError) Unwrap() error { return e.Err }

// PermissionError is a plan that needs to write where this process may
// not: the system store, or a keystore owned by root. Nothing was changed.
type PermissionError struct {
	Store Store
	Path  string
	Err   error
}

func (e *PermissionError) Error() string {
	reason := e.Err
	for errors.Unwrap(reason) != nil {
		reason = errors.Unwrap(reason)
	}
	return fmt.Sprintf("the %s store %q is not writable by this user: %v", e.Store, e.Path, reason)
}

func (e *PermissionError) Unwrap() error { return e.Err }

// ErrNotRoot is returned by [New] for a certificate that is not a
// self-signed CA certificate.
var ErrNotRoot = errors.New("not a self-signed CA certificate")

// Trust installs, uninstalls and reports one root.
type Trust struct {
	root *x509.Certificate
	sum  [32]byte
	name string
	o    Options
}

// New returns a Trust for root, which must be a self-signed CA
// certificate.
func New(root *x509.Certificate, o Options) (*Trust, error) {
	if !root.IsCA || !formats.SelfIssued(root) || root.CheckSignatureFrom(root) != nil {
		return nil, fmt.Errorf("%q: %w", root.Subject.String(), ErrNotRoot)
	}
	if o.Run == nil {
		o.Run = execRun
	}
	if o.LookPath == nil {
		o.LookPath = exec.LookPath
	}
	return &Trust{root: root, sum: sha256.Sum256(root.Raw), name: Name(root), o: o}, nil
}

// Name is the name pkit gives root in every store: "pkit", the subject's
// common name (or the whole subject when it has none) and the first 16
// hex digits of its SHA-256 fingerprint, e.g. "pkit Acme Root CA
// 3f2a9c0d11b7e4a8". It is stable for a root and differs between roots.
func Name(root *x509.Certificate) string {
	sum := sha256.Sum256(root.Raw)
	cn := root.Subject.CommonName
	if cn == "" {
		cn = root.Subject.String()
	}
	return "pkit " + strings.Join(strings.Fields(cn), " ") + " " + hex.EncodeToString(sum[:8])
}

// FileName is [Name] as a file name: lower case letters, digits and
// dashes, e.g. "pkit-acme-root-ca-3f2a9c0d11b7e4a8".
func FileName(root *x509.Certificate) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(Name(root)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

// Name returns the root's entry name ([Name]).
func (t *Trust) Name() string { return t.name }

// SHA256 returns the root's fingerprint as colon-separated hex.
func (t *Trust) SHA256() string { return formats.FormatFingerprint(t.sum[:]) }

func (t *Trust) rootPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: t.root.Raw})
}

// holds reports whether data (PEM certificates, or one DER certificate)
// contains the root.
func (t *Trust) holds(data []byte) bool {
	for len(data) > 0 {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" && sha256.Sum256(b.Bytes) == t.sum {
			return true
		}
	}
	return false
}

// holdsDER is [Trust.holds] that also takes a DER file.
func (t *Trust) holdsDER(data []byte) bool {
	if bytes.Contains(data, []byte("-----BEGIN")) {
		return t.holds(data)
	}
	return sha256.Sum256(data) == t.sum
}

// backend is one kind of store.
type backend interface {
	// locations reports where the store is and whether each place holds
	// the root, or why the store is unavailable.
	locations(ctx context.Context) ([]Location, *Unavailable, error)
	// change plans the change at loc for an install or an uninstall.
	change(loc Location, install bool) Change
	// writable checks that change may be applied by this process.
	writable(c Change) error
}

func (t *Trust) backend(s Store) backend {
	switch s {
	case System:
		return t.systemBackend()
	case NSS:
		return nssBackend{t}
	case Java:
		return javaBackend{t}
	}
	return nil
}

// ErrUnknownStore is returned for a [Store] pkit does not know.
var ErrUnknownStore = errors.New("unknown trust store")

// Status reports, for each store in stores (all when empty), each place
// and whether it holds the root, and the stores that are unavailable.
func (t *Trust) Status(ctx context.Context, stores []Store) ([]Location, []Unavailable, error) {
	if len(stores) == 0 {
		stores = Stores
	}
	var locs []Location
	var un []Unavailable
	for _, s := range stores {
		b := t.backend(s)
		if b == nil {
			return nil, nil, fmt.Errorf("%q: %w", s, ErrUnknownStore)
		}
		l, u, err := b.locations(ctx)
		if err != nil {
			return nil, nil, err
		}
		if u != nil {
			un = append(un, *u)
		}
		locs = append(locs, l...)
	}
	return locs, un, nil
}

// PlanInstall plans putting the root into stores (all when empty). It
// changes nothing. It fails with a [*PermissionError] when a change is
// needed where this process may not write.
func (t *Trust) PlanInstall(ctx context.Context, stores []Store) (*Plan, error) {
	return t.plan(ctx, stores, true)
}

// PlanUninstall plans taking pkit's entry for the root out of stores
// (all when empty); copies of the root under other names stay. It
// changes nothing.
func (t *Trust) PlanUninstall(ctx context.Context, stores []Store) (*Plan, error) {
	return t.plan(ctx, stores, false)
}

func (t *Trust) plan(ctx context.Context, stores []Store, install bool) (*Plan, error) {
	if len(stores) == 0 {
		stores = Stores
	}
	p := &Plan{Install: install, Name: t.name, SHA256: t.SHA256(), Changes: []Change{}}
	for _, s := range stores {
		b := t.backend(s)
		if b == nil {
			return nil, fmt.Errorf("%q: %w", s, ErrUnknownStore)
		}
		locs, u, err := b.locations(ctx)
		if err != nil {
			return nil, err
		}
		if u != nil {
			p.Unavailable = append(p.Unavailable, *u)
			continue
		}
		for _, l := range locs {
			c := b.change(l, install)
			if c.Action != None {
				if err := b.writable(c); err != nil {
					return nil, err
				}
			}
			p.Changes = append(p.Changes, c)
		}
	}
	return p, nil
}

// Apply carries out the plan's pending changes in order, marking each
// Done. It stops at the first change that fails, after undoing that
// change's finished steps; the changes before it stay done.
func (t *Trust) Apply(ctx context.Context, p *Plan) error {
	rootFile := "" // written on first use, in a folder of its own
	defer func() {
		if rootFile != "" {
			os.RemoveAll(filepath.Dir(rootFile))
		}
	}()
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Action == None || c.Done {
			continue
		}
		for j, s := range c.Steps {
			if rootFile == "" && needsRootFile(s) {
				dir, err := os.MkdirTemp("", "pkit-trust-")
				if err != nil {
					return err
				}
				rootFile = filepath.Join(dir, "root.pem")
				if err := os.WriteFile(rootFile, t.rootPEM(), 0o644); err != nil {
					return err
				}
			}
			if err := t.step(ctx, s, rootFile); err != nil {
				if j > 0 {
					for _, u := range c.Undo {
						t.step(ctx, u, rootFile)
					}
				}
				return fmt.Errorf("%s store %q: %w", c.Store, c.Location, err)
			}
		}
		c.Done = true
	}
	return nil
}

func needsRootFile(s Step) bool {
	for _, a := range s.Command {
		if strings.Contains(a, RootFile) {
			return true
		}
	}
	return false
}

func (t *Trust) step(ctx context.Context, s Step, rootFile string) error {
	switch {
	case s.Write != "":
		return formats.WriteFile(s.Write, t.rootPEM(), 0o644, true)
	case s.Remove != "":
		err := os.Remove(s.Remove)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	case len(s.Command) > 0:
		argv := make([]string, len(s.Command))
		for i, a := range s.Command {
			argv[i] = strings.ReplaceAll(a, RootFile, rootFile)
		}
		_, err := t.o.Run(ctx, argv)
		return err
	}
	return nil
}

func execRun(ctx context.Context, argv []string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, &CommandError{Argv: argv, Output: string(out), Err: err}
	}
	return out, nil
}

// run runs argv with the runner, turning a failure into a
// [*CommandError].
func (t *Trust) run(ctx context.Context, argv ...string) ([]byte, error) {
	out, err := t.o.Run(ctx, argv)
	var ce *CommandError
	if err != nil && !errors.As(err, &ce) {
		err = &CommandError{Argv: argv, Output: string(out), Err: err}
	}
	return out, err
}

// writableFile reports whether path, an existing file, may be rewritten
// by this process (opened for writing, nothing written), or else that
// its folder takes new files.
func writableFile(store Store, path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return &PermissionError{Store: store, Path: path, Err: err}
	}
	f.Close()
	return nil
}

// writableDir reports whether files may be created in dir.
func writableDir(store Store, dir string) error {
	if err := formats.CheckDir(dir); err != nil {
		return &PermissionError{Store: store, Path: dir, Err: err}
	}
	return nil
}

// leftAlone is the note of a change that leaves entries pkit did not add
// (names) as they are: "" when there are none.
func leftAlone(what string, names []string) string {
	if len(names) == 0 {
		return ""
	}
	return what + " " + quoteList(names) + ", not added by pkit: left alone"
}
