package revoke

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/pkit/pkit/formats"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// MaxCRLSize is the largest CRL [ParseCRL] reads, in bytes.
const MaxCRLSize = 64 << 20

// ErrNotCRL is returned (wrapped) by [ParseCRL] when the data is neither a
// PEM "X509 CRL" block nor a DER CRL.
var ErrNotCRL = errors.New("not a CRL (expected PEM \"X509 CRL\" or DER)")

// ErrNoCRL is returned (wrapped in a [*CRLError]) by [Check] when none of
// the CRLs was issued by the certificate's issuer.
var ErrNoCRL = errors.New("no CRL from the issuer")

// ParseCRL parses one CRL in PEM ("X509 CRL", the first such block) or DER,
// version 1 or 2, with all its entries. It does not check the signature:
// that needs the issuer (see [Check]).
func ParseCRL(data []byte) (*x509.RevocationList, error) {
	crls, err := ParseCRLs(data)
	if err != nil {
		return nil, err
	}
	return crls[0], nil
}

// ParseCRLs parses every CRL in data: a PEM file of one or more "X509 CRL"
// blocks (other blocks are skipped), or a single DER CRL (see [ReadCRLs]).
// It returns an error wrapping [ErrNotCRL] when data holds no CRL or one
// that cannot be read.
func ParseCRLs(data []byte) ([]*x509.RevocationList, error) {
	if len(data) > MaxCRLSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrNotCRL, MaxCRLSize)
	}
	ders, err := ReadCRLs(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	out := make([]*x509.RevocationList, 0, len(ders))
	for _, der := range ders {
		crl, err := parseAll(der)
		if err != nil {
			return nil, err
		}
		out = append(out, crl)
	}
	return out, nil
}

// CRLProblem says why a CRL could not be used.
type CRLProblem int

// The ways a CRL can fail to count.
const (
	// NoCRL: none of the CRLs names the issuer.
	NoCRL CRLProblem = iota + 1
	// BadSignature: the CRL names the issuer but its signature does not
	// verify with the issuer's key (or the issuer may not sign CRLs).
	BadSignature
	// NotYetValid: the CRL's thisUpdate is after the time of the check.
	NotYetValid
	// Expired: the CRL's nextUpdate is before the time of the check.
	Expired
	// OutOfScope: the CRL names the issuer, but its issuing distribution
	// point leaves the certificate out (only user, CA or attribute
	// certificates; another distribution point), or the certificate's
	// distribution points name another CRL issuer (RFC 5280 6.3.3 b).
	OutOfScope
	// UnhandledCritical: the CRL or one of its entries has a critical
	// extension pkit does not process; RFC 5280 section 5.2 forbids
	// using such a CRL.
	UnhandledCritical
	// NoNumber: a CRL without a CRL number (RFC 5280 5.2.3 requires
	// one), a version 1 CRL among them; pkit reads it but does not use
	// it for checking.
	NoNumber
	// DeltaOnly: only a delta CRL, and no complete CRL it can be applied
	// to (same scope, CRL number at least its BaseCRLNumber, older).
	DeltaOnly
	// SignerRefused: the CRL is signed by a certificate other than the
	// issuer's that is not accepted as its CRL signer: it lacks the
	// cRLSign key usage, is certified by another CA, has no valid path to
	// the same trust anchor, or is revoked.
	SignerRefused
	// PartialReasons: the usable CRLs cover only some revocation reasons
	// (issuing distribution point onlySomeReasons, or the certificate's
	// distribution point reasons), so the status stays unknown.
	PartialReasons
	// Malformed: the CRL cannot be read.
	Malformed
)

// rank orders problems from the most to the least telling, for the one
// reported when no CRL answers.
var rank = map[CRLProblem]int{PartialReasons: 0, BadSignature: 1, SignerRefused: 2, UnhandledCritical: 3, NoNumber: 4,
	Malformed: 5, NotYetValid: 6, Expired: 7, DeltaOnly: 8, OutOfScope: 9, NoCRL: 10}

// CRLError is returned by [Check] when no usable CRL from the issuer was
// found. Problem is the most telling reason among the candidate CRLs.
type CRLError struct {
	Problem CRLProblem
	// Issuer is the certificate whose CRL was looked for.
	Issuer *x509.Certificate
	// CRL is the rejected CRL (nil for NoCRL).
	CRL *x509.RevocationList
	// Detail says more: which extension, which scope, which signer.
	Detail string
	// Err is the underlying error, if any.
	Err error
}

