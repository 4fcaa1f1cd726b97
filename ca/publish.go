package ca

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// CRLFolderLayout documents how [Authority.PublishCRLs] places the CRL
// files so that a crash never leaves them at different CRL numbers. Each
// published name is a symbolic link through one link, .current, to a
// generation folder that holds the whole set:
//
//	bundle.pem         -> .current/bundle.pem
//	NAME.crl.pem       -> .current/NAME.crl.pem
//	NAME.crl           -> .current/NAME.crl
//	.current           -> .gen-XXXXXX
//	.gen-XXXXXX/       the files of one publication, and crl-numbers (the
//	                   CRL number of each, [GenerationNumbers]), written
//	                   and synced before .current points at them
//
// A new set is written into a new generation folder, and .current is then
// replaced by rename(2), which is atomic: readers (nginx, HAProxy, a web
// server, pkit crl check) opening any of the names see the whole old set
// or the whole new one. The previous generation is kept until the next
// publication, so a reader that resolved .current just before the swap
// still finds its files; older ones and the leftovers of killed runs are
// removed. A folder of plain files from an older pkit is first turned into
// a generation of the same files, which changes no content.
const CRLFolderLayout = ".current"

// ErrCRLsNotPublished is wrapped by the errors of [Authority.PublishCRLs]
// that left the published CRLs as they were, such as a full disk
// ([ErrDiskFull]).
var ErrCRLsNotPublished = errors.New("the published CRLs are unchanged")

// notPublished says that publishing into dir failed before the new set
// was placed; a full disk is named as such.
func notPublished(dir string, err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, ErrDiskFull) {
		return publishFull(dir)
	}
	return err
}

// publishFull is a publication into the folder it names that met a full
// disk; it wraps [ErrDiskFull] and [ErrCRLsNotPublished].
type publishFull string

func (e publishFull) Error() string {
	return fmt.Sprintf("no space left on the disk to publish the CRLs in %q; the published CRLs are unchanged", string(e))
}

func (e publishFull) Is(target error) bool {
	return target == ErrDiskFull || target == ErrCRLsNotPublished
}

// genPrefix starts the names of generation folders.
const genPrefix = ".gen-"

// publishSet publishes a set of files in dir as one unit (see
// [CRLFolderLayout]). write fills the fresh generation folder it is given
// and returns the base names of the files it wrote. Only called under the
// CRL lock, so nothing else changes dir meanwhile.
func publishSet(dir string, write func(gen string) ([]string, error)) error {
	cur := filepath.Join(dir, CRLFolderLayout)
	if err := adoptPlainFiles(dir); err != nil {
		return notPublished(dir, err)
	}
	gen, err := os.MkdirTemp(dir, genPrefix)
	if err != nil {
		return notPublished(dir, fmt.Errorf("publishing in %q: %w", dir, err))
	}
	if err := os.Chmod(gen, 0o755); err != nil {
		os.RemoveAll(gen)
		return err
	}
	names, err := write(gen)
	if err != nil {
		os.RemoveAll(gen)
		return notPublished(dir, err)
	}
	old, _ := os.Readlink(cur)
	if err := replaceLink(filepath.Base(gen), cur); err != nil {
		os.RemoveAll(gen)
		return notPublished(dir, fmt.Errorf("publishing in %q: %w", dir, err))
	}
	// The new set is published; the names of files new to the folder (a
	// CA added since) get their links now.
	for _, n := range names {
		if err := linkName(dir, n); err != nil {
			return err
		}
	}
	syncDir(dir)
	removeOldGenerations(dir, filepath.Base(gen), filepath.Base(old))
	return nil
}

// linkName makes dir/name the link .current/name, unless it already is.
func linkName(dir, name string) error {
	target := filepath.Join(CRLFolderLayout, name)
	p := filepath.Join(dir, name)
	if t, err := os.Readlink(p); err == nil && t == target {
		return nil
	}
	if err := replaceLink(target, p); err != nil {
		return fmt.Errorf("publishing %q: %w", p, err)
	}
	return nil
}

// replaceLink makes path a symbolic link to target, atomically replacing
// whatever link or file path was: a new link under a temporary name,
// renamed over it.
func replaceLink(target, path string) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+linkMark+strconv.Itoa(os.Getpid()))
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// linkMark names the temporary links of replaceLink.
const linkMark = ".pkit-link-"

// adoptPlainFiles turns the plain CRL files an older pkit published in
// dir into a generation, so that the next publication replaces them all at
// once: a new generation gets the plain files (hard links, or copies
// where links fail) and the current generation's other files, .current is
// pointed at it, and each plain name then becomes a link through
// .current. No name's content changes on the way, so a crash part-way
// leaves every name as it was.
func adoptPlainFiles(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("publishing in %q: %w", dir, err)
	}
	var plain []string
	for _, e := range ents {
		n := e.Name()
		if e.Type().IsRegular() && !strings.HasPrefix(n, ".") && (strings.HasSuffix(n, ".crl") || strings.HasSuffix(n, ".crl.pem") || n == CRLBundle) {
			plain = append(plain, n)
		}
	}
	if len(plain) == 0 {
		return nil
	}
	g, err := os.MkdirTemp(dir, genPrefix)
	if err != nil {
		return fmt.Errorf("publishing in %q: %w", dir, err)
	}
	if err := os.Chmod(g, 0o755); err != nil {
		os.RemoveAll(g)
		return err
	}
	fail := func(err error) error {
		os.RemoveAll(g)
		return fmt.Errorf("publishing in %q: %w", dir, err)
	}
	for _, n := range plain {
		if err := linkOrCopy(filepath.Join(dir, n), filepath.Join(g, n)); err != nil {
			return fail(err)
		}
	}
	cur := filepath.Join(dir, CRLFolderLayout)
	if old, err := os.ReadDir(cur); err == nil {
		for _, e := range old {
			if _, err := os.Lstat(filepath.Join(g, e.Name())); err == nil || !e.Type().IsRegular() {
				continue
			}
			if err := linkOrCopy(filepath.Join(cur, e.Name()), filepath.Join(g, e.Name())); err != nil {
				return fail(err)
			}
		}
	}
	syncDir(g)
	if err := replaceLink(filepath.Base(g), cur); err != nil {
		return fail(err)
	}
	for _, n := range plain {
		if err := linkName(dir, n); err != nil {
			return err
		}
	}
	syncDir(dir)
	return nil
}

// linkOrCopy gives the file src a second name dst: a hard link, or a
// synced copy where the file system has none.
func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(dst)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(dst)
		return err
	}
	return f.Close()
}

// removeOldGenerations removes the generation folders of dir other than
// keep (the current one) and prev (the one before, which readers may still
// be opening files through), and temporary links of killed runs.
func removeOldGenerations(dir, keep, prev string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		n := e.Name()
		switch {
		case strings.HasPrefix(n, genPrefix) && e.IsDir() && n != keep && n != prev:
			os.RemoveAll(filepath.Join(dir, n))
		case strings.Contains(n, linkMark) && e.Type()&fs.ModeSymlink != 0:
			os.Remove(filepath.Join(dir, n))
		}
	}
}

// syncDir makes the names in dir durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
