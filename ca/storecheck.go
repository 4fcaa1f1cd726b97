package ca

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/pkit/pkit/formats"
	"github.com/pkit/pkit/revoke"
)

// StoreProblem is one thing [Authority.CheckStore] found wrong.
type StoreProblem struct {
	// Check names the check: "ca-recorded", "record", "crl",
	// "crl-unpublished" (a change the CRL does not carry yet, by the
	// rule of [Authority.PendingRevocations]: revoked in the store and
	// not on the CRL, or on it with another reason, or a hold lifted in
	// the store still on it),
	// "crl-forgotten" (revoked on the CRL, valid in the store),
	// "crl-unknown" (revoked on the CRL, not in the store), "crl-number",
	// "placement" (recorded by a process that died before its files were
	// all in place), "file-missing" and "file-mismatch" (a recorded file of
	// a valid certificate is gone, or holds something else).
	Check string `json:"check"`
	// CA is the CA concerned, when there is one.
	CA string `json:"ca,omitempty"`
	// Serial is the certificate concerned (hex), when there is one.
	Serial string `json:"serial,omitempty"`
	// File is the file concerned, when there is one.
	File string `json:"file,omitempty"`
	// Msg says what is wrong, for people.
	Msg string `json:"message"`
}

// StoreReport is what [Authority.CheckStore] checked and found.
type StoreReport struct {
	CAs      int            `json:"cas"`      // CA certificates checked against the store
	Records  int            `json:"records"`  // store records read and parsed
	Revoked  int            `json:"revoked"`  // of them revoked
	CRLs     int            `json:"crls"`     // published CRLs read
	Files    int            `json:"files"`    // recorded files of valid certificates checked
	Problems []StoreProblem `json:"problems"` // what is wrong (after repairs)
	Repaired []string       `json:"repaired"` // what --repair changed
}

// StoreCheckOptions configures [Authority.CheckStore]. The zero value
// checks against the CRLs in the CA directory's crl/ folder and changes
// nothing.
type StoreCheckOptions struct {
	// CRLDir is the folder of the published CRLs; "" means DIR/crl.
	CRLDir string
	// Repair changes the store where that is safe: each CA's CRL number is
	// raised to the highest published or recorded one, and a certificate
	// the latest published CRL lists as revoked (other than on
	// certificateHold) but the store holds as valid is revoked again with
	// the CRL's date and reason: a revocation is never undone by restoring
	// an older store. A certificate the store does not know at all cannot
	// be put back; it stays a problem. Placements of processes that died
	// are settled ([Store.SettlePlacements]).
	Repair bool
}

