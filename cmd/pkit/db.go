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

   migrate --from STORE --to STORE copies a whole store, SQLite to PostgreSQL
   or back (each a store file or a postgres:// URL; the destination is created
   when missing: a new file, or an empty database). Rows are copied in order,
   a few thousand per transaction, skipping those already there, so an
   interrupted copy is finished by running the same command again. Then each
   table of both stores is counted and hashed (every value of every row) and
   the two printed; they must be equal (exit 1 otherwise). Stop every pkit
   using the source first, then point the CA at the destination (the
   config's db line, --db or PKIT_DB).

EXAMPLES
   pkit db status
   pkit --db postgres://pkit@db.internal/pki db status --json
   PKIT_DB=postgres://pkit@db.internal/pki?passfile=/etc/pkit/pgpass pkit db migrate
   pkit db migrate --from pki/store --to postgres://pkit@db.internal/pki
   pkit db migrate --from postgres://pkit@db.internal/pki --to /backup/store`,
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
				UsageText: "pkit [--db URL] db migrate [--dir DIR] [--json] | pkit db migrate --from STORE --to STORE [--json]",
				Flags: []cli.Flag{dirFlag(), dbFlag(), jsonFlag(),
					&cli.StringFlag{Name: "from", Usage: "copy every record of the store `STORE` (a store file or a postgres:// URL) …"},
					&cli.StringFlag{Name: "to", Usage: "… into the store `STORE`, created when missing; run again to resume"},
				},
				Action: e.dbMigrate,
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
	if from, to := c.String("from"), c.String("to"); from != "" || to != "" {
		if from == "" || to == "" {
			return usagef("db migrate --from and --to go together").hint("pkit db migrate --from pki/store --to postgres://USER@HOST/DB")
		}
		return e.dbCopy(c, from, to)
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

func (e *env) dbCopy(c *cli.Context, from, to string) error {
	rep, err := ca.CopyStore(c.Context, from, to)
	if rep != nil && rep.Source != nil {
		if c.Bool("json") {
			if jerr := e.writeJSON(rep); jerr != nil {
				return jerr
			}
		} else {
			fmt.Fprintf(e.stdout, "%-12s %10s %10s  %-64s %s\n", "table", "source", "dest", "sha256 (source)", "")
			for i, s := range rep.Source {
				d := rep.Dest[i]
				same := "same"
				if s != d {
					same = "DIFFERENT: " + d.Hash
				}
				fmt.Fprintf(e.stdout, "%-12s %10d %10d  %s %s\n", s.Table, s.Rows, d.Rows, s.Hash, same)
			}
		}
	}
	if err != nil {
		if rep != nil && rep.Copied > 0 {
			return failf("%v (%d rows were copied; run the same command again to finish)", err, rep.Copied)
		}
		return err
	}
	fmt.Fprintf(e.stderr, "pkit: copied %d rows from %s to %s; every table has the same rows in both\n", rep.Copied, rep.From, rep.To)
	return nil
}