func (e *CRLError) Error() string {
	who := e.Issuer.Subject.String()
	if e.CRL != nil {
		who = e.CRL.Issuer.String() // an indirect CRL's issuer is another
	}
	var s string
	switch e.Problem {
	case NoCRL:
		s = fmt.Sprintf("no CRL issued by %q", who)
	case BadSignature:
		s = fmt.Sprintf("the CRL of %q has a bad signature", who)
	case NotYetValid:
		s = fmt.Sprintf("the CRL of %q is not yet valid (thisUpdate %s)", who, e.CRL.ThisUpdate.UTC().Format(time.RFC3339))
	case Expired:
		s = fmt.Sprintf("the CRL of %q expired (nextUpdate %s)", who, e.CRL.NextUpdate.UTC().Format(time.RFC3339))
	case OutOfScope:
		s = fmt.Sprintf("the CRL of %q does not cover this certificate", who)
	case UnhandledCritical:
		s = fmt.Sprintf("the CRL of %q cannot be used: it has a critical extension pkit does not process", who)
	case NoNumber:
		s = fmt.Sprintf("the CRL of %q has no CRL number, which RFC 5280 5.2.3 requires: pkit reads it but does not use it for checking (OpenSSL does use it)", who)
	case DeltaOnly:
		s = fmt.Sprintf("only a delta CRL of %q, no complete CRL it applies to", who)
	case SignerRefused:
		s = fmt.Sprintf("the CRL of %q is signed by a certificate not accepted as its CRL signer", who)
	case PartialReasons:
		s = fmt.Sprintf("the usable CRLs of %q cover only some revocation reasons", who)
	case Malformed:
		s = fmt.Sprintf("a CRL of %q cannot be read", who)
	default:
		s = fmt.Sprintf("the CRL of %q cannot be used", who)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *CRLError) Unwrap() error {
	if e.Problem == NoCRL {
		return ErrNoCRL
	}
	return e.Err
}

// Status is the answer of [Check].
type Status struct {
	// Revoked is true when the certificate's serial is on the CRL (or on
	// the delta CRL applied to it), with any reason but removeFromCRL;
	// certificateHold counts.
	Revoked bool
	// RevokedAt is the entry's revocation date; zero unless Revoked.
	RevokedAt time.Time
	// Reason is the entry's RFC 5280 reason code (0, unspecified, when the
	// entry carries none).
	Reason int
	// CRL is the CRL that gave the answer: the complete CRL, or the delta
	// CRL when the entry that decided was on it.
	CRL *x509.RevocationList
	// Delta is the delta CRL applied on top of the complete CRL; nil
	// when there was none.
	Delta *x509.RevocationList
}

// Options are the optional inputs of [CheckWith]. The zero value accepts
// only CRLs signed with the issuer's own key.
type Options struct {
	// Signers are the other certificates that may have signed CRLs
	// covering the certificate: a separate CRL-signing certificate of the
	// same CA (same name, its own key, keyUsage cRLSign), the CA's
	// certificate for another key (key rollover), or the CRL issuer an
	// indirect CRL names. Typically every intermediate and root given
	// for the chain; the ones that did not sign a CRL are ignored.
	Signers []*x509.Certificate
	// VerifySigner validates the certification path of a CRL signer
	// other than the issuer: it must return nil only when signer is valid
	// at the time of the check on a path to the same trust anchor as the
	// certificate (RFC 5280 6.3.3 f). Nil refuses every other signer.
	// Its revocation is checked by [CheckWith] on the CRLs given.
	VerifySigner func(signer *x509.Certificate) error
}

// Check looks cert up on the CRLs of issuer as of at, accepting only
// CRLs signed with the issuer's own key; see [CheckWith].
func Check(cert, issuer *x509.Certificate, crls []*x509.RevocationList, at time.Time) (*Status, error) {
	return CheckWith(cert, issuer, crls, at, Options{})
}

// CheckWith is revocation checking as RFC 5280 section 6.3 describes it.
// A complete CRL counts for cert when:
//   - it is in scope: issued by cert's issuer, or, when a CRL
//     distribution point of cert names a cRLIssuer, by that issuer as an
//     indirect CRL; its issuing distribution point, if any, covers cert
//     (user or CA certificates, one of cert's distribution point names);
//   - it verifies: signed by the issuer, or by a signer of [Options]
//     with cRLSign, certified by the issuer or by the issuer's own issuer
//     (a separate CRL signer, or the CA's certificate for a new key), that
//     [Options.VerifySigner] accepts and no CRL lists as revoked; a
//     revoked issuer's CRLs do not count either;
//   - it is fresh at at (thisUpdate passed, nextUpdate, when given, not
//     passed: RFC 5280 6.3.3 a, as OpenSSL), has a CRL number (so version 1 CRLs, which have none, are
//     read but not used) and no critical CRL or entry extension pkit does
//     not process.
//
// Among several, the newest (highest CRL number, then latest thisUpdate)
// answers first; a delta CRL of the same issuer and scope whose
// BaseCRLNumber is at most the complete CRL's number, and newer, is
// applied on top (its removeFromCRL entries lift a certificateHold).
// Entries name their certificate by serial and, in indirect CRLs, by the
// certificateIssuer in force. CRLs covering only some reasons are
// combined until every reason is covered; until then the status is
// unknown. When no answer can be given, CheckWith returns a [*CRLError]
// saying why.
//
// The entries are read from each CRL's DER (RawTBSRevocationList), not
// from RevokedCertificateEntries, so a CRL parsed by [ParseCRLFor] for
// other serials still answers.
func CheckWith(cert, issuer *x509.Certificate, crls []*x509.RevocationList, at time.Time, o Options) (*Status, error) {
	k := &checker{cert: cert, issuer: issuer, at: at, o: o, sigs: map[sigKey]error{}}
	k.want = serialContent(cert.SerialNumber)
	var completes, deltas []*cand
	for _, rl := range crls {
		c := &cand{rl: rl}
		var err error
		if c.h, err = parseTBS(rl.RawTBSRevocationList); err != nil {
			if formats.SameName(rl.RawIssuer, cert.RawIssuer) {
				k.note(&CRLError{Problem: Malformed, CRL: rl, Err: err})
			}
			continue
		}
		if c.h.delta {
			deltas = append(deltas, c)
		} else {
			completes = append(completes, c)
		}
	}
	sort.SliceStable(completes, func(i, j int) bool { return newer(completes[i], completes[j]) })
	sort.SliceStable(deltas, func(i, j int) bool { return newer(deltas[i], deltas[j]) })
	k.deltas = deltas
	k.all = append(append([]*cand(nil), completes...), deltas...)

	st := &Status{}
	var mask reasonSet
	used := false
	for _, dp := range certDistPoints(cert) {
		for _, c := range completes {
			if mask == allReasons || st.Revoked {
				break
			}
			interim, ok := k.scope(c, dp)
			if !ok || interim&^mask == 0 {
				continue
			}
			if !k.usable(c) {
				continue
			}
			entry, ok := k.lookup(c)
			if !ok {
				continue
			}
			d, ok := k.delta(c)
			if !ok {
				continue
			}
			var dentry *x509.RevocationListEntry
			if d != nil {
				if dentry, ok = k.lookup(d); !ok {
					continue
				}
			}
			if !used {
				st.CRL = c.rl
				if d != nil {
					st.Delta = d.rl
				}
				used = true
			}
			switch {
			case dentry != nil:
				if Reason(dentry.ReasonCode) != RemoveFromCRL {
					st.Revoked, st.RevokedAt, st.Reason, st.CRL, st.Delta = true, dentry.RevocationTime, dentry.ReasonCode, d.rl, d.rl
				}
			case entry != nil && Reason(entry.ReasonCode) != RemoveFromCRL:
				st.Revoked, st.RevokedAt, st.Reason, st.CRL = true, entry.RevocationTime, entry.ReasonCode, c.rl
				if d != nil {
					st.Delta = d.rl
				}
			}
			mask |= interim
		}
	}
	if st.Revoked || mask == allReasons {
		return st, nil
	}
	if used {
		e := &CRLError{Problem: PartialReasons, Issuer: issuer, CRL: st.CRL,
			Detail: fmt.Sprintf("covered: %s; missing: %s (RFC 5280 6.3.3: the status stays unknown until every reason is covered)", mask, allReasons&^mask)}
		if k.fail != nil {
			e.Err = k.fail
		}
		return nil, e
	}
	if len(completes) == 0 {
		for _, d := range deltas {
			if formats.SameName(d.rl.RawIssuer, cert.RawIssuer) {
				k.note(&CRLError{Problem: DeltaOnly, CRL: d.rl, Detail: fmt.Sprintf("delta CRL %s needs its complete CRL, number %s or later", numberText(d.h.number), d.h.base)})
				break
			}
		}
	}
	if k.fail == nil {
		k.fail = &CRLError{Problem: NoCRL}
		if k.unknownSigner != "" {
			k.fail.Detail = k.unknownSigner
		}
	}
	k.fail.Issuer = issuer
	return nil, k.fail
}

// cand is a CRL being considered.
type cand struct {
	rl *x509.RevocationList
	h  *crlInfo

	signed   bool // the signer was looked for
	signer   *x509.Certificate
	looked   bool
	entry    *x509.RevocationListEntry
	lookedOK bool
}

type sigKey struct {
	rl *x509.RevocationList
	c  *x509.Certificate
}

type checker struct {
	cert, issuer  *x509.Certificate
	at            time.Time
	o             Options
	want          []byte
	deltas        []*cand
	all           []*cand
	fail          *CRLError
	unknownSigner string
	sigs          map[sigKey]error
}

// note keeps the most telling reason a CRL was not used.
func (k *checker) note(e *CRLError) {
	if e.Issuer == nil {
		e.Issuer = k.issuer
	}
	if k.fail == nil || rank[e.Problem] < rank[k.fail.Problem] {
		k.fail = e
	}
}

func newer(a, b *cand) bool {
	na, nb := a.h.number, b.h.number
	if na == nil {
		na = new(big.Int)
	}
	if nb == nil {
		nb = new(big.Int)
	}
	if c := na.Cmp(nb); c != 0 {
		return c > 0
	}
	return a.h.thisUpdate.After(b.h.thisUpdate)
}

func numberText(n *big.Int) string {
	if n == nil {
		return "(none)"
	}
	return n.String()
}

// scope decides whether complete CRL c covers the certificate for
// distribution point dp (RFC 5280 6.3.3 b), and for which reasons.
func (k *checker) scope(c *cand, dp distPoint) (reasonSet, bool) {
	crlIssuer := c.rl.RawIssuer
	out := func(format string, args ...any) (reasonSet, bool) {
		k.note(&CRLError{Problem: OutOfScope, CRL: c.rl, Detail: fmt.Sprintf(format, args...)})
		return 0, false
	}
	if dp.crlIssuer != nil {
		if !namesHoldDN(dp.crlIssuer, crlIssuer) {
			if formats.SameName(crlIssuer, k.cert.RawIssuer) {
				return out("the certificate's CRL distribution point names another CRL issuer, whose indirect CRL is needed")
			}
			return 0, false
		}
		if c.h.idp == nil || !c.h.idp.indirect {
			return out("the certificate names %q as its CRL issuer, but this CRL is not an indirect CRL (no indirectCRL in its issuing distribution point)", c.rl.Issuer.String())
		}
	} else if !formats.SameName(crlIssuer, k.cert.RawIssuer) {
		return 0, false
	}
	interim := allReasons
	if dp.reasons != 0 {
		interim &= dp.reasons
	}
	if p := c.h.idp; p != nil {
		switch {
		case p.names != nil && dp.names != nil:
			if !anyNameInCommon(p.names, dp.names) {
				return out("its issuing distribution point %s is not one of the certificate's CRL distribution points (%s)", namesText(p.names), namesText(dp.names))
			}
		case p.names != nil && dp.crlIssuer != nil:
			if !anyNameInCommon(p.names, dp.crlIssuer) {
				return out("its issuing distribution point %s is not among the certificate's CRL issuer names", namesText(p.names))
			}
		case p.names != nil:
			return out("its issuing distribution point %s covers only certificates that name it, and this certificate names no CRL distribution point", namesText(p.names))
		}
		isCA := k.cert.BasicConstraintsValid && k.cert.IsCA
		switch {
		case p.userOnly && isCA:
			return out("it covers only end-entity certificates (onlyContainsUserCerts), and this is a CA certificate")
		case p.caOnly && !isCA:
			return out("it covers only CA certificates (onlyContainsCACerts), and this is an end-entity certificate")
		case p.attrOnly:
			return out("it covers only attribute certificates (onlyContainsAttributeCerts)")
		}
		if p.reasons != 0 {
			interim &= p.reasons
		}
	}
	return interim, true
}

// namesText lists GeneralNames for messages: URIs and directory names
// as text, others by their tag.
func namesText(names [][]byte) string {
	var out []string
	for _, n := range names {
		switch {
		case len(n) > 2 && n[0] == 0x86:
			s := n[2:]
			if n[1]&0x80 != 0 {
				s = n[2+int(n[1]&0x7f):]
			}
			out = append(out, fmt.Sprintf("%q", string(s)))
		default:
			if dn, ok := directoryName(n); ok {
				out = append(out, fmt.Sprintf("%q", nameText(dn)))
			} else {
				out = append(out, fmt.Sprintf("a name of type [%d]", n[0]&0x1f))
			}
		}
	}
	if len(out) == 0 {
		return "(none)"
	}
	return strings.Join(out, ", ")
}

// usable checks what a CRL must be to be used at all: known critical
// extensions, a CRL number, a signer, freshness.
func (k *checker) usable(c *cand) bool {
	if len(c.h.critical) > 0 {
		var ids []string
		for _, id := range c.h.critical {
			ids = append(ids, id.String())
		}
		k.note(&CRLError{Problem: UnhandledCritical, CRL: c.rl, Detail: "CRL extension " + strings.Join(ids, ", ")})
		return false
	}
	if c.h.number == nil {
		e := &CRLError{Problem: NoNumber, CRL: c.rl}
		if c.h.version == 1 {
			e.Detail = "it is a version 1 CRL, which has none (Go's crypto/x509 refuses those outright); publish a version 2 CRL"
		}
		k.note(e)
		return false
	}
	if k.signerOf(c) == nil {
		return false
	}
	switch {
	case k.at.Before(c.h.thisUpdate):
		k.note(&CRLError{Problem: NotYetValid, CRL: c.rl})
		return false
	case !c.h.nextUpdate.IsZero() && k.at.After(c.h.nextUpdate):
		k.note(&CRLError{Problem: Expired, CRL: c.rl})
		return false
	}
	return true
}

// lookup finds the certificate's entry on c, checking every entry for
// unknown critical extensions on the way. ok is false when c cannot be
// used.
func (k *checker) lookup(c *cand) (*x509.RevocationListEntry, bool) {
	if c.looked {
		return c.entry, c.lookedOK
	}
	c.looked = true
	var found []byte
	critical, err := walkEntries(c.h.entries, func(e *rawEntry) {
		if found != nil || !bytes.Equal(e.serial, k.want) {
			return
		}
		if e.issuer == nil {
			if !formats.SameName(c.rl.RawIssuer, k.cert.RawIssuer) {
				return
			}
		} else if names, ok := splitIssuer(e.issuer); !ok || !namesHoldDN(names, k.cert.RawIssuer) {
			return
		}
		found = e.full
	})
	if err != nil {
		k.note(&CRLError{Problem: Malformed, CRL: c.rl, Err: err})
		return nil, false
	}
	if critical != nil {
		id, _ := decodeOID(critical)
		k.note(&CRLError{Problem: UnhandledCritical, CRL: c.rl, Detail: "CRL entry extension " + id.String()})
		return nil, false
	}
	if found != nil {
		e, err := decodeEntry(found)
		if err != nil {
			k.note(&CRLError{Problem: Malformed, CRL: c.rl, Err: err})
			return nil, false
		}
		c.entry = &e
	}
	c.lookedOK = true
	return c.entry, true
}

// splitIssuer reads a certificateIssuer value (a GeneralNames SEQUENCE).
func splitIssuer(v []byte) ([][]byte, bool) {
	s := cryptobyte.String(v)
	var names cryptobyte.String
	if !s.ReadASN1(&names, cbasn1.SEQUENCE) || !s.Empty() {
		return nil, false
	}
	return splitGeneralNames(names)
}

// nameText is a DER Name as text, for messages.
func nameText(der []byte) string {
	var rdns pkix.RDNSequence
	if rest, err := asn1.Unmarshal(der, &rdns); err != nil || len(rest) > 0 {
		return "(unreadable name)"
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdns)
	return n.String()
}

// sameName reports whether two DER distinguished names are the same, as
// RFC 5280 section 7.1 compares them (see [formats.SameName]).

// delta returns the newest delta CRL for complete CRL c that is
// authentic (signed by an accepted signer) and applies to it: the same
// issuer and scope, BaseCRLNumber at most c's number, newer than c. Nil
// when there is none. ok is false when that delta cannot be used (stale,
// or a critical extension pkit does not process): then c alone is not
// used either, since the CA has said more than c says.
func (k *checker) delta(c *cand) (d *cand, ok bool) {
	if c.h.number == nil {
		return nil, true
	}
	for _, d := range k.deltas {
		if !formats.SameName(d.rl.RawIssuer, c.rl.RawIssuer) || !bytes.Equal(d.h.idpRaw, c.h.idpRaw) {
			continue
		}
		if d.h.number == nil || d.h.number.Cmp(c.h.number) <= 0 || d.h.base.Cmp(c.h.number) > 0 {
			continue
		}
		if k.signerOf(d) == nil {
			continue
		}
		what := fmt.Sprintf("delta CRL %s", d.h.number)
		switch {
		case len(d.h.critical) > 0:
			k.note(&CRLError{Problem: UnhandledCritical, CRL: d.rl, Detail: what + " has critical CRL extension " + d.h.critical[0].String()})
			return nil, false
		case k.at.Before(d.h.thisUpdate):
			k.note(&CRLError{Problem: NotYetValid, CRL: d.rl, Detail: what})
			return nil, false
		case !d.h.nextUpdate.IsZero() && k.at.After(d.h.nextUpdate):
			k.note(&CRLError{Problem: Expired, CRL: d.rl, Detail: what + " expired " + d.h.nextUpdate.UTC().Format(time.RFC3339) + "; pass a current one"})
			return nil, false
		}
		return d, true
	}
	return nil, true
}

// verify checks c's signature with s's key, once.
func (k *checker) verify(c *cand, s *x509.Certificate) error {
	key := sigKey{c.rl, s}
	if err, ok := k.sigs[key]; ok {
		return err
	}
	err := s.CheckSignature(c.rl.SignatureAlgorithm, c.rl.RawTBSRevocationList, c.rl.Signature)
	k.sigs[key] = err
	return err
}

// signerOf finds the certificate that signed c and may sign it (RFC 5280
// 6.3.3 f, g), or notes why there is none.
func (k *checker) signerOf(c *cand) *x509.Certificate {
	if c.signed {
		return c.signer
	}
	c.signed = true
	var cands []*x509.Certificate
	seen := map[string]bool{}
	for _, s := range append([]*x509.Certificate{k.issuer}, k.o.Signers...) {
		if s == nil || seen[string(s.Raw)] || !formats.SameName(s.RawSubject, c.rl.RawIssuer) {
			continue
		}
		seen[string(s.Raw)] = true
		if len(c.h.aki) > 0 && len(s.SubjectKeyId) > 0 && !bytes.Equal(c.h.aki, s.SubjectKeyId) {
			continue
		}
		cands = append(cands, s)
	}
	if len(cands) == 0 {
		if len(c.h.aki) > 0 {
			k.unknownSigner = fmt.Sprintf("a CRL with that issuer name is signed by key id %s, whose certificate was not given", formats.FormatFingerprint(c.h.aki))
		}
		return nil
	}
	direct := formats.SameName(c.rl.RawIssuer, k.cert.RawIssuer)
	for _, s := range cands {
		if s.KeyUsage != 0 && s.KeyUsage&x509.KeyUsageCRLSign == 0 {
			k.note(&CRLError{Problem: SignerRefused, CRL: c.rl, Detail: fmt.Sprintf("%s lacks the cRLSign key usage", certText(s))})
			continue
		}
		if bytes.Equal(s.Raw, k.issuer.Raw) {
			if err := c.rl.CheckSignatureFrom(s); err != nil {
				k.note(&CRLError{Problem: BadSignature, CRL: c.rl, Err: err})
				continue
			}
			// A revoked CA's CRLs are not trusted either (its key may be
			// in other hands).
			if k.refuseRevokedSigner(c, s, ", its signer,") {
				continue
			}
			c.signer = s
			return s
		}
		if err := k.verify(c, s); err != nil {
			if len(cands) == 1 || len(c.h.aki) > 0 {
				k.note(&CRLError{Problem: BadSignature, CRL: c.rl, Err: err})
			}
			continue
		}
		if formats.PublicKeysEqual(s.PublicKey, k.issuer.PublicKey) && direct {
			c.signer = s // the issuer's own key, in another certificate
			return s
		}
		// Another key. For the issuer's own CRLs it must be certified by
		// the CA itself (a CRL signer) or by the authority that certified
		// the CA (a CRL signer, or the CA's certificate for another key
		// after a rollover): not by a sibling CA under the same root.
		if direct && !formats.SameName(s.RawIssuer, k.issuer.RawSubject) && !formats.SameName(s.RawIssuer, k.issuer.RawIssuer) {
			k.note(&CRLError{Problem: SignerRefused, CRL: c.rl, Detail: fmt.Sprintf("%s is certified by %q, neither the CA nor its issuer", certText(s), s.Issuer.String())})
			continue
		}
		if k.o.VerifySigner == nil {
			k.note(&CRLError{Problem: SignerRefused, CRL: c.rl, Detail: fmt.Sprintf("%s is not the issuer's certificate and its path cannot be checked here", certText(s))})
			continue
		}
		if err := k.o.VerifySigner(s); err != nil {
			k.note(&CRLError{Problem: SignerRefused, CRL: c.rl, Detail: fmt.Sprintf("%s: %v", certText(s), err)})
			continue
		}
		if k.refuseRevokedSigner(c, s, "") {
			continue
		}
		c.signer = s
		return s
	}
	return nil
}

func certText(c *x509.Certificate) string {
	return fmt.Sprintf("the certificate %q (key id %s)", c.Subject.String(), formats.FormatFingerprint(c.SubjectKeyId))
}

// refuseRevokedSigner notes and reports whether signer s of CRL c is
// itself revoked; role words the signer in the note (", its signer,").
func (k *checker) refuseRevokedSigner(c *cand, s *x509.Certificate, role string) bool {
	e := k.signerRevoked(s)
	if e == nil {
		return false
	}
	k.note(&CRLError{Problem: SignerRefused, CRL: c.rl, Detail: fmt.Sprintf("%s%s was revoked %s (%s)", certText(s), role, e.RevocationTime.UTC().Format(time.RFC3339), Reason(e.ReasonCode))})
	return true
}

// signerRevoked looks CRL signer s up on the complete CRLs of its issuer
// that are fresh and verify with a key of that issuer (or s's own): a
// signer on one of them, for any reason but removeFromCRL, signs no CRL
// pkit trusts.
func (k *checker) signerRevoked(s *x509.Certificate) *x509.RevocationListEntry {
	want := serialContent(s.SerialNumber)
	keys := []*x509.Certificate{s}
	for _, c := range append([]*x509.Certificate{k.issuer}, k.o.Signers...) {
		if c != nil && formats.SameName(c.RawSubject, s.RawIssuer) {
			keys = append(keys, c)
		}
	}
	for _, rl := range k.crlsFor(s.RawIssuer) {
		if rl.h.delta || len(rl.h.critical) > 0 || k.at.Before(rl.h.thisUpdate) || (!rl.h.nextUpdate.IsZero() && k.at.After(rl.h.nextUpdate)) {
			continue
		}
		ok := false
		for _, key := range keys {
			if k.verify(rl, key) == nil {
				ok = true
				break
			}
		}
		if !ok {
			continue
		}
		var found []byte
		walkEntries(rl.h.entries, func(e *rawEntry) {
			if found == nil && bytes.Equal(e.serial, want) && (e.issuer == nil || func() bool {
				n, ok := splitIssuer(e.issuer)
				return ok && namesHoldDN(n, s.RawIssuer)
			}()) {
				found = e.full
			}
		})
		if found != nil {
			if e, err := decodeEntry(found); err == nil && Reason(e.ReasonCode) != RemoveFromCRL {
				return &e
			}
		}
	}
	return nil
}

// crlsFor returns the parsed CRLs issued under the name issuer.
func (k *checker) crlsFor(issuer []byte) []*cand {
	var out []*cand
	for _, c := range k.all {
		if formats.SameName(c.rl.RawIssuer, issuer) {
			out = append(out, c)
		}
	}
	return out
}
