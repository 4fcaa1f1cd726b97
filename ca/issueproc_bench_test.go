package ca

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkIssueProcess is the work of one "pkit issue client NAME --p12"
// process after its start-up, on a --no-encrypt CA: open the CA directory
// and its store, issue one client certificate with its key and a .p12
// (verified, recorded, placed and synced as IssueTo does), close the store.
// bench/issue.sh times the same work as a process (bench/floor).
func BenchmarkIssueProcess(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "pki")
	if err := Init(dir, InitOptions{Name: "Bench", Protection: Protection{None: true}}); err != nil {
		b.Fatal(err)
	}
	out := b.TempDir()
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		a, err := Open(dir, OpenOptions{})
		if err != nil {
			b.Fatal(err)
		}
		base := filepath.Join(out, "c"+strconv.Itoa(i))
		outs := []Output{{Kind: OutCert, Path: base + ".pem"}, {Kind: OutKey, Path: base + "-key.pem"},
			{Kind: OutP12, Path: base + ".p12"}}
		plan := a.NewPlan(PlanOptions{})
		if err := plan.Add("", outs...); err != nil {
			b.Fatal(err)
		}
		if _, err := a.IssueTo(ctx, &Request{Profile: "client", Name: "c" + strconv.Itoa(i)}, plan,
			&Outputs{Files: outs, P12Password: "bench-p12-password"}); err != nil {
			b.Fatal(err)
		}
		if err := a.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
