package main

import (
	"fmt"

	"github.com/pkit/pkit/ca"
	"github.com/urfave/cli/v2"
)

func dbCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "db",
		Usage:     "show and upgrade the CA's store (SQLite file or PostgreSQL database)",
		UsageText: "pkit [--db URL] db status|migrate [--dir DIR] [--json]",
		Description: `The CA's store is the SQLite file DIR/store, or, for a CA whose issuing
   machines share one store, a PostgreSQL database: named by the config's
   "db = postgres://…" line ("pkit init" writes it when given --db), or by
   --db or PKIT_DB, which override it for every command. Copy the rest of the
   CA directory (config, ca/, crl/) to each issuing machine.

   The URL never holds the password: put it in ~/.pgpass, in a file named by
   passfile= in the URL, or in PGPASSWORD. Messages show the URL with any
   password masked.

   status prints where the store is, its schema version and this pkit's, and
   how many certificates it records. migrate upgrades the schema now (the
   first write would do it anyway); each step runs once, whichever machine
   runs it first. A store whose schema is newer than this pkit is read but
   never written.

EXAMPLES
   pkit db status
   pkit --db postgres://pkit@db.internal/pki db status --json
   PKIT_DB=postgres://pkit@db.internal/pki?passfile=/etc/pkit/pgpass pkit db migrate`,
		Subcommands: []*cli.Command{
			{
				Name:      "status",
				Usage:     "where the store is, its schema version, how many certificates it holds",
				UsageText: "pkit [--db URL] db status [--dir DIR] [--json]",
				Flags:     []cli.Flag{dirFlag(), dbFlag(), jsonFlag()},
				Action:    e.dbStatus,
			},
			{
				Name:      "migrate",
				Usage:     "upgrade the store's schema to this pkit's version",
				UsageText: "pkit [--db URL] db migrate [--dir DIR] [--json]",
				Flags:     []cli.Flag{dirFlag(), dbFlag(), jsonFlag()},
				Action:    e.dbMigrate,
			},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("unknown db command %q", c.Args().First()).hint(`use "pkit db status" or "pkit db migrate"`)
			}
			return usagef("db needs a command").hint(`use "pkit db status" or "pkit db migrate"`)
		},
	}
}

func (e *env) dbStatus(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("db status takes no arguments, got %q", c.Args().First())
	}
	a, err := ca.Open(c.String("dir"), ca.OpenOptions{DB: dbOf(c)})
	if err != nil {
		return err
	}
	defer a.Close()
	st, err := a.Store.Status(c.Context)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return e.writeJSON(st)
	}
	fmt.Fprintf(e.stdout, "store:        %s (%s)\n", st.Where, st.Backend)
	fmt.Fprintf(e.stdout, "schema:       version %d; this pkit writes %d%s\n", st.Version, st.Current, schemaNote(st))
	fmt.Fprintf(e.stdout, "certificates: %d\n", st.Certificates)
	return nil
}

func schemaNote(st *ca.StoreStatus) string {
	switch {
	case st.Version > st.Current:
		return " (written by a newer pkit: read only)"
	case st.Version < st.Current:
		return ` (upgraded by the next write, or "pkit db migrate")`
	}
	return ""
}

func (e *env) dbMigrate(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("db migrate takes no arguments, got %q", c.Args().First())
	}
	a, err := ca.Open(c.String("dir"), ca.OpenOptions{DB: dbOf(c)})
	if err != nil {
		return err
	}
	defer a.Close()
	from, err := a.Store.Migrate(c.Context)
	if err != nil {
		return err
	}
	st, err := a.Store.Status(c.Context)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return e.writeJSON(struct {
			From int `json:"from"`
			*ca.StoreStatus
		}{from, st})
	}
	if from == st.Version {
		fmt.Fprintf(e.stderr, "pkit: the store %s is at version %d already\n", st.Where, st.Version)
	} else {
		fmt.Fprintf(e.stderr, "pkit: upgraded the store %s from version %d to %d\n", st.Where, from, st.Version)
	}
	return nil
}
