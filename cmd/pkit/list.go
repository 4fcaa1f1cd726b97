package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pkit/pkit/ca"
	"github.com/urfave/cli/v2"
)

func listCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "list",
		Usage:     "list the certificates this CA has issued",
		UsageText: "pkit list [--expiring 30d] [--revoked] [--name NAME] [--profile P] [--json]",
		Description: `Lists the store's records: serial, name, profile, status and expiry.
   A table for people on stdout, or --json for scripts.

EXAMPLES
   pkit list
   pkit list --expiring 30d            # what expires this month; pkit renew --expiring 30d renews it
   pkit list --revoked --json
   pkit list --profile client --name alice`,
		Flags: []cli.Flag{
			dirFlag(), jsonFlag(),
			&cli.StringFlag{Name: "expiring", Usage: "only certificates that expire within `DURATION` (and are not expired yet)"},
			&cli.BoolFlag{Name: "revoked", Usage: "only revoked certificates"},
			&cli.BoolFlag{Name: "all", Usage: "include the CA certificates"},
			&cli.StringFlag{Name: "name", Usage: "only certificates issued under `NAME`"},
			&cli.StringFlag{Name: "profile", Usage: "only certificates of `PROFILE`"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("list takes no arguments").hint("filter with --name NAME")
			}
			f := ca.Filter{Name: c.String("name"), Profile: c.String("profile"), Revoked: c.Bool("revoked")}
			a, err := ca.Open(c.String("dir"), ca.OpenOptions{})
			if err != nil {
				return err
			}
			defer a.Close()
			if v := c.String("expiring"); v != "" {
				d, err := ca.ParseDuration(v)
				if err != nil {
					return usagef("--expiring: %v", err)
				}
				f.After, f.Before = a.Now(), a.Now().Add(d)
			}
			recs, err := a.Store.List(c.Context, f)
			if err != nil {
				return err
			}
			if !c.Bool("all") && f.Profile == "" {
				kept := recs[:0]
				for _, r := range recs {
					if r.Profile != "ca" {
						kept = append(kept, r)
					}
				}
				recs = kept
			}
			if c.Bool("json") {
				out := make([]recordJSON, 0, len(recs))
				for _, r := range recs {
					out = append(out, toRecordJSON(r))
				}
				return e.printJSON(out)
			}
			if len(recs) == 0 {
				fmt.Fprintln(e.stderr, "no certificates match")
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "SERIAL\tNAME\tPROFILE\tSTATUS\tEXPIRES\tSANS")
			now := a.Now()
			for _, r := range recs {
				status := string(r.Status)
				if r.Status == ca.StatusValid && now.After(r.NotAfter) {
					status = "expired"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", ca.SerialHex(r.Serial), r.Name, r.Profile, status,
					r.NotAfter.Format("2006-01-02"), strings.Join(r.SANs, ","))
			}
			return tw.Flush()
		},
	}
}

// recordJSON is the --json form of a store record; its fields are stable.
type recordJSON struct {
	Serial    string     `json:"serial"`
	Name      string     `json:"name"`
	Profile   string     `json:"profile"`
	Issuer    string     `json:"issuer"`
	Subject   string     `json:"subject"`
	SANs      []string   `json:"sans"`
	NotBefore time.Time  `json:"not_before"`
	NotAfter  time.Time  `json:"not_after"`
	IssuedAt  time.Time  `json:"issued_at"`
	Status    string     `json:"status"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	Reason    *int       `json:"reason,omitempty"`
}

func toRecordJSON(r *ca.Record) recordJSON {
	j := recordJSON{Serial: ca.SerialHex(r.Serial), Name: r.Name, Profile: r.Profile, Issuer: r.Issuer, Subject: r.Subject,
		SANs: r.SANs, NotBefore: r.NotBefore, NotAfter: r.NotAfter, IssuedAt: r.IssuedAt, Status: string(r.Status)}
	if j.SANs == nil {
		j.SANs = []string{}
	}
	if r.Status == ca.StatusRevoked {
		t, reason := r.RevokedAt, r.Reason
		j.RevokedAt, j.Reason = &t, &reason
	}
	return j
}