// CheckStore checks the store against the CA certificates on disk and the
// published CRLs: every ca/NAME.crt is recorded with the same DER; every
// record parses, and its DER has the record's serial and its issuing CA's
// subject; each CA's latest published CRL verifies, carries every change
// the store holds (no change is pending by the rule of
// [Authority.PendingRevocations], which pkit crl --check applies too),
// lists nothing the store holds as valid (except a lifted hold, then
// pending) or does not know, and has a number not above the store's; no certificate is marked as being placed
// by a process that died; and the recorded files of every certificate
// valid now are in place ([Store.CheckFiles]). It reads the records one at
// a time.
func (a *Authority) CheckStore(ctx context.Context, o StoreCheckOptions) (*StoreReport, error) {
	dir := o.CRLDir
	if dir == "" {
		dir = filepath.Join(a.Dir, "crl")
	}
	if o.Repair {
		if err := a.Store.writable(); err != nil {
			return nil, err
		}
		// Repairs change CRL numbers: no "pkit crl" may run meanwhile.
		unlock, err := lockCRLs(a.Dir)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	rep := &StoreReport{Problems: []StoreProblem{}, Repaired: []string{}}
	problem := func(check, caName, serial, format string, args ...any) {
		rep.Problems = append(rep.Problems, StoreProblem{Check: check, CA: caName, Serial: serial, Msg: fmt.Sprintf(format, args...)})
	}
	names := a.CANames()

	// Placements cut short by a kill.
	if o.Repair {
		settled, err := a.Store.SettlePlacements(ctx)
		if err != nil {
			return nil, err
		}
		for _, st := range settled {
			rep.Repaired = append(rep.Repaired, st.String())
		}
	}
	placements, err := a.Store.Placements(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range placements {
		if p.Live {
			continue // in progress
		}
		in := 0
		for _, f := range p.Files {
			if f.InPlace() {
				in++
			}
		}
		problem("placement", "", SerialHex(p.Serial), "%q (serial %s) was recorded on %s by a process that died before its files were all in place (%d of %d in place)",
			p.Name, SerialHex(p.Serial), p.Started.Format(time.RFC3339), in, len(p.Files))
	}

	// The recorded files of the certificates valid now.
	nfiles, fprobs, err := a.Store.CheckFiles(ctx, a.now())
	if err != nil {
		return nil, err
	}
	rep.Files = nfiles
	for _, fp := range fprobs {
		check := "file-mismatch"
		if fp.Missing {
			check = "file-missing"
		}
		rep.Problems = append(rep.Problems, StoreProblem{Check: check, Serial: SerialHex(fp.Serial), File: fp.File.Path,
			Msg: fmt.Sprintf("%q (serial %s): %s", fp.Name, SerialHex(fp.Serial), fp.Msg)})
	}

	// The CA certificates on disk are recorded, with the same DER.
	for _, n := range names {
		rep.CAs++
		c := a.CAs[n]
		rec, err := a.Store.Get(ctx, c.SerialNumber)
		switch {
		case errors.Is(err, ErrNotFound):
			problem("ca-recorded", n, SerialHex(c.SerialNumber), "ca/%s.crt (serial %s) is not in the store", n, SerialHex(c.SerialNumber))
		case err != nil:
			return nil, err
		case string(rec.DER) != string(c.Raw):
			problem("ca-recorded", n, SerialHex(c.SerialNumber), "the store's record of serial %s is not the certificate in ca/%s.crt", SerialHex(c.SerialNumber), n)
		}
	}

	// Every record parses and matches its serial and issuer; the revoked
	// ones are collected per CA.
	revokedBy := map[string]map[string]*Record{}
	valid := map[string]bool{} // serials (hex) the store holds as valid
	err = a.Store.each(ctx, func(r *Record) error {
		rep.Records++
		hex := SerialHex(r.Serial)
		c, err := r.Certificate()
		if err != nil {
			problem("record", r.Issuer, hex, "the record of %q (serial %s) holds no readable certificate", r.Name, hex)
			return nil
		}
		if c.SerialNumber.Cmp(r.Serial) != 0 {
			problem("record", r.Issuer, hex, "the record of serial %s holds the certificate of serial %s", hex, SerialHex(c.SerialNumber))
		}
		if r.Issuer != "" {
			iss := a.CAs[r.Issuer]
			switch {
			case iss == nil:
				problem("record", r.Issuer, hex, "the record of %q (serial %s) names issuer %q, which is not a CA of this directory", r.Name, hex, r.Issuer)
			case !formats.NamesIssuer(iss, c):
				problem("record", r.Issuer, hex, "the certificate recorded as %q (serial %s) was not issued by CA %q", r.Name, hex, r.Issuer)
			}
		}
		if r.Status == StatusRevoked {
			rep.Revoked++
			if revokedBy[r.Issuer] == nil {
				revokedBy[r.Issuer] = map[string]*Record{}
			}
			revokedBy[r.Issuer][hex] = r
		} else {
			valid[hex] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	// The published CRLs.
	for _, n := range names {
		_, derPath := CRLFiles(dir, n)
		rl, err := readWholeCRL(derPath)
		if errors.Is(err, fs.ErrNotExist) {
			// No CRL lists anything: what the store revoked is pending
			// (by the rule of PendingRevocations), named as one problem.
			count := 0
			if err := a.pendingOfCA(ctx, n, nil, func(Pending) error { count++; return nil }); err != nil {
				return nil, err
			}
			if count > 0 {
				problem("crl", n, "", "CA %q has revoked %d certificates but no CRL is published in %q", n, count, dir)
			}
			continue
		}
		if err != nil {
			problem("crl", n, "", "%s is not a readable CRL", derPath)
			continue
		}
		if rl.CheckSignatureFrom(a.CAs[n]) != nil {
			problem("crl", n, "", "%s is not signed by CA %q", derPath, n)
			continue
		}
		rep.CRLs++
		listed := map[string]x509.RevocationListEntry{}
		for _, e := range rl.RevokedCertificateEntries {
			listed[SerialHex(e.SerialNumber)] = e
		}
		// Store -> CRL: every change is published, by the one rule of
		// PendingRevocations (pkit crl --check).
		var pending []Pending
		if err := a.pendingOfCA(ctx, n, crlListing(rl), func(p Pending) error { pending = append(pending, p); return nil }); err != nil {
			return nil, err
		}
		sort.Slice(pending, func(i, j int) bool { return pending[i].Serial.Cmp(pending[j].Serial) < 0 })
		for _, p := range pending {
			hex := SerialHex(p.Serial)
			crl := fmt.Sprintf("the published CRL %s of %q (%s)", numberText(rl.Number), n, derPath)
			switch r := revokedBy[n][hex]; {
			case p.Lifted:
				problem("crl-unpublished", n, hex, "%q (serial %s), whose hold was lifted in the store, is still on hold on %s", p.Name, hex, crl)
			case r == nil:
				// revoked since the records were read
				problem("crl-unpublished", n, hex, "serial %s, revoked in the store (%s), is missing from %s", hex, p.Reason, crl)
			case p.Listed:
				problem("crl-unpublished", n, hex, "%q (serial %s), revoked in the store (%s), is on %s as %s", r.Name, hex, p.Reason, crl, p.Was)
			default:
				what := "is missing from"
				if !r.RevokedAt.Before(rl.ThisUpdate) { // missing and not older than the CRL: revoked since (both in seconds)
					what = "was revoked after"
				}
				problem("crl-unpublished", n, hex, "%q (serial %s), revoked in the store on %s, %s %s",
					r.Name, hex, r.RevokedAt.Format(time.RFC3339), what, crl)
			}
		}
		// CRL -> store: nothing published is forgotten.
		var unknown, forgotten []string
		for hex, e := range listed {
			switch {
			case revokedBy[n][hex] != nil:
			case valid[hex] && revoke.Reason(e.ReasonCode) == revoke.CertificateHold:
				// a hold lifted with "pkit unrevoke", not yet published
			case valid[hex]:
				forgotten = append(forgotten, hex)
			default:
				unknown = append(unknown, hex)
			}
		}
		sort.Strings(forgotten)
		sort.Strings(unknown)
		for _, hex := range forgotten {
			e := listed[hex]
			if o.Repair {
				serial, _ := new(big.Int).SetString(hex, 16)
				if _, err := a.Store.RevokeMany(ctx, []Revocation{{Serial: serial, Reason: revoke.Reason(e.ReasonCode)}},
					e.RevocationTime.UTC().Truncate(time.Second)); err != nil {
					return nil, err
				}
				rep.Repaired = append(rep.Repaired, fmt.Sprintf("serial %s revoked again (%s, %s), as CRL %s of %q lists it",
					hex, revoke.Reason(e.ReasonCode), e.RevocationTime.UTC().Format(time.RFC3339), numberText(rl.Number), n))
				continue
			}
			problem("crl-forgotten", n, hex, "serial %s is revoked on the published CRL %s of %q but valid in the store (restored from an older backup?)",
				hex, numberText(rl.Number), n)
		}
		for _, hex := range unknown {
			problem("crl-unknown", n, hex, "serial %s is revoked on the published CRL %s of %q but not in the store at all (restored from an older backup?)",
				hex, numberText(rl.Number), n)
		}
	}

	// CRL numbers: the store's is not below any published or recorded one.
	for _, n := range names {
		pub, where, err := a.PublishedCRLNumber(n, dir)
		if err != nil {
			return nil, err
		}
		cur, err := a.Store.CRLNumber(ctx, n)
		if err != nil {
			return nil, err
		}
		if cur.Cmp(pub) >= 0 {
			continue
		}
		if o.Repair {
			if err := a.Store.RaiseCRLNumber(ctx, n, pub); err != nil {
				return nil, err
			}
			rep.Repaired = append(rep.Repaired, fmt.Sprintf("the CRL number of %q raised from %s to %s (%s)", n, cur, pub, where))
			continue
		}
		problem("crl-number", n, "", "the store's CRL number of %q is %s, below CRL number %s already published (%s)", n, cur, pub, where)
	}
	return rep, nil
}

func numberText(n *big.Int) string {
	if n == nil {
		return "(no number)"
	}
	return n.String()
}

// readWholeCRL reads a CRL file (DER or PEM) with all its entries.
func readWholeCRL(path string) (*x509.RevocationList, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return revoke.ParseCRL(data)
}

// each calls fn for every record, oldest first, reading one row at a
// time.
func (s *Store) each(ctx context.Context, fn func(*Record) error) error {
	rows, err := s.db.QueryContext(ctx, "SELECT "+recordColumns+" FROM certs ORDER BY issued_at, rowid")
	if err != nil {
		return fmt.Errorf("reading store: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}
