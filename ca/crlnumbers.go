package ca

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pkit/pkit/formats"
	"github.com/pkit/pkit/revoke"
)

// CRLNumbersFile is the record, inside the CA directory, of the highest
// CRL number given to a CRL of each CA: one line "NAME NUMBER" per CA.
// [Authority.PublishCRLs] rewrites it (atomically, under the CRL lock)
// before it places the CRLs carrying those numbers, so it is never below
// a published number. It lives outside the store on purpose: a store
// restored from an older backup has a lower CRL number, and this record
// (with the published CRL files, which carry their numbers) is how pkit
// notices instead of publishing a CRL whose number goes backwards.
const CRLNumbersFile = "ca/crl-numbers"

// ErrCRLNumberBehind is wrapped by a [*CRLNumberError].
var ErrCRLNumberBehind = errors.New("the store's CRL number is behind a published one")

// CRLNumberError is [Authority.PublishCRLs] refusing to sign: the next CRL
// number the store would give CA is not above one already published (or
// recorded in [CRLNumbersFile]). Relying parties keep the CRL with the
// highest number, so such a CRL would be ignored or, worse, replace a
// newer list; the usual cause is a store restored from an older backup,
// which has also forgotten the revocations made since. Nothing was
// changed. [Store.RaiseCRLNumber] (pkit store check --repair) is the way
// out once the revocations are back in the store.
type CRLNumberError struct {
	CA        string
	Next      *big.Int // the number the store would give
	Published *big.Int // the highest number found outside the store
	Where     string   // the file it was found in
}

func (e *CRLNumberError) Error() string {
	return fmt.Sprintf("the store would give the next CRL of %q number %s, but CRL number %s was already published (%s): "+
		"the store looks restored from an older backup", e.CA, e.Next, e.Published, e.Where)
}

// Unwrap returns [ErrCRLNumberBehind].
func (e *CRLNumberError) Unwrap() error { return ErrCRLNumberBehind }

// ReadCRLNumbers reads [CRLNumbersFile] of the CA directory dir; a missing
// file is an empty record.
func ReadCRLNumbers(dir string) (map[string]*big.Int, error) {
	return readNumbersFile(filepath.Join(dir, CRLNumbersFile))
}

// readNumbersFile reads a file of "NAME NUMBER" lines ([CRLNumbersFile],
// a generation's [GenerationNumbers]); a missing file is an empty map.
func readNumbersFile(path string) (map[string]*big.Int, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]*big.Int{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", path, formats.SystemReason(err))
	}
	out := map[string]*big.Int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		num, ok := new(big.Int).SetString(f[len(f)-1], 10)
		if len(f) != 2 || !ok || num.Sign() < 0 {
			return nil, fmt.Errorf("%q line %d: want \"CA-NAME NUMBER\"", path, n)
		}
		out[f[0]] = num
	}
	return out, nil
}

// formatNumbers writes nums as "NAME NUMBER" lines, sorted by name.
func formatNumbers(nums map[string]*big.Int) []byte {
	names := make([]string, 0, len(nums))
	for n := range nums {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s %s\n", n, nums[n])
	}
	return []byte(b.String())
}

// GenerationNumbers is the file in each published generation (see
// [CRLFolderLayout]) that lists the CRL number of each CRL in the set,
// written with the set: reading it back is how pkit learns the published
// numbers without reading CRLs of many megabytes. CRL folders without one
// (published by an older pkit) are read from their DER CRLs.
const GenerationNumbers = "crl-numbers"

// writeCRLNumbers records nums in [CRLNumbersFile], keeping the higher of
// the recorded and the new number of each CA.
func writeCRLNumbers(dir string, nums map[string]*big.Int) error {
	old, err := ReadCRLNumbers(dir)
	if err != nil {
		return err
	}
	for n, v := range nums {
		if o := old[n]; o == nil || v.Cmp(o) > 0 {
			old[n] = v
		}
	}
	return formats.WriteFile(filepath.Join(dir, CRLNumbersFile), formatNumbers(old), 0o644, true)
}

// PublishedCRLNumber returns the highest CRL number of the CA named name
// found outside the store: in [CRLNumbersFile] and in the CRL files
// published in the CA directory's crl/ folder and in the folders extra
// (a --out folder). Only files whose signature verifies with the CA's
// certificate count. where names the file it came from; the number is 0
// when nothing was published.
func (a *Authority) PublishedCRLNumber(name string, extra ...string) (n *big.Int, where string, err error) {
	n = new(big.Int)
	rec, err := ReadCRLNumbers(a.Dir)
	if err != nil {
		return nil, "", err
	}
	if v := rec[name]; v != nil {
		n, where = v, filepath.Join(a.Dir, CRLNumbersFile)
	}
	dirs := append([]string{filepath.Join(a.Dir, "crl")}, extra...)
	for _, d := range dirs {
		// The files are published as one set with their numbers listed
		// beside them (see [GenerationNumbers]); a folder an older pkit
		// wrote is read from the DER, else the PEM CRL.
		p := filepath.Join(d, CRLFolderLayout, GenerationNumbers)
		var v *big.Int
		if gen, err := readNumbersFile(p); err == nil {
			v = gen[name]
		}
		if v == nil {
			pemPath, derPath := CRLFiles(d, name)
			p = derPath
			v = publishedNumber(p, a.CAs[name])
			if v == nil {
				p = pemPath
				v = publishedNumber(p, a.CAs[name])
			}
		}
		if v != nil && v.Cmp(n) > 0 {
			n, where = v, p
		}
	}
	return n, where, nil
}

// publishedNumber returns the CRL number of the CRL file path when it is
// a CRL signed by caCert, else nil.
func publishedNumber(path string, caCert *x509.Certificate) *big.Int {
	rl, err := readPublishedCRL(path, caCert)
	if err != nil || rl == nil {
		return nil
	}
	return rl.Number
}

// readPublishedCRL reads the CRL file path (PEM or DER; the first CRL of a
// PEM file) without its entries, and returns it when caCert signed it;
// nil, nil when there is no such file.
func readPublishedCRL(path string, caCert *x509.Certificate) (*x509.RevocationList, error) {
	ders, err := revoke.ReadCRLFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%q: %w", path, err)
	}
	rl, err := revoke.ParseCRLFor(ders[0])
	if err != nil {
		return nil, fmt.Errorf("%q: %w", path, err)
	}
	if caCert == nil || rl.CheckSignatureFrom(caCert) != nil {
		return nil, fmt.Errorf("%q is not a CRL of this CA", path)
	}
	return rl, nil
}

// RaiseCRLNumber makes the store's CRL number of caName at least n, so
// that the next CRL it signs gets a number above n. It never lowers it.
func (s *Store) RaiseCRLNumber(ctx context.Context, caName string, n *big.Int) error {
	if err := s.writable(); err != nil {
		return err
	}
	if !n.IsInt64() {
		return fmt.Errorf("CRL number %s is too large", n)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO crl_numbers (ca, number) VALUES (?, ?)
		ON CONFLICT (ca) DO UPDATE SET number = CASE WHEN excluded.number > crl_numbers.number
		THEN excluded.number ELSE crl_numbers.number END`, caName, n.Int64())
	if err != nil {
		return s.failure(fmt.Errorf("raising the CRL number of %q: %w", caName, err))
	}
	return nil
}
