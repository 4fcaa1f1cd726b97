package trust

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// anchorBackend is a trust store built from a folder of anchor files by
// a refresh command, as Linux distributions keep theirs ([SystemLayout]).
// pkit's root goes in as [FileName] plus the layout's extension.
type anchorBackend struct {
	t      *Trust
	layout *SystemLayout
	// missing is why the store is unavailable when layout is nil.
	missing *Unavailable
}

func (b anchorBackend) file() string {
	return filepath.Join(b.layout.AnchorDir, FileName(b.t.root)+b.layout.Ext)
}

func (b anchorBackend) locations(ctx context.Context) ([]Location, *Unavailable, error) {
	if b.layout == nil {
		return nil, b.missing, nil
	}
	if _, err := b.t.o.LookPath(b.layout.Refresh[0]); err != nil {
		return nil, &Unavailable{Store: System, Reason: b.layout.Refresh[0] + " is not installed", Tool: b.layout.Refresh[0], Install: systemInstall}, nil
	}
	l := Location{Store: System, Path: b.layout.AnchorDir}
	ours := b.file()
	// Every anchor file that holds the root, pkit's or not.
	err := filepath.WalkDir(b.layout.AnchorDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == b.layout.AnchorDir {
				return err
			}
			return nil
		}
		if !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil || !b.t.holdsDER(data) {
			return nil
		}
		rel, _ := filepath.Rel(b.layout.AnchorDir, path)
		l.Names = append(l.Names, rel)
		if path == ours {
			l.AddedByPkit = true
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	bundle, err := os.ReadFile(b.layout.Bundle)
	if err != nil && !os.IsNotExist(err) {
		return nil, nil, err
	}
	l.Trusted = b.t.holds(bundle)
	switch {
	case l.AddedByPkit && !l.Trusted:
		l.pending = true
		l.Note = "pkit's anchor file is there but " + b.layout.Bundle + " does not hold it yet (run " + strings.Join(b.layout.Refresh, " ") + ")"
	case l.Trusted && len(l.Names) == 0:
		l.Names = []string{b.layout.Bundle}
		l.Note = "in the system bundle from outside " + b.layout.AnchorDir
	case !l.Trusted && len(l.Names) > 0:
		l.Note = "anchor files hold it but " + b.layout.Bundle + " does not (run " + strings.Join(b.layout.Refresh, " ") + ")"
	}
	return []Location{l}, nil, nil
}

func (b anchorBackend) change(l Location, install bool) Change {
	ours := b.file()
	c := Change{Store: System, Location: b.layout.AnchorDir, Name: filepath.Base(ours), Action: None}
	refresh := Step{Command: b.layout.Refresh}
	switch {
	case install && l.Trusted:
		c.Note = "already trusted as " + quoteList(l.Names)
	case install && l.AddedByPkit:
		c.Action = Add
		c.Steps = []Step{refresh}
	case install:
		c.Action = Add
		c.Steps = []Step{{Write: ours}, refresh}
		c.Undo = []Step{{Remove: ours}}
	case l.AddedByPkit:
		c.Action = Remove
		c.Steps = []Step{{Remove: ours}, refresh}
		if b.layout.Links != "" {
			link := filepath.Join(b.layout.Links, strings.TrimSuffix(filepath.Base(ours), b.layout.Ext)+".pem")
			c.Steps = []Step{{Remove: ours}, {Remove: link}, refresh}
			if st, err := os.Stat(b.layout.Hooks); err == nil && st.IsDir() {
				c.Steps = append(c.Steps, Step{Command: []string{"sh", "-c",
					`for h in "$1"/*; do if [ -x "$h" ]; then echo "-$2" | "$h"; fi; done`, "sh", b.layout.Hooks, link}})
			}
		}
		c.Undo = []Step{{Write: ours}}
		c.Note = leftAlone("also trusted as", without(l.Names, filepath.Base(ours)))
	case l.Trusted:
		c.Note = leftAlone("trusted as", l.Names)
	default:
		c.Note = "not there"
	}
	return c
}

func (b anchorBackend) writable(c Change) error {
	if err := writableDir(System, b.layout.AnchorDir); err != nil {
		return err
	}
	return writableDir(System, filepath.Dir(b.layout.Bundle))
}
