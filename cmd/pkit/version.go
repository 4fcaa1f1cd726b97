package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// version describes this build: the module version, or the commit it was
// built from (with "+dirty" for uncommitted changes), and the Go version.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if (v == "" || v == "(devel)") && rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v = "devel-" + rev + dirty
	}
	if v == "" {
		v = "(devel)"
	}
	return v + " (" + bi.GoVersion + ")"
}

func init() {
	// "pkit --version" is data: it goes to stdout, as openssl version does.
	cli.VersionPrinter = func(c *cli.Context) {
		w, _ := c.App.Metadata["stdout"].(io.Writer)
		if w == nil {
			w = c.App.Writer
		}
		fmt.Fprintf(w, "pkit %s\n", c.App.Version)
	}
}
