package ca

// Output planning and the order of issuance's side effects.
//
// A command that issues certificates first plans every file it will
// write, for all its certificates at once ([Plan.Add]), before anything is
// signed: each path is a whole file name inside its folder (a name such as
// ".." cannot climb out of --out-dir, because the folder is never joined
// with a bare name and a suffix added afterwards), no two outputs of the
// run are the same file (compared as absolute paths with symbolic links in
// the folders resolved, and without regard to case on macOS and Windows,
// whose file systems usually ignore it), names fit the file system's
// limits ([formats.CheckPath]), no output is one of the CA directory's own
// files, and every folder exists (or is made) and takes new files.
//
// Then, per certificate ([Authority.IssueTo]): sign; stage every file
// (written and synced under no name, or a hidden temporary one); record
// the certificate in the store with its files, marked as being placed, in
// one transaction; put the files in place; clear the mark. A full disk
// shows while staging, before anything is recorded. If placing fails
// after the record was made, the record is deleted again (the certificate
// was never handed to anyone), unless an overwrite placed some of the
// files before failing; only if that deletion fails too is the
// certificate left recorded without files, and the error says so
// ([FilesError]).
//
// A process killed after the record is committed and before its files are
// in place leaves the mark, and the hidden links of a set it was placing.
// The next writer of the store settles both (journal.go): the links first
// ([formats.Recover]: a set whose links were all made is finished, so a
// certificate and its key end up as a matching pair; the links of a set
// killed earlier are removed), then the record: kept when its files are
// in place, deleted when none is. The other order (files first) would
// leave certificates in use that the CA has no record of, which is worse:
// a record without files can be revoked; a file without a record cannot
// be found.

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/pkit/pkit/formats"
)

// OutputKind says what an output file holds.
type OutputKind string

// The kinds of files issuance writes.
const (
	// OutCert is the certificate, PEM, mode 0644.
	OutCert OutputKind = "cert"
	// OutKey is the new private key, PKCS#8 PEM, mode 0600.
	OutKey OutputKind = "key"
	// OutChain is the certificate followed by the intermediates, PEM, 0644.
	OutChain OutputKind = "chain"
	// OutP12 is a PKCS#12 file with the key, the certificate and the
	// intermediates, mode 0600.
	OutP12 OutputKind = "p12"
	// OutCSR is a certificate request, PEM, mode 0644 (pkit csr).
	OutCSR OutputKind = "csr"
	// OutCombined is the certificate, the intermediates and the private
	// key in one PEM file, mode 0600: the file HAProxy's "crt" takes.
	OutCombined OutputKind = "combined"
)

// Perm is the permission bits pkit gives a file of kind k: 0600 for
// files holding a private key, 0644 for the rest.
func (k OutputKind) Perm() fs.FileMode {
	if k == OutKey || k == OutP12 || k == OutCombined {
		return 0o600
	}
	return 0o644
}

// Output is one file a command will write.
type Output struct {
	Kind OutputKind
	Path string
}

// The reasons a [*OutputError] may wrap, besides [fs.ErrExist],
// [formats.ErrNameTooLong] and the system's reasons a folder cannot be
// made or written.
var (
	// ErrOutputEscapes: the name cannot be a file name in its folder
	// (".", "..", empty, or a folder path).
	ErrOutputEscapes = errors.New("not a file name in the output folder")
	// ErrOutputCollides: two outputs of the run are the same file.
	ErrOutputCollides = errors.New("the same file as another output")
	// ErrOutputInCADir: the output is one of the CA directory's own files,
	// or in its ca/ or crl/ folder.
	ErrOutputInCADir = errors.New("in the CA directory")
	// ErrOutputIsFolder: the path names an existing folder.
	ErrOutputIsFolder = errors.New("is a folder")
)

// OutputError is an output that cannot be written, found while planning
// (nothing was signed).
type OutputError struct {
	// Path is the output path, or the certificate name for a name that
	// cannot make file names.
	Path string
	// Other names what the path collides with ([ErrOutputCollides]).
	Other string
	Err   error
}

