package trust

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// nssBackend is the NSS databases: Chromium's on Linux, and every
// Firefox profile's. certutil does the work, as mkcert does: the root is
// added with trust "C,," (a CA trusted to issue TLS server
// certificates) under pkit's [Name] as its nickname.
type nssBackend struct{ t *Trust }

// nssDBs returns the NSS database folders to use: Options.NSSDBs, or
// those found under the home folder that hold a cert9.db (the SQLite
// format every NSS since 3.35 and Firefox since 58 use).
func (b nssBackend) nssDBs() ([]string, error) {
	if len(b.t.o.NSSDBs) > 0 {
		for _, d := range b.t.o.NSSDBs {
			if _, err := os.Stat(filepath.Join(d, "cert9.db")); err != nil {
				return nil, fmt.Errorf("%q is not an NSS database (no cert9.db in it); create one with \"certutil -N -d sql:%s --empty-password\"", d, d)
			}
		}
		return b.t.o.NSSDBs, nil
	}
	if b.t.o.Home == "" {
		return nil, nil
	}
	var dbs []string
	for _, pattern := range nssDBPatterns(b.t.o.Home) {
		m, _ := filepath.Glob(pattern)
		sort.Strings(m)
		for _, d := range m {
			if _, err := os.Stat(filepath.Join(d, "cert9.db")); err == nil {
				dbs = append(dbs, d)
			}
		}
	}
	return dbs, nil
}

func (b nssBackend) locations(ctx context.Context) ([]Location, *Unavailable, error) {
	if why := nssUnsupported; why != "" {
		return nil, &Unavailable{Store: NSS, Reason: why}, nil
	}
	dbs, err := b.nssDBs()
	if err != nil {
		return nil, nil, err
	}
	if len(dbs) == 0 {
		return nil, &Unavailable{Store: NSS, Reason: "no NSS database found (" + strings.Join(nssDBPatterns("~"), ", ") + ")"}, nil
	}
	if _, err := b.t.o.LookPath("certutil"); err != nil {
		return nil, &Unavailable{Store: NSS, Reason: "certutil (NSS tools) is not installed", Tool: "certutil", Install: nssInstall}, nil
	}
	var locs []Location
	for _, db := range dbs {
		l, err := b.status(ctx, db)
		if err != nil {
			return nil, nil, err
		}
		locs = append(locs, l)
	}
	return locs, nil, nil
}

// status lists the database's certificates and finds the root among
// them by fingerprint.
func (b nssBackend) status(ctx context.Context, db string) (Location, error) {
	l := Location{Store: NSS, Path: db}
	out, err := b.t.run(ctx, "certutil", "-L", "-d", "sql:"+db)
	if err != nil {
		return l, err
	}
	for _, e := range parseCertutilList(out) {
		pemOut, err := b.t.run(ctx, "certutil", "-L", "-d", "sql:"+db, "-n", e.nickname, "-a")
		if err != nil {
			return l, err
		}
		if !b.t.holds(pemOut) {
			continue
		}
		serverCA := strings.Contains(strings.SplitN(e.trust, ",", 2)[0], "C")
		ours := e.nickname == b.t.name
		if serverCA {
			l.Trusted = true
			l.Names = append(l.Names, e.nickname)
			l.AddedByPkit = l.AddedByPkit || ours
		} else if ours {
			l.pending = true
			l.Note = fmt.Sprintf("%q is there with trust %q, not trusted for TLS servers", e.nickname, e.trust)
		}
	}
	return l, nil
}

type nssEntry struct{ nickname, trust string }

// parseCertutilList reads "certutil -L": a header, then one line per
// certificate, the nickname padded with spaces and then the trust
// attributes ("C,,", "u,u,u", ",,").
func parseCertutilList(out []byte) []nssEntry {
	var es []nssEntry
	header := true
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t")
		if header {
			header = !strings.Contains(line, "SSL,S/MIME,JAR/XPI")
			continue
		}
		i := strings.LastIndexAny(line, " \t")
		if i < 0 {
			continue
		}
		nick, trust := strings.TrimRight(line[:i], " \t"), line[i+1:]
		if nick == "" || strings.Count(trust, ",") != 2 {
			continue
		}
		es = append(es, nssEntry{nickname: nick, trust: trust})
	}
	return es
}

func (b nssBackend) change(l Location, install bool) Change {
	c := Change{Store: NSS, Location: l.Path, Name: b.t.name, Action: None}
	db := "sql:" + l.Path
	switch {
	case install && l.Trusted:
		c.Note = "already trusted as " + quoteList(l.Names)
	case install && l.pending:
		c.Action = Add
		c.Steps = []Step{{Command: []string{"certutil", "-M", "-d", db, "-n", b.t.name, "-t", "C,,"}}}
	case install:
		c.Action = Add
		c.Steps = []Step{{Command: []string{"certutil", "-A", "-d", db, "-n", b.t.name, "-t", "C,,", "-i", RootFile}}}
	case l.AddedByPkit || l.pending:
		c.Action = Remove
		c.Steps = []Step{{Command: []string{"certutil", "-D", "-d", db, "-n", b.t.name}}}
		c.Note = leftAlone("also trusted as", without(l.Names, b.t.name))
	case l.Trusted:
		c.Note = leftAlone("trusted as", l.Names)
	default:
		c.Note = "not there"
	}
	return c
}

func (b nssBackend) writable(c Change) error {
	return writableFile(NSS, filepath.Join(c.Location, "cert9.db"))
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

func without(names []string, name string) []string {
	var out []string
	for _, n := range names {
		if !strings.EqualFold(n, name) {
			out = append(out, n)
		}
	}
	return out
}
