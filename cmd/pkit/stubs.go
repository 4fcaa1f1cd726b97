package main

import "github.com/urfave/cli/v2"

func stub(name string) *cli.Command {
	return &cli.Command{Name: name, Hidden: true, Action: func(*cli.Context) error { return failf("%s is not built yet", name) }}
}
