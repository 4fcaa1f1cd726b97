package formats

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

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
		s, err := stage(f)
		if err != nil {
			return err
		}
		staged = append(staged, s)
	}
	var placed []string
	for _, s := range staged {
		if err := s.commit(overwrite); err != nil {
			for _, p := range placed {
				os.Remove(p)
			}
			return err
		}
		placed = append(placed, s.dst)
	}
	if len(staged) > 0 {
		syncDir(filepath.Dir(staged[0].dst))
	}
	return nil
}

// stagedFile is a synced temporary file waiting to be linked into place.
type stagedFile struct {
	f       *os.File
	tmpName string // "" for an O_TMPFILE file, which has no name
	dst     string
}

func stage(f File) (*stagedFile, error) {
	dir := filepath.Dir(f.Path)
	perm := f.Perm
	if perm == 0 {
		perm = 0o644
	}
	s := &stagedFile{dst: f.Path}
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, uint32(perm))
	if err == nil {
		s.f = os.NewFile(uintptr(fd), f.Path)
	} else {
		tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.Path)+".tmp*")
		if err != nil {
			return nil, fmt.Errorf("writing %q: %w", f.Path, err)
		}
		s.f, s.tmpName = tmp, tmp.Name()
	}
	if err := s.write(f.Data, perm); err != nil {
		s.discard()
		return nil, fmt.Errorf("writing %q: %w", f.Path, err)
	}
	return s, nil
}

func (s *stagedFile) write(data []byte, perm fs.FileMode) error {
	if err := s.f.Chmod(perm); err != nil {
		return err
	}
	if _, err := s.f.Write(data); err != nil {
		return err
	}
	return s.f.Sync()
}

// commit links the staged file to its destination. Without overwrite it
// uses link(2), which fails atomically when the destination exists.
func (s *stagedFile) commit(overwrite bool) error {
	src := s.tmpName
	if src == "" {
		src = "/proc/self/fd/" + strconv.Itoa(int(s.f.Fd()))
	}
	link := func(to string) error {
		if s.tmpName == "" {
			return unix.Linkat(unix.AT_FDCWD, src, unix.AT_FDCWD, to, unix.AT_SYMLINK_FOLLOW)
		}
		return os.Link(src, to)
	}
	var err error
	if !overwrite {
		err = link(s.dst)
	} else {
		tmp := filepath.Join(filepath.Dir(s.dst), "."+filepath.Base(s.dst)+".new"+strconv.Itoa(os.Getpid()))
		os.Remove(tmp)
		if err = link(tmp); err == nil {
			if err = os.Rename(tmp, s.dst); err != nil {
				os.Remove(tmp)
			}
		}
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%q: %w", s.dst, fs.ErrExist)
		}
		return fmt.Errorf("writing %q: %w", s.dst, err)
	}
	return nil
}

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
