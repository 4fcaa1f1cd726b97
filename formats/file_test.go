package formats

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestWriteFiles(t *testing.T) {
	tests := []struct {
		name      string
		existing  map[string]string // files present before
		write     []File
		overwrite bool
		wantErr   error // errors.Is target; nil for success
		anyErr    bool  // some error, of no particular kind
		want      map[string]string
	}{
		{
			name:  "new files",
			write: []File{{Path: "a.pem", Data: []byte("A"), Perm: 0o644}, {Path: "a-key.pem", Data: []byte("K"), Perm: 0o600}},
			want:  map[string]string{"a.pem": "A", "a-key.pem": "K"},
		},
		{
			name:     "an existing file is refused and nothing changes",
			existing: map[string]string{"a-key.pem": "old"},
			write:    []File{{Path: "a.pem", Data: []byte("A")}, {Path: "a-key.pem", Data: []byte("K")}},
			wantErr:  fs.ErrExist,
			want:     map[string]string{"a-key.pem": "old"},
		},
		{
			name:      "overwrite replaces every file",
			existing:  map[string]string{"a.pem": "old", "a-key.pem": "oldkey"},
			write:     []File{{Path: "a.pem", Data: []byte("A")}, {Path: "a-key.pem", Data: []byte("K"), Perm: 0o600}},
			overwrite: true,
			want:      map[string]string{"a.pem": "A", "a-key.pem": "K"},
		},
		{
			name:      "overwrite that cannot place one file keeps the old ones",
			existing:  map[string]string{"a.pem": "old"},
			write:     []File{{Path: "a.pem", Data: []byte("A")}, {Path: "missing/dir/b.pem", Data: []byte("B")}},
			overwrite: true,
			anyErr:    true,
			want:      map[string]string{"a.pem": "old"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tt.existing {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			files := make([]File, len(tt.write))
			for i, f := range tt.write {
				f.Path = filepath.Join(dir, f.Path)
				files[i] = f
			}
			err := WriteFiles(files, tt.overwrite)
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			case tt.anyErr && err == nil:
				t.Fatal("no error")
			case tt.wantErr == nil && !tt.anyErr && err != nil:
				t.Fatalf("error = %v", err)
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != len(tt.want) {
				var names []string
				for _, e := range ents {
					names = append(names, e.Name())
				}
				t.Fatalf("directory holds %q, want exactly %d files (no temporary ones)", names, len(tt.want))
			}
			for name, data := range tt.want {
				got, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil || string(got) != data {
					t.Errorf("%s = %q, %v; want %q", name, got, err, data)
				}
			}
			for _, f := range files {
				if f.Perm == 0o600 && err == nil {
					if st, _ := os.Stat(f.Path); st.Mode().Perm() != 0o600 {
						t.Errorf("%s has mode %v, want 0600", f.Path, st.Mode().Perm())
					}
				}
			}
		})
	}
}

// An overwrite into a folder where a killed write left its PlacingMark
// removes the hidden links that killed overwrites left (".NAME.pkit-new-PID"
// of a dead process), and nothing else: not those of live processes, not
// a user's files that merely look similar. Without the mark a write does
// not read the folder, and leaves them to Recover.
func TestOverwriteRemovesStaleLinks(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("cannot run a short process to get a dead PID:", err)
	}
	deadPID := strconv.Itoa(dead.Process.Pid)
	for _, withMark := range []bool{true, false} {
		t.Run(fmt.Sprintf("mark=%v", withMark), func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]bool{ // name → removed by the overwrite
				".cert.pem.pkit-new-" + deadPID:                    withMark,
				".other.p12.pkit-new-" + deadPID:                   withMark,
				".cert.pem.pkit-new-" + strconv.Itoa(os.Getppid()): false, // a live process
				".cert.pem.new" + deadPID:                          false, // a user's file
				".bashrc.new1":                                     false,
				"notes.pkit-new-" + deadPID:                        false, // not hidden
			}
			if withMark {
				files[PlacingMark] = false // kept: a live process's link is left
			}
			for name := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteFiles([]File{{Path: filepath.Join(dir, "cert.pem"), Data: []byte("new"), Perm: 0o644}}, true); err != nil {
				t.Fatal(err)
			}
			for name, removed := range files {
				_, err := os.Lstat(filepath.Join(dir, name))
				if gone := errors.Is(err, fs.ErrNotExist); gone != removed {
					t.Errorf("%s: removed = %v, want %v", name, gone, removed)
				}
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "cert.pem")); string(b) != "new" {
				t.Errorf("cert.pem = %q", b)
			}
			if err := Recover(dir); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{".cert.pem.pkit-new-" + deadPID, ".other.p12.pkit-new-" + deadPID} {
				if _, err := os.Lstat(filepath.Join(dir, name)); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("after Recover, %s: %v, want it removed", name, err)
				}
			}
		})
	}
}