func (e *OutputError) Error() string {
	switch {
	case errors.Is(e.Err, ErrOutputEscapes):
		return fmt.Sprintf("%q cannot name the output files: it is not a file name inside the output folder", e.Path)
	case errors.Is(e.Err, ErrOutputInCADir):
		return fmt.Sprintf("%q is in the CA directory, which holds only the CA's own files", e.Path)
	case errors.Is(e.Err, ErrOutputCollides):
		return fmt.Sprintf("%q is written twice: it is also %s", e.Path, e.Other)
	case errors.Is(e.Err, ErrOutputIsFolder):
		return fmt.Sprintf("%q is a folder", e.Path)
	case errors.Is(e.Err, fs.ErrExist):
		return fmt.Sprintf("%q already exists", e.Path)
	case errors.Is(e.Err, formats.ErrNameTooLong):
		return e.Err.Error()
	}
	return e.Err.Error()
}

// Unwrap returns e.Err.
func (e *OutputError) Unwrap() error { return e.Err }

// Mistake reports whether the error is in what was asked (a name that
// leaves its folder, outputs that collide or go into the CA directory,
// names too long), rather than
// in the state of the disk (an existing file, an unwritable folder).
func (e *OutputError) Mistake() bool {
	return errors.Is(e.Err, ErrOutputEscapes) || errors.Is(e.Err, ErrOutputCollides) || errors.Is(e.Err, ErrOutputInCADir) ||
		errors.Is(e.Err, formats.ErrNameTooLong)
}

// FileStem is the start of the file names of a certificate called name,
// the way mkcert names them: "*" becomes "_wildcard", ":" (IPv6) "/" and
// "\" become "_", "@" becomes "_at_"; for any profile but "server",
// "-PROFILE" follows ("alice-client"). A name that leaves nothing usable
// (".", "..") is an [*OutputError] wrapping [ErrOutputEscapes].
func FileStem(name, profile string) (string, error) {
	stem := strings.ReplaceAll(name, "*", "_wildcard")
	stem = strings.NewReplacer(":", "_", "/", "_", "\\", "_", "@", "_at_").Replace(stem)
	if stem == "" || stem == "." || stem == ".." {
		return "", &OutputError{Path: name, Err: ErrOutputEscapes}
	}
	if profile != "server" {
		stem += "-" + profile
	}
	return stem, nil
}

// OutputPath is the path of the file stem+suffix in dir: the file name
// is made whole before it is joined to the folder, so that it cannot
// climb out of it.
func OutputPath(dir, stem, suffix string) string {
	return filepath.Join(dir, stem+suffix)
}

// PlanOptions configures a [Plan]. The zero value neither overwrites nor
// skips syncing, and makes missing folders with mode 0755.
type PlanOptions struct {
	// Overwrite lets outputs replace existing files (-f/--force).
	Overwrite bool
	// Bulk writes files without a sync each; call [Plan.Sync] at the end
	// (see [formats.WriteOptions]).
	Bulk bool
	// MkdirAll makes a missing output folder and its parents; nil means
	// os.MkdirAll with mode 0755. Commands pass one that remembers the
	// folders it made, to remove them again when the command fails.
	MkdirAll func(dir string) error
}

// Plan is every output of one run, checked as a whole before anything is
// signed (see the package's plan.go for the order of the steps). Add is
// not safe for concurrent use; IssueTo with a finished plan is.
type Plan struct {
	o        PlanOptions
	owners   map[string]string // collision key -> who writes it
	dirs     map[string]error  // folders checked, with the outcome
	order    []string          // folders in the order first seen
	reserved []string          // collision keys of the CA directory's files and folders
	real     map[string]string // folder -> its absolute path, symbolic links resolved
}

// NewPlan returns an empty plan.
func NewPlan(o PlanOptions) *Plan {
	return &Plan{o: o, owners: map[string]string{}, dirs: map[string]error{}, real: map[string]string{}}
}

// NewPlan returns an empty plan that also keeps outputs off the CA
// directory's own files: config, the store and its journal files, and
// everything in ca/ and crl/.
func (a *Authority) NewPlan(o PlanOptions) *Plan {
	p := NewPlan(o)
	for _, n := range []string{"config", "store", "store-wal", "store-shm", "store-journal"} {
		p.reserved = append(p.reserved, p.collisionKey(filepath.Join(a.Dir, n)))
	}
	for _, n := range []string{"ca", "crl"} {
		p.reserved = append(p.reserved, p.collisionKey(filepath.Join(a.Dir, n))+string(filepath.Separator))
	}
	return p
}

