package main

import "github.com/urfave/cli/v2"

func stub(name string) *cli.Command {
	return &cli.Command{Name: name, Hidden: true, Action: func(*cli.Context) error { return failf("%s is not built yet", name) }}
}
func quickstartCommand(e *env) *cli.Command    { return stub("quickstart") }
func caCommand(e *env) *cli.Command            { return stub("ca") }
func signCommand(e *env) *cli.Command          { return stub("sign") }
func csrCommand(e *env) *cli.Command           { return stub("csr") }
func listCommand(e *env) *cli.Command          { return stub("list") }
func renewCommand(e *env) *cli.Command         { return stub("renew") }
func inspectCommand(e *env) *cli.Command       { return stub("inspect") }
func (e *env) issueBatch(c *cli.Context) error { return failf("batch is not built yet") }