// A write leaves no PlacingMark behind, and one killed while placing
// leaves it (and its links) for the next write, which settles the folder
// and removes it; a mark alone (killed before linking) goes too.
func TestPlacingMark(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("cannot run a short process to get a dead PID:", err)
	}
	pid := strconv.Itoa(dead.Process.Pid)
	tests := []struct {
		name  string
		files map[string]string // before the write of c.pem
		want  map[string]string // after it
	}{
		{"an ordinary write", map[string]string{}, map[string]string{"c.pem": "new"}},
		{"a mark alone", map[string]string{PlacingMark: "x"}, map[string]string{"c.pem": "new"}},
		{"a killed pair, rolled forward", map[string]string{PlacingMark: "new", "a.pem": "new", "a-key.pem": "old",
			".a-key.pem.pkit-new-" + pid + ".7.1.2": "new"},
			map[string]string{"c.pem": "new", "a.pem": "new", "a-key.pem": "new"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := folderWith(t, tt.files)
			if err := WriteFiles([]File{{Path: filepath.Join(dir, "c.pem"), Data: []byte("new"), Perm: 0o644}}, false); err != nil {
				t.Fatal(err)
			}
			if got := folderFiles(dir); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("after the write: %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckDir(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, root string) string // returns the folder to check
		wantErr error                                  // errors.Is target; nil for success
		anyErr  bool
	}{
		{
			name:  "a writable folder",
			setup: func(t *testing.T, root string) string { return root },
		},
		{
			name:    "a missing folder",
			setup:   func(t *testing.T, root string) string { return filepath.Join(root, "missing") },
			wantErr: fs.ErrNotExist,
		},
		{
			name: "a regular file",
			setup: func(t *testing.T, root string) string {
				p := filepath.Join(root, "file")
				if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
				return p
			},
			wantErr: syscall.ENOTDIR,
		},
		{
			name: "a file system that takes no new files",
			setup: func(t *testing.T, root string) string {
				if _, err := os.Stat("/proc/self"); err != nil {
					t.Skip("no /proc")
				}
				return "/proc"
			},
			anyErr: true,
		},
		{
			name: "a read-only folder",
			setup: func(t *testing.T, root string) string {
				if os.Geteuid() == 0 {
					t.Skip("root writes into read-only folders")
				}
				p := filepath.Join(root, "ro")
				if err := os.Mkdir(p, 0o555); err != nil {
					t.Fatal(err)
				}
				return p
			},
			wantErr: fs.ErrPermission,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir := tt.setup(t, root)
			err := CheckDir(dir)
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("CheckDir(%q) = %v, want %v", dir, err, tt.wantErr)
			case tt.anyErr && err == nil:
				t.Fatalf("CheckDir(%q) = nil, want an error", dir)
			case tt.wantErr == nil && !tt.anyErr && err != nil:
				t.Fatalf("CheckDir(%q) = %v, want nil", dir, err)
			}
			// Nothing is left behind, whatever the outcome.
			ents, _ := os.ReadDir(root)
			for _, e := range ents {
				if e.Name() != "file" && e.Name() != "ro" {
					t.Errorf("CheckDir left %q behind", e.Name())
				}
			}
		})
	}
}

// pairWriterEnv makes this test binary a writer process for
// TestConcurrentOverwriteKeepsPairs: it names the folder to write into.
const pairWriterEnv = "PKIT_TEST_PAIR_WRITER_DIR"

// writePair overwrites the two files of one issuance in dir, a
// certificate and its key, both marked with token.
func writePair(dir, token string) error {
	return WriteFiles([]File{
		{Path: filepath.Join(dir, "same.pem"), Data: []byte("cert " + token + "\n"), Perm: 0o644},
		{Path: filepath.Join(dir, "same-key.pem"), Data: []byte("key " + token + "\n"), Perm: 0o600},
	}, true)
}

