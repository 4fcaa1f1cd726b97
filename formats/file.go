package formats

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// File is one output of a command: where it goes, what it holds and the
// permission bits it gets.
type File struct {
	Path string
	Data []byte
	Perm fs.FileMode
}

// ErrExist is returned (wrapped) by [WriteFile] and [WriteFiles] when a
// destination already exists and overwriting was not allowed.
var ErrExist = fs.ErrExist

// ErrNameTooLong is returned (wrapped) by [CheckPath] for a file name or
// path longer than the file system takes, counting the temporary names a
// write makes beside it.
var ErrNameTooLong = errors.New("name too long")

// MaxName is the longest file name, in bytes, that [WriteFiles] writes:
// NAME_MAX (255 bytes on Linux, macOS and Windows file systems) less room
// for the hidden temporary names a write makes beside the file
// (".NAME.pkit-new-PID.SEQ.I.N", ".NAME.tmpDIGITS").
const MaxName = 255 - 40

// CheckPath reports whether path is a file name [WriteFiles] can write
// as far as lengths go, without touching the disk: every component at
// most 255 bytes, the file name at most [MaxName], and the whole path,
// made absolute, within the system's PATH_MAX. The error wraps
// [ErrNameTooLong].
func CheckPath(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if len(abs)+(255-MaxName) >= maxPath {
		return fmt.Errorf("%q: the path has %d bytes; this system takes at most %d: %w", path, len(abs), maxPath-(255-MaxName)-1, ErrNameTooLong)
	}
	base := filepath.Base(abs)
	if len(base) > MaxName {
		return fmt.Errorf("%q: the file name has %d bytes; pkit writes names of at most %d: %w", path, len(base), MaxName, ErrNameTooLong)
	}
	for _, c := range strings.Split(filepath.ToSlash(abs), "/") {
		if len(c) > 255 {
			return fmt.Errorf("%q: a folder name has %d bytes; file systems take at most 255: %w", path, len(c), ErrNameTooLong)
		}
	}
	return nil
}

// WriteFile writes data to path atomically: the bytes go to an unnamed
// temporary file in the destination directory (O_TMPFILE where the file
// system supports it, so a crash leaves nothing behind), are synced, and
// the file is then linked into place. Without overwrite an existing path
// makes it fail with an error wrapping [fs.ErrExist] and nothing changes;
// with overwrite the old file is replaced by a rename. Readers see either
// the old file or the whole new one, never a part.
func WriteFile(path string, data []byte, perm fs.FileMode, overwrite bool) error {
	return WriteFiles([]File{{Path: path, Data: data, Perm: perm}}, overwrite)
}

// WriteFiles writes several files as one unit: all are staged and synced
// first, then put in place; if any cannot be placed, the ones already
// placed by this call are removed again, so either every file is written
// or none is. Without overwrite, an existing destination is an error
// wrapping [fs.ErrExist].
func WriteFiles(files []File, overwrite bool) error {
	return WriteFilesWith(files, WriteOptions{Overwrite: overwrite})
}

// WriteOptions configures [WriteFilesWith]. The zero value neither
// overwrites nor skips syncing.
type WriteOptions struct {
	// Overwrite replaces existing files.
	Overwrite bool
	// NoSync skips the fsync of each file and its directory. The files are
	// still placed atomically (a crash of the process leaves the old state
	// or the whole new file), but only a later [SyncFS] makes them survive
	// a power loss. For bulk writers that sync once at the end. Where the
	// system has no syncfs(2) (outside Linux) every file is synced anyway.
	NoSync bool
	// DeferSync stages the files without an fsync each: the caller makes
	// them durable with one [StagedFiles.Sync] before [StagedFiles.Place]
	// (one syncfs(2) per file system, which may also cover other files the
	// caller wrote there, such as a database log), and Place still syncs
	// the folders. Same guarantees as the default, fewer sync calls. Where
	// the system has no syncfs(2) (outside Linux) every file is synced as
	// it is staged and Sync does nothing.
	DeferSync bool
}

// SyncFS flushes the whole file system holding path to stable storage,
// once, for everything written with NoSync.
func SyncFS(path string) error { return syncFS(path) }

