package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pkit/pkit/internal/pgtest"
)

func TestMain(m *testing.M) {
	testscript.Main(pgStopping{m}, map[string]func(){
		// Scripts run pkit with a low scrypt work factor so passphrase
		// unlocks are fast; the real default is ca.DefaultWorkFactor.
		"pkit": func() {
			e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, workFactor: 10}
			os.Exit(e.main(os.Args))
		},
	})
}

func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Condition:           scriptCondition,
		Cmds:                scriptCmds,
		Setup: func(env *testscript.Env) error {
			env.Setenv("CI", os.Getenv("CI"))
			return nil
		},
	})
}

// pgStopping runs the tests, then stops the throwaway PostgreSQL server
// if a test started one.
type pgStopping struct{ m interface{ Run() int } }

func (p pgStopping) Run() int {
	code := p.m.Run()
	pgtest.Stop()
	return code
}