// TestConcurrentOverwriteKeepsPairs runs rounds of writers that all
// overwrite the same certificate and key at once (what several "pkit renew
// NAME --force" do): goroutines of this process and separate processes
// (this test binary run again). After every round the two files must come
// from the same writer, and no writer may fail.
func TestConcurrentOverwriteKeepsPairs(t *testing.T) {
	if dir := os.Getenv(pairWriterEnv); dir != "" {
		// A writer process: one pair per token line on stdin, one reply line.
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			if err := writePair(dir, in.Text()); err != nil {
				fmt.Printf("error %v\n", strings.ReplaceAll(err.Error(), "\n", " "))
			} else {
				fmt.Println("ok")
			}
		}
		os.Exit(0) // nothing else on stdout
	}
	const rounds, goroutines, processes = 150, 3, 3
	dir := t.TempDir()
	type proc struct {
		in  io.WriteCloser
		out *bufio.Scanner
	}
	var procs []proc
	for range processes {
		cmd := exec.Command(os.Args[0], "-test.run=^TestConcurrentOverwriteKeepsPairs$")
		cmd.Env = append(os.Environ(), pairWriterEnv+"="+dir)
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { in.Close(); cmd.Wait() })
		procs = append(procs, proc{in, bufio.NewScanner(out)})
	}
	for r := range rounds {
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, goroutines+processes)
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[g] = writePair(dir, fmt.Sprintf("r%d-g%d", r, g))
			}()
		}
		for i, p := range procs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := fmt.Fprintf(p.in, "r%d-p%d\n", r, i); err != nil {
					errs[goroutines+i] = err
					return
				}
				if !p.out.Scan() {
					errs[goroutines+i] = fmt.Errorf("writer process %d ended: %v", i, p.out.Err())
				} else if reply := p.out.Text(); reply != "ok" {
					errs[goroutines+i] = fmt.Errorf("writer process %d: %s", i, reply)
				}
			}()
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", r, err)
			}
		}
		cert, err1 := os.ReadFile(filepath.Join(dir, "same.pem"))
		key, err2 := os.ReadFile(filepath.Join(dir, "same-key.pem"))
		if err1 != nil || err2 != nil {
			t.Fatalf("round %d: %v %v", r, err1, err2)
		}
		if c, k := strings.TrimPrefix(string(cert), "cert "), strings.TrimPrefix(string(key), "key "); c != k {
			t.Fatalf("round %d: the certificate is from writer %q, the key from writer %q", r, strings.TrimSpace(c), strings.TrimSpace(k))
		}
	}
	// Nothing but the pair is left in the folder.
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != "same.pem" && e.Name() != "same-key.pem" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// Recover finishes the writes of dead processes that had made all their
// hidden links (a kill between two renames of "renew --force"), removes
// those of a set killed while linking, and leaves live processes alone.
func TestRecover(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("cannot run a short process to get a dead PID:", err)
	}
	pid := strconv.Itoa(dead.Process.Pid)
	live := strconv.Itoa(os.Getppid())
	tests := []struct {
		name  string
		files map[string]string // before
		want  map[string]string // after
	}{
		{
			name: "killed between the two renames: rolled forward",
			files: map[string]string{"a.pem": "new", "a-key.pem": "old",
				".a-key.pem.pkit-new-" + pid + ".7.1.2": "new"},
			want: map[string]string{"a.pem": "new", "a-key.pem": "new"},
		},
		{
			name: "killed after linking every file: rolled forward",
			files: map[string]string{"a.pem": "old", "a-key.pem": "old",
				".a.pem.pkit-new-" + pid + ".7.0.2": "new", ".a-key.pem.pkit-new-" + pid + ".7.1.2": "new"},
			want: map[string]string{"a.pem": "new", "a-key.pem": "new"},
		},
		{
			name: "killed while linking: rolled back",
			files: map[string]string{"a.pem": "old", "a-key.pem": "old",
				".a.pem.pkit-new-" + pid + ".7.0.2": "new"},
			want: map[string]string{"a.pem": "old", "a-key.pem": "old"},
		},
		{
			name:  "a new pair killed half-way: the missing file is added",
			files: map[string]string{"b.pem": "new", ".b-key.pem.pkit-add-" + pid + ".7.1.2": "new"},
			want:  map[string]string{"b.pem": "new", "b-key.pem": "new"},
		},
		{
			name:  "a new file whose name was taken since is not overwritten",
			files: map[string]string{"b.pem": "someone else's", ".b.pem.pkit-add-" + pid + ".7.0.1": "ours"},
			want:  map[string]string{"b.pem": "someone else's"},
		},
		{
			name: "two sets of one process (batch workers): each settled on its own",
			files: map[string]string{"a.pem": "old", "a-key.pem": "old", ".a.pem.pkit-new-" + pid + ".1.0.2": "new",
				"b.pem": "new", "b-key.pem": "old", ".b-key.pem.pkit-new-" + pid + ".2.1.2": "new"},
			want: map[string]string{"a.pem": "old", "a-key.pem": "old", "b.pem": "new", "b-key.pem": "new"},
		},
		{
			name:  "a live process's links stay",
			files: map[string]string{"c.pem": "old", ".c.pem.pkit-new-" + live + ".7.0.1": "new"},
			want:  map[string]string{"c.pem": "old", ".c.pem.pkit-new-" + live + ".7.0.1": "new"},
		},
		{
			name:  "an old-style link of a dead process is removed",
			files: map[string]string{"d.pem": "old", ".d.pem.pkit-new-" + pid: "new"},
			want:  map[string]string{"d.pem": "old"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := folderWith(t, tt.files)
			if err := Recover(dir); err != nil {
				t.Fatal(err)
			}
			if got := folderFiles(dir); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("after Recover: %v, want %v", got, tt.want)
			}
		})
	}
}

