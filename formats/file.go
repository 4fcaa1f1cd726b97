package formats

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
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
	// a power loss. For bulk writers that sync once at the end.
	NoSync bool
}

// SyncFS flushes the whole file system holding path to stable storage,
// once, for everything written with NoSync.
func SyncFS(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Syncfs(int(f.Fd()))
}

// WriteFilesWith is [WriteFiles] with options.
func WriteFilesWith(files []File, o WriteOptions) error {
	overwrite := o.Overwrite
	if !overwrite {
		for _, f := range files {
			if _, err := os.Lstat(f.Path); err == nil {
				return fmt.Errorf("%q: %w", f.Path, fs.ErrExist)
			}
		}
	}
	staged := make([]*stagedFile, 0, len(files))
	defer func() {
		for _, s := range staged {
			s.discard()
		}
	}()
	for _, f := range files {
		s, err := stage(f, !o.NoSync)
		if err != nil {
			return err
		}
		staged = append(staged, s)
	}
	if err := place(staged, overwrite); err != nil {
		return err
	}
	if !o.NoSync {
		dirs := map[string]bool{}
		for _, s := range staged {
			if d := filepath.Dir(s.dst); !dirs[d] {
				dirs[d] = true
				syncDir(d)
			}
		}
	}
	return nil
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
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, uint32(perm))
	if err == nil {
		s.f = os.NewFile(uintptr(fd), path)
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

// place puts staged files at their destinations as one unit. Without
// overwrite each is linked with link(2), which fails atomically when the
// destination exists, and a failure unlinks the ones already placed. With
// overwrite every file is first linked to a temporary name beside its
// destination (Linux cannot link an O_TMPFILE file over an existing name),
// so a failure there changes nothing, and only then renamed into place,
// back to back: the old files are never removed before their replacements
// are complete. Both run under [lockDirs], so that two writers of the
// same names (two "pkit renew --force" at once) cannot interleave their
// files and leave one's certificate beside the other's key.
func place(staged []*stagedFile, overwrite bool) error {
	defer lockDirs(staged)()
	if !overwrite {
		var placed []string
		for _, s := range staged {
			if err := s.link(s.dst); err != nil {
				for _, p := range placed {
					os.Remove(p)
				}
				return placeError(s.dst, err)
			}
			placed = append(placed, s.dst)
		}
		return nil
	}
	tmps := make([]string, 0, len(staged))
	removeTmps := func() {
		for _, t := range tmps {
			os.Remove(t)
		}
	}
	for _, s := range staged {
		removeStaleNew(s.dst)
		tmp := filepath.Join(filepath.Dir(s.dst), "."+filepath.Base(s.dst)+tempLinkMark+strconv.Itoa(os.Getpid()))
		os.Remove(tmp)
		if err := s.link(tmp); err != nil {
			removeTmps()
			return placeError(s.dst, err)
		}
		tmps = append(tmps, tmp)
	}
	for i, s := range staged {
		if err := os.Rename(tmps[i], s.dst); err != nil {
			tmps = tmps[i:]
			removeTmps()
			return placeError(s.dst, err)
		}
	}
	return nil
}

// lockDirs takes an exclusive flock(2) on every directory the staged
// files go into and returns the function that releases them. flock locks
// belong to an open file description, so they exclude other pkit
// processes and other goroutines of this one alike; the kernel drops them
// when a process dies, so a kill leaves no stale lock. Only writers take
// the lock, for the few system calls that place one set of files; readers
// never wait. Directories are locked in (device, inode) order so that two
// writers into the same several directories cannot deadlock. A directory
// that cannot be opened or locked (a file system without flock) is
// written without the lock, as the placement is still atomic per file.
func lockDirs(staged []*stagedFile) (unlock func()) {
	type dirLock struct {
		fd       int
		dev, ino uint64
	}
	var locks []dirLock
	seen := map[string]bool{}
	for _, s := range staged {
		dir := filepath.Dir(s.dst)
		if seen[dir] {
			continue
		}
		seen[dir] = true
		fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		var st unix.Stat_t
		if unix.Fstat(fd, &st) != nil || slices.ContainsFunc(locks, func(l dirLock) bool { return l.dev == st.Dev && l.ino == st.Ino }) {
			unix.Close(fd)
			continue
		}
		locks = append(locks, dirLock{fd, st.Dev, st.Ino})
	}
	slices.SortFunc(locks, func(a, b dirLock) int {
		return cmp.Or(cmp.Compare(a.dev, b.dev), cmp.Compare(a.ino, b.ino))
	})
	for _, l := range locks {
		for unix.Flock(l.fd, unix.LOCK_EX) == unix.EINTR {
		}
	}
	return func() {
		for _, l := range locks {
			unix.Close(l.fd) // closing the last descriptor releases the lock
		}
	}
}

// link gives the staged file the name to.
func (s *stagedFile) link(to string) error {
	if s.tmpName == "" {
		src := "/proc/self/fd/" + strconv.Itoa(int(s.f.Fd()))
		return unix.Linkat(unix.AT_FDCWD, src, unix.AT_FDCWD, to, unix.AT_SYMLINK_FOLLOW)
	}
	return os.Link(s.tmpName, to)
}

func placeError(dst string, err error) error {
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%q: %w", dst, fs.ErrExist)
	}
	return fmt.Errorf("writing %q: %w", dst, err)
}

// tempLinkMark names the short-lived hidden link an overwrite makes beside
// its destination, ".NAME.pkit-new-PID", between link(2) and rename(2)
// (Linux cannot link an O_TMPFILE file over an existing name). The mark is
// pkit's own, so cleaning up never touches a user's files.
const tempLinkMark = ".pkit-new-"

// removeStaleNew removes, once per directory and process, the hidden
// links of overwrites that were killed between link and rename in dst's
// directory: those whose process no longer runs.
func removeStaleNew(dst string) {
	dir := filepath.Dir(dst)
	if _, done := staleChecked.LoadOrStore(dir, true); done {
		return
	}
	for path, pid := range StaleTempLinks(dir) {
		if pid != os.Getpid() && unix.Kill(pid, 0) == unix.ESRCH {
			os.Remove(path)
		}
	}
}

// StaleTempLinks returns the hidden links ".NAME.pkit-new-PID" that
// overwrites left in dir, with the PID of the process that made each. A
// link is a whole, synced file, but only its process knows whether it is
// still on its way to NAME; callers remove those of dead processes, or all
// of them while they hold a lock that rules out live writers.
func StaleTempLinks(dir string) map[string]int {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	out := map[string]int{}
	for _, e := range ents {
		name := e.Name()
		i := strings.LastIndex(name, tempLinkMark)
		if !strings.HasPrefix(name, ".") || i <= 1 {
			continue
		}
		pid, err := strconv.Atoi(name[i+len(tempLinkMark):])
		if err != nil || pid <= 0 {
			continue
		}
		out[filepath.Join(dir, name)] = pid
	}
	return out
}

// staleChecked holds the directories removeStaleNew has cleaned.
var staleChecked sync.Map

func (s *stagedFile) discard() {
	s.f.Close()
	if s.tmpName != "" {
		os.Remove(s.tmpName)
	}
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