// Add plans the outputs of one item (one certificate, or one request),
// which owner names in errors ("line 4", "--key-file"; may be empty). It
// checks them, with everything added before, in the order of the package
// doc, and on error adds nothing and returns an [*OutputError]. Paths
// that are "" are skipped.
func (p *Plan) Add(owner string, outs ...Output) error {
	keys := make([]string, len(outs))
	for i, o := range outs {
		if o.Path == "" {
			continue
		}
		base := filepath.Base(o.Path)
		if base == "." || base == ".." || base == string(filepath.Separator) || strings.HasSuffix(o.Path, "/") ||
			strings.HasSuffix(o.Path, string(filepath.Separator)) {
			return &OutputError{Path: o.Path, Err: ErrOutputEscapes}
		}
		if err := formats.CheckPath(o.Path); err != nil {
			return &OutputError{Path: o.Path, Err: err}
		}
		k := p.collisionKey(o.Path)
		if prev, ok := p.owners[k]; ok {
			return &OutputError{Path: o.Path, Other: prev, Err: ErrOutputCollides}
		}
		for j := range i {
			if keys[j] == k {
				return &OutputError{Path: o.Path, Other: "the " + string(outs[j].Kind) + " file", Err: ErrOutputCollides}
			}
		}
		for _, r := range p.reserved {
			if k == r || (strings.HasSuffix(r, string(filepath.Separator)) && strings.HasPrefix(k, r)) {
				return &OutputError{Path: o.Path, Err: ErrOutputInCADir}
			}
		}
		keys[i] = k
	}
	for _, o := range outs {
		if o.Path == "" {
			continue
		}
		if fi, err := os.Stat(o.Path); err == nil && fi.IsDir() {
			return &OutputError{Path: o.Path, Err: ErrOutputIsFolder}
		}
		if _, err := os.Lstat(o.Path); err == nil && !p.o.Overwrite {
			return &OutputError{Path: o.Path, Err: fs.ErrExist}
		}
		if err := p.checkDir(filepath.Dir(o.Path)); err != nil {
			return &OutputError{Path: o.Path, Err: err}
		}
	}
	for i, o := range outs {
		if o.Path == "" {
			continue
		}
		what := "the " + string(o.Kind) + " file"
		if owner != "" {
			what += " of " + owner
		}
		p.owners[keys[i]] = what
	}
	return nil
}

// DirError is a folder an output goes into that cannot be made or
// written (wrapped in an [*OutputError]).
type DirError struct {
	Dir string
	// Made is false when the folder could not be created.
	Made bool
	Err  error
}

func (e *DirError) Error() string {
	if !e.Made {
		return fmt.Sprintf("cannot create the folder %q: %v", e.Dir, formats.SystemReason(e.Err))
	}
	return e.Err.Error()
}

// Unwrap returns e.Err.
func (e *DirError) Unwrap() error { return e.Err }

// CheckDir makes the folder dir when missing and checks that it takes
// new files, as Add does for the folder of each output; commands whose
// outputs all go into one folder check it once, first. The error is an
// [*OutputError] wrapping a [*DirError].
func (p *Plan) CheckDir(dir string) error {
	if err := p.checkDir(dir); err != nil {
		return &OutputError{Path: dir, Err: err}
	}
	return nil
}

// checkDir makes dir when missing and checks that it takes new files
// ([formats.CheckDir]), once per folder.
func (p *Plan) checkDir(dir string) error {
	if err, ok := p.dirs[dir]; ok {
		return err
	}
	mkdir := p.o.MkdirAll
	if mkdir == nil {
		mkdir = func(d string) error { return os.MkdirAll(d, 0o755) }
	}
	var err error
	if merr := mkdir(dir); merr != nil {
		err = &DirError{Dir: dir, Err: merr}
	} else if cerr := formats.CheckDir(dir); cerr != nil {
		err = &DirError{Dir: dir, Made: true, Err: cerr}
	} else {
		// Settle what a killed write left here before the run starts.
		formats.RecoverInterrupted(dir)
	}
	p.dirs[dir] = err
	p.order = append(p.order, dir)
	return err
}

// Sync flushes the file systems of the plan's folders, once each, for a
// [PlanOptions.Bulk] run.
func (p *Plan) Sync() error {
	var errs []error
	for _, d := range p.order {
		if p.dirs[d] == nil {
			if err := formats.SyncFS(d); err != nil {
				errs = append(errs, fmt.Errorf("syncing %q: %w", d, err))
			}
		}
	}
	return errors.Join(errs...)
}

