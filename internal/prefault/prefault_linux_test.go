//go:build linux && cgo

package prefault

import (
	"bufio"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestMain answers the copy TestProgramMapped runs: it prints how much of
// its read-only segments and how many pages of its writable initialised
// data are mapped, as soon as it starts.
func TestMain(m *testing.M) {
	if os.Getenv("PKIT_PREFAULT_REPORT") == "1" {
		size, rss, err := mapped()
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		pages, present, err := dataPresent()
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println(size, rss, pages, present)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestProgramMapped checks that a program's read-only segments (code,
// read-only data, Go's tables) and its writable initialised data are
// mapped whole when it starts. It runs a
// copy of this test program written 4 KiB at a time, as cp writes one:
// the linker's own output can sit in the page cache in large blocks that
// one fault maps whole, a copy in pages that are faulted in one by one.
func TestProgramMapped(t *testing.T) {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err == nil {
		var b strings.Builder
		for _, c := range u.Release {
			if c == 0 {
				break
			}
			b.WriteByte(byte(c))
		}
		var major, minor int
		if parts := strings.SplitN(b.String(), ".", 3); len(parts) >= 2 {
			major, _ = strconv.Atoi(parts[0])
			minor, _ = strconv.Atoi(parts[1])
		}
		if major < 5 || major == 5 && minor < 14 {
			t.Skipf("kernel %s has no MADV_POPULATE_READ (5.14)", b.String())
		}
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "prefault.test")
	src, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(copyPath, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(copyPath)
	cmd.Env = append(os.Environ(), "PKIT_PREFAULT_REPORT=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running the copy: %v: %s", err, out)
	}
	var size, rss, pages, present int
	if _, err := fmt.Sscan(string(out), &size, &rss, &pages, &present); err != nil {
		t.Fatalf("the copy said %q", out)
	}
	if size == 0 || rss < size {
		t.Fatalf("the program's read-only segments are %d kB, %d kB of them mapped at its start: not prefaulted", size, rss)
	}
	if pages == 0 || present < pages {
		t.Fatalf("the program's writable data is %d pages, %d of them mapped at its start: not prefaulted", pages, present)
	}
}

// mapped returns the size and the resident size, in kB, of this
// program's read-only mappings of its own file (/proc/self/smaps).
func mapped() (size, rss int, err error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, 0, err
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	ours := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 6 && strings.Contains(fields[0], "-") {
			ours = !strings.Contains(fields[1], "w") && fields[5] == exe
			continue
		}
		if ours && len(fields) >= 2 {
			n, _ := strconv.Atoi(fields[1])
			switch fields[0] {
			case "Size:":
				size += n
			case "Rss:":
				rss += n
			}
		}
	}
	return size, rss, sc.Err()
}

// dataPresent returns how many pages the writable initialised data of
// this program spans (past the part made read-only after relocation) and
// how many of them are mapped (/proc/self/pagemap's present bit). The
// zeroed tail (.bss) is not counted: the kernel maps it with the file's
// name, so smaps cannot tell it apart.
func dataPresent() (pages, present int, err error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, 0, err
	}
	f, err := elf.Open(exe)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC {
		return 0, 0, fmt.Errorf("test program is %v, not a fixed-address executable", f.Type)
	}
	var start, end, relro uint64
	for _, p := range f.Progs {
		switch {
		case p.Type == elf.PT_GNU_RELRO:
			relro = (p.Vaddr + p.Memsz + 4095) &^ 4095
		case p.Type == elf.PT_LOAD && p.Flags&elf.PF_W != 0:
			start, end = p.Vaddr&^4095, p.Vaddr+p.Filesz
		}
	}
	start = max(start, relro)
	pm, err := os.Open("/proc/self/pagemap")
	if err != nil {
		return 0, 0, err
	}
	defer pm.Close()
	var entry [8]byte
	for page := start; page < end; page += 4096 {
		if _, err := pm.ReadAt(entry[:], int64(page/4096*8)); err != nil {
			return 0, 0, err
		}
		pages++
		if binary.LittleEndian.Uint64(entry[:])&(1<<63) != 0 {
			present++
		}
	}
	return pages, present, nil
}
