package formats

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
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

// An overwrite removes the hidden links that killed overwrites left
// (".NAME.pkit-new-PID" of a dead process), and nothing else: not those of
// live processes, not a user's files that merely look similar.
func TestOverwriteRemovesStaleLinks(t *testing.T) {
	dir := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("cannot run a short process to get a dead PID:", err)
	}
	deadPID := strconv.Itoa(dead.Process.Pid)
	files := map[string]bool{ // name → removed by the overwrite
		".cert.pem.pkit-new-" + deadPID:                    true,
		".other.p12.pkit-new-" + deadPID:                   true,
		".cert.pem.pkit-new-" + strconv.Itoa(os.Getppid()): false, // a live process
		".cert.pem.new" + deadPID:                          false, // a user's file
		".bashrc.new1":                                     false,
		"notes.pkit-new-" + deadPID:                        false, // not hidden
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
}