// collisionKey is the identity of an output path: absolute, with the
// folder's symbolic links resolved when it exists (once per folder), and
// case-folded on systems whose file systems usually ignore case.
func (p *Plan) collisionKey(path string) string {
	dir, base := filepath.Split(path)
	real, ok := p.real[dir]
	if !ok {
		var err error
		if real, err = filepath.Abs(dir); err != nil {
			real = filepath.Clean(dir)
		}
		if r, err := filepath.EvalSymlinks(real); err == nil {
			real = r
		}
		p.real[dir] = real
	}
	abs := filepath.Join(real, base)
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		abs = strings.ToLower(abs)
	}
	return abs
}

// Outputs are the planned files of one certificate and what they need.
type Outputs struct {
	Files []Output
	// Keep are existing files the certificate is issued with that are not
	// written (the key file a renewal reuses): they are recorded with it,
	// as they are, so that the new certificate owns them (see journal.go).
	Keep []Output
	// Key is the private key of Request.PublicKey, for a .p12, when the
	// request carries a public key; a generated key is used otherwise.
	Key crypto.Signer
	// P12Password and P12Legacy encode the .p12 ([formats.EncodePKCS12]).
	P12Password string
	P12Legacy   bool
}

// FilesError is a certificate that was signed but whose files could not
// be staged or placed. Recorded says whether it stayed in the store: it
// is false unless the record could not be deleted after placing failed.
type FilesError struct {
	Serial   *big.Int
	Recorded bool
	Err      error
}

func (e *FilesError) Error() string {
	if e.Recorded {
		return fmt.Sprintf("certificate %s is recorded but its files could not be written: %v", SerialHex(e.Serial), e.Err)
	}
	return fmt.Sprintf("%v; nothing was recorded or written", e.Err)
}

// Unwrap returns e.Err.
func (e *FilesError) Unwrap() error { return e.Err }

// IssueTo issues r like [Authority.Issue] and writes the files out plans,
// all or nothing: after signing, every file is staged, then the
// certificate is recorded with its files and marked as being placed, then
// the files are put in place and the mark is cleared (see the package's
// plan.go and journal.go). The paths must have been added to p. A failure
// after signing is a [*FilesError]; whatever fails, no certificate is left
// recorded without its files (unless FilesError.Recorded says so) and no
// file is written without a record. The first call settles what killed
// processes left in the store's placement journal
// ([Store.SettlePlacements]).
func (a *Authority) IssueTo(ctx context.Context, r *Request, p *Plan, out *Outputs) (*Issued, error) {
	// A .p12's password-derived keys need neither the key nor the
	// certificate: derived meanwhile, on the machine's other cores.
	p12 := out.prepareP12(r.Name)
	a.Store.settleOnce(ctx)
	// On Linux the files are staged and the record committed without a
	// sync each, then made durable together before placing: in one
	// syncfs, unless much data waits to be written back, else with one
	// fsync per file all issued at once (durable.go).
	deferSync := !p.o.Bulk && formats.HasSyncFS()
	syncFS := deferSync && formats.SyncFSCheap()
	var staged *formats.StagedFiles
	defer func() {
		if staged != nil {
			staged.Discard()
		}
	}()
	var stored []StoredFile
	written := 0 // stored[:written] are the files written, the rest kept
	iss, err := a.issue(ctx, r, func(iss *Issued, rec *Record) error {
		if staged != nil { // a retry with a new serial
			staged.Discard()
			staged = nil
		}
		files, err := out.encode(iss, r.Name, p12) // a retry's .p12 gets new salts and keys
		if err == nil {
			plain := make([]formats.File, len(files))
			for i, f := range files {
				plain[i] = f.File
			}
			staged, err = formats.StageFiles(plain, formats.WriteOptions{Overwrite: p.o.Overwrite, NoSync: p.o.Bulk, DeferSync: deferSync})
		}
		if err != nil {
			return &FilesError{Serial: iss.Cert.SerialNumber, Err: err}
		}
		stored = stored[:0]
		for _, f := range files {
			stored = append(stored, StoredFile{Kind: f.kind, Path: f.Path, SHA256: sha256.Sum256(f.Data)})
		}
		written = len(stored)
		for _, k := range out.Keep {
			if sum, err := hashFile(k.Path); err == nil {
				stored = append(stored, StoredFile{Kind: k.Kind, Path: k.Path, SHA256: sum})
			}
		}
		rec.Files, rec.deferSync = stored, deferSync
		return nil
	})
	if err != nil {
		if staged != nil { // staged, then the record failed (a full disk)
			return nil, fmt.Errorf("%w; nothing was recorded or written", err)
		}
		return nil, err
	}
	ctx = context.WithoutCancel(ctx) // the record and the files must end in step
	if deferSync {
		// The files' data and the record, durable before any file is named.
		var err error
		if syncFS {
			err = staged.Sync(a.Store.localFiles()...)
		} else {
			err = staged.SyncEach(a.Store.logFiles()...)
		}
		if err != nil {
			uerr := a.Store.unrecord(ctx, iss.Cert.SerialNumber)
			return nil, &FilesError{Serial: iss.Cert.SerialNumber, Recorded: uerr != nil, Err: err}
		}
	}
	if err := staged.Place(); err != nil {
		// An overwrite that failed half-way keeps the files it placed:
		// then the certificate is on disk and keeps its record.
		var placed bool
		for _, f := range stored {
			placed = placed || f.InPlace()
		}
		var uerr error
		if placed {
			uerr = a.Store.placed(ctx, iss.Cert.SerialNumber, false)
		} else {
			uerr = a.Store.unrecord(ctx, iss.Cert.SerialNumber)
		}
		return nil, &FilesError{Serial: iss.Cert.SerialNumber, Recorded: placed || uerr != nil, Err: err}
	}
	// Should clearing the mark fail, the files are in place all the same,
	// and the next writer of the store clears it.
	a.Store.placed(ctx, iss.Cert.SerialNumber, !p.o.Bulk)
	iss.Files = stored[:written:written]
	return iss, nil
}