// HasSyncFS reports whether this system flushes a whole file system in
// one call ([SyncFS]); without it, [SyncFS] does nothing and every file is
// synced as it is written.
func HasSyncFS() bool { return haveSyncFS }

// SyncFSCheap reports whether one [SyncFS] now is likely to cost less
// than syncing a few files one by one: the system has syncfs(2), and
// little data of any process is waiting to be written back (syncfs writes
// back all of it on the file system). Writers of a few files that can
// take either way ask it first.
func SyncFSCheap() bool { return haveSyncFS && syncFSCheap() }

// SyncFileSystems flushes, once each, the file systems holding paths
// (folders or files that exist): one syncfs(2) for paths that share one.
// It does nothing where the system has no syncfs(2) ([HasSyncFS]).
func SyncFileSystems(paths ...string) error {
	if !haveSyncFS {
		return nil
	}
	seen := map[uint64]bool{}
	var errs []error
	for _, p := range paths {
		if dev, ok := deviceOf(p); ok {
			if seen[dev] {
				continue
			}
			seen[dev] = true
		}
		if err := syncFS(p); err != nil {
			errs = append(errs, fmt.Errorf("syncing %q: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

// WriteFilesWith is [WriteFiles] with options.
func WriteFilesWith(files []File, o WriteOptions) error {
	s, err := StageFiles(files, o)
	if err != nil {
		return err
	}
	defer s.Discard()
	return s.Place()
}

// StagedFiles are files written (and, unless NoSync, synced) under no
// name or hidden temporary names, waiting to be put in place as one unit
// by [StagedFiles.Place]. Staging is where a full disk or a quota shows;
// placing only adds names. Callers that must record something before the
// files appear (a CA recording a certificate) stage, record, then place.
type StagedFiles struct {
	files []*stagedFile
	o     WriteOptions
}

// StageFiles writes files under temporary names in their folders. Without
// o.Overwrite an existing destination is an error wrapping [fs.ErrExist]
// (checked again, atomically, when placing). Call [StagedFiles.Place] or
// [StagedFiles.Discard].
func StageFiles(files []File, o WriteOptions) (*StagedFiles, error) {
	if !o.Overwrite {
		for _, f := range files {
			if _, err := os.Lstat(f.Path); err == nil {
				return nil, fmt.Errorf("%q: %w", f.Path, fs.ErrExist)
			}
		}
	}
	s := &StagedFiles{o: o}
	for _, f := range files {
		sf, err := stage(f, !(o.NoSync || o.DeferSync) || !haveSyncFS)
		if err != nil {
			s.Discard()
			return nil, err
		}
		s.files = append(s.files, sf)
	}
	return s, nil
}

// Sync makes the staged files' data durable, for files staged with
// [WriteOptions.DeferSync], together with everything else written to the
// file systems of also (paths that exist): one syncfs(2) per file system
// ([SyncFileSystems]). Call it before [StagedFiles.Place], which must not
// give a name to data that a power loss could still lose. Without
// DeferSync, or without syncfs(2), the data was synced when staged and
// Sync flushes only also's file systems (nothing outside Linux).
func (s *StagedFiles) Sync(also ...string) error {
	paths := also
	if s.o.DeferSync {
		paths = make([]string, 0, len(s.files)+len(also))
		for _, f := range s.files {
			paths = append(paths, filepath.Dir(f.dst))
		}
		paths = append(paths, also...)
	}
	return SyncFileSystems(paths...)
}

// SyncEach is [StagedFiles.Sync] for when a syncfs(2) would cost more
// than syncing a few files ([SyncFSCheap] is false: much data of other
// processes waits to be written back, and syncfs would write all of it):
// it syncs only the staged files (those staged with
// [WriteOptions.DeferSync]) and also (files or folders that exist), with
// one fsync each, all issued at once. The calls wait on the disk together
// instead of one after another, so the whole costs about as long as the
// slowest of them. Folders are synced as [StagedFiles.Place] syncs them:
// a folder that cannot be synced is not an error. Call it before Place.
func (s *StagedFiles) SyncEach(also ...string) error {
	var todo []*os.File
	var names []string
	if s.o.DeferSync && haveSyncFS { // else each was synced when staged
		for _, f := range s.files {
			todo, names = append(todo, f.f), append(names, f.dst)
		}
	}
	var errs []error
	var folders []*os.File
	for _, p := range also {
		f, err := os.Open(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("syncing %q: %w", p, err))
			continue
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			folders = append(folders, f)
			continue
		}
		todo, names = append(todo, f), append(names, p)
	}
	results := make([]error, len(todo))
	var wg sync.WaitGroup
	for i, f := range todo {
		wg.Go(func() { results[i] = f.Sync() })
	}
	for _, d := range folders {
		wg.Go(func() { d.Sync() })
	}
	wg.Wait()
	for i, err := range results {
		if err != nil {
			errs = append(errs, fmt.Errorf("syncing %q: %w", names[i], err))
		}
	}
	return errors.Join(errs...)
}

// Place puts the staged files at their destinations as one unit (see
// [WriteFiles]) and syncs their folders unless NoSync. Either every file
// is placed or, on error, none is (an overwrite that fails half-way,
// which takes a failing rename(2) within one folder, keeps the new files
// it placed). The staged files are released either way.
func (s *StagedFiles) Place() error {
	defer s.Discard()
	if err := place(s.files, s.o.Overwrite); err != nil {
		return err
	}
	if !s.o.NoSync || !haveSyncFS {
		dirs := map[string]bool{}
		for _, f := range s.files {
			if d := filepath.Dir(f.dst); !dirs[d] {
				dirs[d] = true
				syncDir(d)
			}
		}
	}
	return nil
}

// Discard drops the staged files that were not placed. It may be called
// more than once, and after Place.
func (s *StagedFiles) Discard() {
	for _, f := range s.files {
		f.discard()
	}
	s.files = nil
}

// stagedFile is a synced temporary file waiting to be linked into place.
type stagedFile struct {
	f       *os.File
	tmpName string // "" for an O_TMPFILE file, which has no name
	dst     string
}

func stage(f File, sync bool) (*stagedFile, error) {
	s, err := open(f.Path, f.Perm)
	if err != nil {
		return nil, err
	}
	if err := s.write(f.Data, sync); err != nil {
		s.discard()
		return nil, fmt.Errorf("writing %q: %w", f.Path, err)
	}
	return s, nil
}

// open creates the unnamed (or hidden) temporary file for path.
func open(path string, perm fs.FileMode) (*stagedFile, error) {
	s, err := createTemp(path, perm)
	if err != nil {
		return nil, fmt.Errorf("writing %q: %w", path, err)
	}
	return s, nil
}

// createTemp creates the temporary file that will become path: unnamed
// (O_TMPFILE) in path's directory where the file system supports it,
// else hidden as ".NAME.tmpXXX", with mode perm (0 means 0644).
func createTemp(path string, perm fs.FileMode) (*stagedFile, error) {
	dir := filepath.Dir(path)
	if perm == 0 {
		perm = 0o644
	}
	s := &stagedFile{dst: path}
	if f, err := openUnnamed(dir, perm); err == nil {
		s.f = f
	} else {
		tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
		if err != nil {
			return nil, err
		}
		s.f, s.tmpName = tmp, tmp.Name()
	}
	if err := s.f.Chmod(perm); err != nil {
		s.discard()
		return nil, err
	}
	return s, nil
}

// SystemReason drops the path from a file system error (it may be a
// temporary name the user never chose, or one the message already gives),
// keeping what went wrong: "permission denied", "no such file or
// directory".
func SystemReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// CheckDir reports whether [WriteFile] can write files into dir, without
// writing any: it creates the temporary file a write would create there
// and discards it at once. Commands call it before work that cannot be
// undone (signing a certificate), so that an unwritable output folder
// fails first. The error wraps the system's reason, e.g. [fs.ErrPermission]
// or [fs.ErrNotExist].
func CheckDir(dir string) error {
	s, err := createTemp(filepath.Join(dir, "pkit-check"), 0o600)
	if err != nil {
		// The temporary file's name means nothing to the reader; the
		// folder and the system's reason do.
		if st, serr := os.Stat(dir); serr == nil && st.IsDir() && errors.Is(err, fs.ErrNotExist) {
			// The folder is there but refuses new files (procfs, sysfs).
			return fmt.Errorf("cannot write into %q: it takes no new files: %w", dir, SystemReason(err))
		}
		return fmt.Errorf("cannot write into %q: %w", dir, SystemReason(err))
	}
	s.discard()
	return nil
}

func (s *stagedFile) write(data []byte, sync bool) error {
	if _, err := s.f.Write(data); err != nil {
		return err
	}
	if !sync {
		return nil
	}
	return s.f.Sync()
}

// Staged is a file written in pieces (for outputs too large to hold in
// memory) and put in place atomically by [CommitStaged]: until then it has
// no name, and a crash leaves nothing behind.
type Staged struct{ s *stagedFile }

// Stage starts writing path with permission perm. Write the content with
// [Staged.Write], then call [CommitStaged], or [Staged.Discard] to give up.
func Stage(path string, perm fs.FileMode) (*Staged, error) {
	s, err := open(path, perm)
	if err != nil {
		return nil, err
	}
	return &Staged{s: s}, nil
}

// Write appends p to the staged file.
func (st *Staged) Write(p []byte) (int, error) { return st.s.f.Write(p) }

// Discard drops the staged file. It may be called after [CommitStaged].
func (st *Staged) Discard() {
	if st.s != nil {
		st.s.discard()
		st.s = nil
	}
}

// CommitStaged syncs the staged files and puts them in place as one unit,
// like [WriteFiles]: either every file is placed or none is. The staged
// files are closed whatever happens.
func CommitStaged(files []*Staged, overwrite bool) error {
	defer func() {
		for _, st := range files {
			st.Discard()
		}
	}()
	if !overwrite {
		for _, st := range files {
			if _, err := os.Lstat(st.s.dst); err == nil {
				return fmt.Errorf("%q: %w", st.s.dst, fs.ErrExist)
			}
		}
	}
	for _, st := range files {
		if err := st.s.f.Sync(); err != nil {
			return fmt.Errorf("writing %q: %w", st.s.dst, err)
		}
	}
	staged := make([]*stagedFile, len(files))
	for i, st := range files {
		staged[i] = st.s
	}
	if err := place(staged, overwrite); err != nil {
		return err
	}
	if len(files) > 0 {
		syncDir(filepath.Dir(files[0].s.dst))
	}
	return nil
}

// place puts staged files at their destinations as one unit, in two
// phases, under [lockDirs] (so that two writers of the same names, two
// "pkit renew --force" at once, cannot interleave their files and leave
// one's certificate beside the other's key):
//
//  1. every file is linked to a hidden name beside its destination,
//     ".NAME.pkit-new-PID.SEQ.I.N" (or pkit-add- without overwrite): file
//     I of the N the set puts in that folder, SEQ telling the sets of one
//     process apart. A failure here removes those links and changes
//     nothing.
//  2. each link becomes its destination, in the same order: rename(2)
//     with overwrite; without, link(2) to the destination, which fails
//     atomically when it exists, then unlink of the hidden name (a
//     failure removes what this call placed).
//
// The old files are never removed before their replacements are
// complete. A process killed during phase 2 leaves the new files it had
// placed beside old ones (a new certificate beside the old key), and the
// hidden links of the rest; [Recover] finishes such a set (all N links
// were made, so phase 2 had begun) or removes the links of a set killed in
// phase 1. While it links and renames, a write keeps the folder's
// PlacingMark; the next write into the folder that finds the mark (a
// write died there) runs Recover first.
func place(staged []*stagedFile, overwrite bool) error {
	count := map[string]int{}
	var first []*stagedFile // a file for each folder, in order
	for _, s := range staged {
		if count[filepath.Dir(s.dst)] == 0 {
			first = append(first, s)
		}
		count[filepath.Dir(s.dst)]++
	}
	defer lockDirs(staged)()
	for _, s := range first {
		dir := filepath.Dir(s.dst)
		if marked(dir) {
			settle(dir) // no live writer holds the lock: the mark's writer died
		}
		m := filepath.Join(dir, PlacingMark)
		// A name for one of the set's files: no inode is made or freed
		// (ext4 without a journal scans past every inode freed in the
		// last minutes when it makes one). Without it the write goes on:
		// only the recovery after a kill waits for a deeper look.
		if s.link(m) == nil {
			defer os.Remove(m)
		}
	}
	mark := tempLinkAdd
	if overwrite {
		mark = tempLinkMark
	}
	index := map[string]int{}
	tmps := make([]string, 0, len(staged))
	removeTmps := func() {
		for _, t := range tmps {
			os.Remove(t)
		}
	}
	// The set's name: the PID and a number of this process's own, so that
	// the sets of parallel writers in one process (batch workers) stay
	// apart.
	set := strconv.Itoa(os.Getpid()) + "." + strconv.FormatUint(setSeq.Add(1), 10)
	for _, s := range staged {
		dir := filepath.Dir(s.dst)
		tmp := filepath.Join(dir, "."+filepath.Base(s.dst)+mark+set+"."+strconv.Itoa(index[dir])+"."+strconv.Itoa(count[dir]))
		index[dir]++
		os.Remove(tmp)
		if err := s.link(tmp); err != nil {
			removeTmps()
			return placeError(s.dst, err)
		}
		tmps = append(tmps, tmp)
	}
	var placed []string
	for i, s := range staged {
		if err := finish(tmps[i], s.dst, overwrite); err != nil {
			if !overwrite {
				for _, p := range placed {
					os.Remove(p)
				}
			}
			tmps = tmps[i:]
			removeTmps()
			return placeError(s.dst, err)
		}
		placed = append(placed, s.dst)
	}
	return nil
}

// finish turns the hidden link tmp into dst: a rename over it with
// overwrite, else a link that fails when dst exists, and the unlink of
// tmp.
func finish(tmp, dst string, overwrite bool) error {
	if overwrite {
		return os.Rename(tmp, dst)
	}
	if err := os.Link(tmp, dst); err != nil {
		return err
	}
	os.Remove(tmp)
	return nil
}

// lockDirs takes an exclusive [Lock] on every directory the staged files
// go into and returns the function that releases them. Directories are
// locked in a fixed order (device and inode where the system has them,
// else the path) so that two writers into the same several directories
// cannot deadlock. A directory that cannot be locked (a file system
// without locks) is written without the lock, as the placement is still
// atomic per file.
func lockDirs(staged []*stagedFile) (unlock func()) {
	var dirs []string
	for _, s := range staged {
		if d := filepath.Dir(s.dst); !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	return lockAll(dirs)
}

// lockAll locks the folders dirs in a fixed order (see lockDirs).
func lockAll(dirs []string) func() {
	type dirLock struct {
		f   *os.File
		key string
	}
	var locks []dirLock
	for _, d := range dirs {
		f, err := os.Open(d)
		if err != nil {
			continue
		}
		key := fileKey(f, d)
		if slices.ContainsFunc(locks, func(l dirLock) bool { return l.key == key }) {
			f.Close()
			continue
		}
		locks = append(locks, dirLock{f, key})
	}
	slices.SortFunc(locks, func(a, b dirLock) int { return strings.Compare(a.key, b.key) })
	for _, l := range locks {
		lockFile(l.f) // an error leaves the folder unlocked, see lockDirs
	}
	return func() {
		for _, l := range locks {
			l.f.Close() // closing the descriptor releases the lock
		}
	}
}

// Lock takes an exclusive lock on path, waiting while another pkit
// process (or another goroutine) holds it, and returns the function that
// releases it. It is pkit's one lock primitive: the folders output files
// go into are locked while files are placed ([WriteFiles]), and a CA
// directory's lock files (ca/.lock, crl/.lock) order the steps that must
// not interleave. A path that is a folder locks the folder; any other
// path is a lock file, created (mode 0644) when missing and never
// followed when it is a symbolic link. The lock is flock(2) on Unix and
// LockFileEx on Windows: it belongs to the open file, so the system drops
// it when the process dies and a kill leaves no stale lock. A process
// must not take a lock on a folder it already holds a lock file in
// that folder for through [WriteFiles] (it would wait for itself): lock
// files are named for what they order, never for the folders written.
func Lock(path string) (unlock func(), err error) {
	f, err := openLock(path)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %q: %w", path, err)
	}
	return func() { f.Close() }, nil
}

// link gives the staged file the name to.
func (s *stagedFile) link(to string) error {
	if s.tmpName == "" {
		return linkUnnamed(s.f, to)
	}
	return os.Link(s.tmpName, to)
}

func placeError(dst string, err error) error {
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%q: %w", dst, fs.ErrExist)
	}
	return fmt.Errorf("writing %q: %w", dst, SystemReason(err))
}

// tempLinkMark and tempLinkAdd name the short-lived hidden links a write
// makes beside its destinations, ".NAME.pkit-new-PID.SEQ.I.N" (overwrite) and
// ".NAME.pkit-add-PID.SEQ.I.N", between linking and placing (see place;
// Linux cannot link an O_TMPFILE file over an existing name). The marks
// are pkit's own, so cleaning up never touches a user's files. Links
// named ".NAME.pkit-new-PID" come from older pkit versions.
const (
	tempLinkMark = ".pkit-new-"
	tempLinkAdd  = ".pkit-add-"
)

// tempLink is a parsed hidden link name.
type tempLink struct {
	path      string
	dst       string // the destination it is on its way to
	pid       int
	set       string // PID.SEQ; "" for an old-style name
	i, n      int    // -1 for an old-style name
	overwrite bool
}

// tempLinks returns the hidden links in dir (see tempLinkMark).
func tempLinks(dir string) []tempLink {
	var out []tempLink
	for _, name := range hiddenNames(dir) {
		mark, i := tempLinkMark, strings.LastIndex(name, tempLinkMark)
		if j := strings.LastIndex(name, tempLinkAdd); j > i {
			mark, i = tempLinkAdd, j
		}
		if i <= 1 {
			continue
		}
		l := tempLink{path: filepath.Join(dir, name), dst: filepath.Join(dir, name[1:i]), i: -1, n: -1, overwrite: mark == tempLinkMark}
		f := strings.Split(name[i+len(mark):], ".")
		var err error
		switch len(f) {
		case 1:
			if mark != tempLinkMark {
				continue
			}
			l.pid, err = strconv.Atoi(f[0])
		case 4:
			var e1, e2, e3 error
			l.pid, err = strconv.Atoi(f[0])
			_, e1 = strconv.ParseUint(f[1], 10, 64)
			l.i, e2 = strconv.Atoi(f[2])
			l.n, e3 = strconv.Atoi(f[3])
			if e1 != nil || e2 != nil || e3 != nil || l.i < 0 || l.i >= l.n {
				continue
			}
			l.set = f[0] + "." + f[1]
		default:
			continue
		}
		if err != nil || l.pid <= 0 {
			continue
		}
		out = append(out, l)
	}
	return out
}

// StaleTempLinks returns the hidden links that writes left in dir (see
// [place]), with the PID of the process that made each. A link is a
// whole, synced file, but only its process knows whether it is still on
// its way to NAME; callers remove those of dead processes, or all of
// them while they hold a lock that rules out live writers. [Recover]
// puts finished sets in place instead.
func StaleTempLinks(dir string) map[string]int {
	out := map[string]int{}
	for _, l := range tempLinks(dir) {
		out[l.path] = l.pid
	}
	return out
}

// hiddenNames returns the names in dir that begin with a dot, in no
// order. [Recover] looks there for hidden links (a write runs it only
// where a killed write left its [PlacingMark]; every write did, before
// the mark), so the folder is read a few hundred names at a time,
// unsorted, keeping only the hidden ones, rather than with os.ReadDir (an
// entry object for each file, then sorted): a CA's output folder grows.
// "pkit issue client --p12" into a folder of 1,161 files, when every
// write read its folder, 30 interleaved runs at load 13 on 2 cores,
// medians: 711 -> 616 page faults, 42.9 -> 34.2 ms CPU per process.
func hiddenNames(dir string) []string {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	var out []string
	for {
		names, err := d.Readdirnames(256)
		for _, name := range names {
			if strings.HasPrefix(name, ".") {
				out = append(out, name)
			}
		}
		if err != nil {
			return out
		}
	}
}

// PlacingMark is the name a write keeps in a folder while it links and
// renames files there ([place]): a hard link to one of its files, removed
// when it is done. A write killed meanwhile leaves it, so a write that
// finds it settles the folder ([Recover]) and one that does not skips
// reading the folder, the dearest part of a write into a big one (ext4
// hashes every name as it lists them): a .p7b converted into a folder of
// 30,000 files took 3.2x the CPU of one converted into a small folder
// when every write listed its folder (3 December 2026).
//
// On a file system that orders its metadata writes (a journal: ext4's
// default, XFS, btrfs) the mark reaches the disk before the links do. On
// one that does not (ext4 without a journal), a power loss during a write
// may keep links without the mark; the next [Recover] finds them, which
// an issuance's placement journal runs for the folders of every placement
// a crash interrupted (ca.Store.SettlePlacements), but a plain write into
// the folder does not look.
const PlacingMark = ".pkit-placing"

// marked reports whether dir holds a PlacingMark.
func marked(dir string) bool {
	_, err := os.Lstat(filepath.Join(dir, PlacingMark))
	return err == nil
}

// RecoverInterrupted runs [Recover] on dir when a write into it was
// interrupted (its PlacingMark is there); otherwise it costs one lstat.
func RecoverInterrupted(dir string) error {
	if !marked(dir) {
		return nil
	}
	return Recover(dir)
}

// Recover settles, in dir, the writes of processes that died while
// placing files (see [place]), under dir's lock: a set whose links were
// all made had begun placing, so its remaining links are placed (rolled
// forward), and the folder holds the whole new set; a set killed while
// its links were being made had placed nothing, so its links are removed.
// Links of live processes are left alone. It reads the whole folder; a
// write into a folder runs it only when it finds a PlacingMark there.
func Recover(dir string) error {
	if !marked(dir) && len(tempLinks(dir)) == 0 {
		return nil
	}
	defer lockAll([]string{dir})()
	return settle(dir)
}

// settle is [Recover] with dir locked. Once nothing is left to settle it
// removes dir's PlacingMark: the writer that left it is dead (a live one
// holds the lock while it has one).
func settle(dir string) error {
	sets := map[string][]tempLink{}
	// Read again, under the lock; kept counts the links of live processes.
	kept := 0
	for _, l := range tempLinks(dir) {
		if l.pid == os.Getpid() || processAlive(l.pid) {
			kept++
			continue
		}
		key := l.set
		if key == "" {
			key = l.path // an old-style link is a set of its own, removed
		}
		sets[key] = append(sets[key], l)
	}
	var errs []error
	for _, set := range sets {
		slices.SortFunc(set, func(a, b tempLink) int { return a.i - b.i })
		last := set[len(set)-1]
		forward := last.n > 0 && last.i == last.n-1
		for _, l := range set {
			if !forward || l.n != last.n {
				os.Remove(l.path)
				continue
			}
			if err := finish(l.path, l.dst, l.overwrite); err != nil {
				os.Remove(l.path) // the name was taken since: the set is not ours to finish
				if !errors.Is(err, fs.ErrExist) {
					errs = append(errs, err)
				}
			}
		}
	}
	if len(sets) > 0 {
		syncDir(dir)
	}
	if kept == 0 && len(errs) == 0 {
		os.Remove(filepath.Join(dir, PlacingMark))
	}
	return errors.Join(errs...)
}

// setSeq numbers the sets of files this process places.
var setSeq atomic.Uint64

func (s *stagedFile) discard() {
	if s.f == nil {
		return
	}
	s.f.Close()
	if s.tmpName != "" {
		os.Remove(s.tmpName)
	}
	s.f = nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// ProcessAlive reports whether the process pid runs (on Unix, whether it
// exists; a zombie counts). Callers that settle what a dead process left
// (the hidden links of [Recover], a CA store's placement journal) leave
// the work of live ones alone.
func ProcessAlive(pid int) bool { return processAlive(pid) }
