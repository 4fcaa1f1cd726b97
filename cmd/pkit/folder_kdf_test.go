package main

// Key-derivation work is capped for a folder as a whole: chain build of a
// folder of .p12 files stops deriving keys once the folder's budget is
// spent, and says which files it left out.

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestChainFolderKDFBudget(t *testing.T) {
	needTool(t, "openssl")
	d := t.TempDir()
	dir := filepath.Join(d, "pki")
	pkitIn(t, "init", "--dir", dir, "--no-encrypt", "--name", "Budget")
	pile := filepath.Join(d, "pile")
	if err := os.Mkdir(pile, 0o755); err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(d, "pw")
	if err := os.WriteFile(pw, []byte("budget\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b", "c"} {
		pkitIn(t, "issue", "server", name+".example.internal", "--dir", dir, "--out-dir", d)
		// OpenSSL's defaults: 2048 iterations for each of the three parts.
		mustTool(t, "openssl", "pkcs12", "-export", "-in", filepath.Join(d, name+".example.internal.pem"),
			"-inkey", filepath.Join(d, name+".example.internal-key.pem"), "-passout", "file:"+pw,
			"-out", filepath.Join(pile, name+".p12"))
	}
	run := func(budget int64) (int, string) {
		var stdout, stderr bytes.Buffer
		e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }, folderKDF: budget}
		code := e.main([]string{"pkit", "chain", "build", pile, "--password-file", pw, "--json"})
		return code, stderr.String()
	}
	// Enough for every file: nothing is left out.
	if code, stderr := run(3 * 3 * 2048); strings.Contains(stderr, "key-derivation") {
		t.Fatalf("exit %d, a file left out with room for all three:\n%s", code, stderr)
	}
	// Room for one file: the others are left out, each with a note.
	_, stderr := run(3*2048 + 100)
	if n := strings.Count(stderr, "pkit: note: left out"); n != 2 || !strings.Contains(stderr, "key-derivation") {
		t.Fatalf("want two files left out for key-derivation work, got %d:\n%s", n, stderr)
	}
}