// folderWith returns a new folder holding files (name → content).
func folderWith(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// folderFiles returns the files in dir (name → content).
func folderFiles(dir string) map[string]string {
	ents, _ := os.ReadDir(dir)
	got := map[string]string{}
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		got[e.Name()] = string(b)
	}
	return got
}

func TestCheckPath(t *testing.T) {
	long := strings.Repeat("a", 250)
	tests := []struct {
		path string
		ok   bool
	}{
		{"dir/web.internal.pem", true},
		{"dir/" + strings.Repeat("a", MaxName), true},
		{"dir/" + strings.Repeat("a", MaxName+1), false},
		{long + "/x.pem", true},
		{long + "aaaaaa/x.pem", false}, // a folder name over 255 bytes
		{strings.Repeat(long+"/", 20) + "x.pem", false},
	}
	for _, tt := range tests {
		err := CheckPath(tt.path)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrNameTooLong)) {
			t.Errorf("CheckPath(%d bytes) = %v, want ok %v", len(tt.path), err, tt.ok)
		}
	}
}

// Lock excludes other holders until released, on a lock file and on a
// folder, and does not follow a symbolic link planted at the lock path.
func TestLock(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{filepath.Join(dir, ".lock"), dir} {
		unlock, err := Lock(path)
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan struct{})
		go func() {
			u, err := Lock(path)
			if err == nil {
				u()
			}
			close(got)
		}()
		select {
		case <-got:
			t.Fatalf("%s: a second Lock did not wait", path)
		case <-time.After(50 * time.Millisecond):
		}
		unlock()
		<-got
	}
	target := filepath.Join(dir, "target")
	link := filepath.Join(dir, "link.lock")
	if err := os.Symlink(target, link); err != nil {
		t.Skip(err)
	}
	if u, err := Lock(link); err == nil {
		u()
		t.Error("Lock followed a symbolic link")
	}
	if _, err := os.Lstat(target); err == nil {
		t.Error("Lock created the symbolic link's target")
	}
}

// DeferSync: files staged unsynced, made durable by one Sync (with other
// paths of their file systems) or by SyncEach (with other files and
// folders), then placed whole, with their modes; a Sync or SyncEach that
// names a path that is not there fails, and nothing is placed by it.
func TestDeferSync(t *testing.T) {
	d := t.TempDir()
	other := filepath.Join(d, "store")
	if err := os.WriteFile(other, []byte("log"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(d, "missing", "store")
	for _, tc := range []struct {
		name    string
		each    bool // SyncEach rather than Sync
		also    []string
		wantErr bool
	}{
		{"with the store's file", false, []string{other}, false},
		{"alone", false, nil, false},
		{"a missing path", false, []string{missing}, HasSyncFS()},
		{"each, with the store's file and folder", true, []string{other, d}, false},
		{"each, alone", true, nil, false},
		{"each, a missing path", true, []string{other, missing}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			files := []File{{Path: filepath.Join(dir, "a.pem"), Data: []byte("cert"), Perm: 0o644},
				{Path: filepath.Join(dir, "a-key.pem"), Data: []byte("key"), Perm: 0o600}}
			s, err := StageFiles(files, WriteOptions{DeferSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Discard()
			sync := s.Sync
			if tc.each {
				sync = s.SyncEach
			}
			if err := sync(tc.also...); (err != nil) != tc.wantErr {
				t.Fatalf("sync: %v, want error %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if err := s.Place(); err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				got, err := os.ReadFile(f.Path)
				if err != nil || string(got) != string(f.Data) {
					t.Errorf("%s: %q, %v; want %q", f.Path, got, err, f.Data)
				}
				if st, err := os.Stat(f.Path); err != nil {
					t.Error(err)
				} else if st.Mode().Perm() != f.Perm {
					t.Errorf("%s: mode %v; want %v", f.Path, st.Mode().Perm(), f.Perm)
				}
			}
		})
	}
}