// kindedFile is a file to write and what it holds.
type kindedFile struct {
	formats.File
	kind OutputKind
}

// prepareP12 starts the key derivations of the planned .p12 of the
// certificate called name ([formats.PreparePKCS12]), or returns nil when
// none is planned.
func (out *Outputs) prepareP12(name string) *formats.PKCS12Writer {
	for _, o := range out.Files {
		if o.Kind == OutP12 && o.Path != "" {
			return formats.PreparePKCS12(out.P12Password, out.p12Options(name))
		}
	}
	return nil
}

// p12Options are the options of the .p12 of the certificate called name.
func (out *Outputs) p12Options(name string) formats.PKCS12Options {
	return formats.PKCS12Options{Legacy: out.P12Legacy, FriendlyName: name}
}

// encode makes the contents of the planned files for iss; the .p12 with
// p12 when not nil (from prepareP12, with out's password and options).
func (out *Outputs) encode(iss *Issued, name string, p12 *formats.PKCS12Writer) ([]kindedFile, error) {
	key := iss.Key
	if key == nil {
		key = out.Key
	}
	var files []kindedFile
	for _, o := range out.Files {
		if o.Path == "" {
			continue
		}
		var data []byte
		switch o.Kind {
		case OutCert:
			data = WriteChainPEM(iss.Cert)
		case OutChain:
			data = WriteChainPEM(append([]*x509.Certificate{iss.Cert}, iss.Chain...)...)
		case OutKey:
			if iss.Key == nil {
				continue // the request carried its own key
			}
			var err error
			if data, err = formats.EncodePrivateKeyPEM(iss.Key); err != nil {
				return nil, err
			}
		case OutCombined:
			if key == nil {
				return nil, errors.New("a combined file needs the private key")
			}
			keyPEM, err := formats.EncodePrivateKeyPEM(key)
			if err != nil {
				return nil, err
			}
			data = append(WriteChainPEM(append([]*x509.Certificate{iss.Cert}, iss.Chain...)...), keyPEM...)
		case OutP12:
			if key == nil {
				return nil, errors.New("a .p12 needs the private key")
			}
			var err error
			if p12 != nil {
				data, err = p12.Encode(key, iss.Cert, iss.Chain)
			} else {
				data, err = formats.EncodePKCS12(key, iss.Cert, iss.Chain, out.P12Password, out.p12Options(name))
			}
			if err != nil {
				return nil, fmt.Errorf("writing the .p12: %w", err)
			}
		default:
			return nil, fmt.Errorf("no %s file for a certificate", o.Kind)
		}
		files = append(files, kindedFile{formats.File{Path: o.Path, Data: data, Perm: o.Kind.Perm()}, o.Kind})
	}
	return files, nil
}

// unrecord deletes the record of a certificate that was never handed out
// (its files could not be placed). Only a valid record is deleted.
func (s *Store) unrecord(ctx context.Context, serial *big.Int) error {
	_, err := s.db.ExecContext(ctx, "DELETE FROM certs WHERE serial = ? AND status = 'valid'", SerialHex(serial))
	return err
}
