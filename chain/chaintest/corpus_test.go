package chaintest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var dumpDir = flag.String("corpus.dump", "", "write the differential corpus to this `DIR`, with a commands.txt of the pkit and openssl command lines")

// TestCorpusGenerates checks that the corpus generates (every case named
// once, at least 300) and, with -corpus.dump DIR, keeps it for study:
// go test ./chain/chaintest -run TestCorpusGenerates -corpus.dump /tmp/corpus
func TestCorpusGenerates(t *testing.T) {
	dir := *dumpDir
	if dir == "" {
		dir = t.TempDir()
	}
	cases, err := Corpus(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 300 {
		t.Fatalf("%d cases", len(cases))
	}
	if *dumpDir == "" {
		return
	}
	var b strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&b, "# %s: %v: %s\npkit %s\nopenssl %s\n\n", c.Name, map[bool]string{true: "valid", false: "invalid"}[c.Valid], c.Reason,
			strings.Join(c.Pkit, " "), strings.Join(c.OpenSSL, " "))
	}
	if err := os.WriteFile(filepath.Join(dir, "commands.txt"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
