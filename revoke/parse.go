package revoke

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"github.com/pkit/pkit/formats"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// This file is pkit's one CRL parser (RFC 5280 section 5). It reads
// version 1 and version 2 CRLs, which crypto/x509 does not (it refuses
// version 1), decodes the extensions revocation checking needs (CRL
// number, authority key identifier, issuing distribution point, delta CRL
// indicator) and notes the critical ones it does not know, and leaves the
// entries in their DER until asked: a CRL of a million entries is checked
// by stepping over them once, never turning them into objects.

// Extension identifiers, as the content bytes of their DER OBJECT
// IDENTIFIER, for comparison without decoding.
var (
	oidAuthorityKeyID  = []byte{0x55, 0x1d, 0x23}                               // 2.5.29.35
	oidCRLNumber       = []byte{0x55, 0x1d, 0x14}                               // 2.5.29.20
	oidDeltaCRL        = []byte{0x55, 0x1d, 0x1b}                               // 2.5.29.27
	oidIssuingDP       = []byte{0x55, 0x1d, 0x1c}                               // 2.5.29.28
	oidIssuerAltName   = []byte{0x55, 0x1d, 0x12}                               // 2.5.29.18
	oidFreshestCRL     = []byte{0x55, 0x1d, 0x2e}                               // 2.5.29.46
	oidAuthorityInfo   = []byte{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01} // 1.3.6.1.5.5.7.1.1
	oidReasonCode      = []byte{0x55, 0x1d, 0x15}                               // 2.5.29.21
	oidHoldInstruction = []byte{0x55, 0x1d, 0x17}                               // 2.5.29.23
	oidInvalidityDate  = []byte{0x55, 0x1d, 0x18}                               // 2.5.29.24
	oidCertIssuer      = []byte{0x55, 0x1d, 0x1d}                               // 2.5.29.29
	oidCRLDistPoints   = []byte{0x55, 0x1d, 0x1f}                               // 2.5.29.31
)

// knownCRLExt reports whether pkit understands a CRL extension, so that
// it may be critical.
func knownCRLExt(oid []byte) bool {
	for _, k := range [][]byte{oidAuthorityKeyID, oidCRLNumber, oidDeltaCRL, oidIssuingDP, oidIssuerAltName, oidFreshestCRL, oidAuthorityInfo} {
		if bytes.Equal(oid, k) {
			return true
		}
	}
	return false
}

// knownEntryExt reports whether pkit understands a CRL entry extension.
func knownEntryExt(oid []byte) bool {
	return bytes.Equal(oid, oidReasonCode) || bytes.Equal(oid, oidInvalidityDate) ||
		bytes.Equal(oid, oidCertIssuer) || bytes.Equal(oid, oidHoldInstruction)
}

// reasonSet is a set of revocation reasons as the bits of an RFC 5280
// ReasonFlags BIT STRING: bit 1 keyCompromise ... bit 8 aACompromise.
type reasonSet uint16

// allReasons is RFC 5280's all-reasons: every reason a ReasonFlags can name.
const allReasons reasonSet = 0x1fe

var reasonFlagNames = []string{1: "keyCompromise", 2: "cACompromise", 3: "affiliationChanged", 4: "superseded",
	5: "cessationOfOperation", 6: "certificateHold", 7: "privilegeWithdrawn", 8: "aACompromise"}

func (r reasonSet) String() string {
	var s []byte
	for i := 1; i <= 8; i++ {
		if r&(1<<i) != 0 {
			if len(s) > 0 {
				s = append(s, ", "...)
			}
			s = append(s, reasonFlagNames[i]...)
		}
	}
	if len(s) == 0 {
		return "none"
	}
	return string(s)
}

// parseReasonFlags reads the content of a ReasonFlags BIT STRING.
func parseReasonFlags(b []byte) (reasonSet, bool) {
	if len(b) == 0 || b[0] > 7 || (len(b) == 1 && b[0] != 0) {
		return 0, false
	}
	var r reasonSet
	for i := 0; i < (len(b)-1)*8 && i < 16; i++ {
		if b[1+i/8]&(0x80>>(i%8)) != 0 {
			r |= 1 << i
		}
	}
	return r & allReasons, true
}

// distPoint is a distribution point: of a certificate's CRL distribution
// points extension, or a CRL's issuing distribution point.
type distPoint struct {
	// names are the distribution point's names as DER GeneralName
	// elements (a nameRelativeToCRLIssuer turned into a directoryName);
	// nil when the name is absent.
	names [][]byte
	// reasons are the reasons covered; 0 means all.
	reasons reasonSet
	// crlIssuer are the GeneralName elements of a certificate's
	// cRLIssuer; nil when absent.
	crlIssuer [][]byte
}

// idp is a CRL's issuing distribution point extension (RFC 5280
// section 5.2.5).
type idp struct {
	distPoint
	userOnly, caOnly, attrOnly, indirect bool
}

// crlInfo is what revocation checking needs from a CRL's TBSCertList.
type crlInfo struct {
	version    int // 1 or 2
	issuer     []byte
	thisUpdate time.Time
	nextUpdate time.Time
	number     *big.Int
	aki        []byte
	idp        *idp
	idpRaw     []byte // the extension's value, to compare scopes
	delta      bool
	base       *big.Int // delta CRLs: the BaseCRLNumber
	critical   []asn1.ObjectIdentifier
	exts       []pkix.Extension
	entries    cryptobyte.String // revokedCertificates' content
	sigAI      []byte
	thisRaw    []byte
}

func malformed(what string) error { return fmt.Errorf("%w: malformed %s", ErrNotCRL, what) }

// parseTBS reads a DER TBSCertList.
func parseTBS(raw []byte) (*crlInfo, error) {
	in := cryptobyte.String(raw)
	var tbs cryptobyte.String
	if !in.ReadASN1(&tbs, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, malformed("TBSCertList")
	}
	h := &crlInfo{version: 1}
	if tbs.PeekASN1Tag(cbasn1.INTEGER) {
		var v int64
		if !tbs.ReadASN1Int64WithTag(&v, cbasn1.INTEGER) || v != 1 {
			return nil, malformed("version (only v2 may be given; v1 CRLs omit it)")
		}
		h.version = 2
	}
	var ai, iss cryptobyte.String
	if !tbs.ReadASN1Element(&ai, cbasn1.SEQUENCE) {
		return nil, malformed("signature algorithm")
	}
	if !tbs.ReadASN1Element(&iss, cbasn1.SEQUENCE) {
		return nil, malformed("issuer")
	}
	h.sigAI, h.issuer = ai, iss
	var ok bool
	rest := tbs
	if h.thisUpdate, ok = formats.ReadASN1Time(&tbs); !ok {
		return nil, malformed("thisUpdate")
	}
	h.thisRaw = rest[:len(rest)-len(tbs)]
	if tbs.PeekASN1Tag(cbasn1.UTCTime) || tbs.PeekASN1Tag(cbasn1.GeneralizedTime) {
		if h.nextUpdate, ok = formats.ReadASN1Time(&tbs); !ok {
			return nil, malformed("nextUpdate")
		}
	}
	if tbs.PeekASN1Tag(cbasn1.SEQUENCE) {
		if !tbs.ReadASN1(&h.entries, cbasn1.SEQUENCE) {
			return nil, malformed("revokedCertificates")
		}
	}
	if tbs.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		if h.version == 1 {
			return nil, malformed("CRL: a version 1 CRL has no extensions")
		}
		var exts cryptobyte.String
		if !tbs.ReadASN1(&exts, cbasn1.Tag(0).Constructed().ContextSpecific()) || !exts.ReadASN1(&exts, cbasn1.SEQUENCE) {
			return nil, malformed("crlExtensions")
		}
		if err := h.parseExtensions(exts); err != nil {
			return nil, err
		}
	}
	if !tbs.Empty() {
		return nil, malformed("TBSCertList (data after the extensions)")
	}
	return h, nil
}

// readExtension reads one Extension: its OID (content bytes), whether it
// is critical, and its value.
func readExtension(exts *cryptobyte.String) (oid []byte, critical bool, value cryptobyte.String, ok bool) {
	var ext, o cryptobyte.String
	if !exts.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1(&o, cbasn1.OBJECT_IDENTIFIER) || len(o) == 0 {
		return nil, false, nil, false
	}
	if ext.PeekASN1Tag(cbasn1.BOOLEAN) && !ext.ReadASN1Boolean(&critical) {
		return nil, false, nil, false
	}
	if !ext.ReadASN1(&value, cbasn1.OCTET_STRING) || !ext.Empty() {
		return nil, false, nil, false
	}
	return o, critical, value, true
}

func (h *crlInfo) parseExtensions(exts cryptobyte.String) error {
	seen := map[string]bool{}
	for !exts.Empty() {
		oid, critical, val, ok := readExtension(&exts)
		if !ok {
			return malformed("CRL extension")
		}
		id, err := decodeOID(oid)
		if err != nil {
			return malformed("CRL extension identifier")
		}
		if seen[string(oid)] {
			return fmt.Errorf("%w: the CRL extension %s appears twice", ErrNotCRL, id)
		}
		seen[string(oid)] = true
		h.exts = append(h.exts, pkix.Extension{Id: id, Critical: critical, Value: val})
		switch {
		case bytes.Equal(oid, oidAuthorityKeyID):
			var aki cryptobyte.String
			if !val.ReadASN1(&aki, cbasn1.SEQUENCE) || !val.Empty() {
				return malformed("authority key identifier")
			}
			if aki.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()) {
				var id cryptobyte.String
				if !aki.ReadASN1(&id, cbasn1.Tag(0).ContextSpecific()) {
					return malformed("authority key identifier")
				}
				h.aki = id
			}
		case bytes.Equal(oid, oidCRLNumber):
			h.number = new(big.Int)
			if !val.ReadASN1Integer(h.number) || !val.Empty() {
				return malformed("CRL number")
			}
		case bytes.Equal(oid, oidDeltaCRL):
			h.delta, h.base = true, new(big.Int)
			if !val.ReadASN1Integer(h.base) || !val.Empty() {
				return malformed("delta CRL indicator")
			}
		case bytes.Equal(oid, oidIssuingDP):
			h.idpRaw = val
			p, err := parseIDP(val, h.issuer)
			if err != nil {
				return err
			}
			h.idp = p
		case critical && !knownCRLExt(oid):
			h.critical = append(h.critical, id)
		}
	}
	return nil
}

func decodeOID(content []byte) (asn1.ObjectIdentifier, error) {
	var id asn1.ObjectIdentifier
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(content) })
	s := cryptobyte.String(b.BytesOrPanic())
	if !s.ReadASN1ObjectIdentifier(&id) {
		return nil, malformed("object identifier")
	}
	return id, nil
}

// Context-specific tags of the distribution point structures.
var (
	tagDPName     = cbasn1.Tag(0).Constructed().ContextSpecific()
	tagFullName   = cbasn1.Tag(0).Constructed().ContextSpecific()
	tagRelative   = cbasn1.Tag(1).Constructed().ContextSpecific()
	tagDPReasons  = cbasn1.Tag(1).ContextSpecific()
	tagCRLIssuer  = cbasn1.Tag(2).Constructed().ContextSpecific()
	tagUserOnly   = cbasn1.Tag(1).ContextSpecific()
	tagCAOnly     = cbasn1.Tag(2).ContextSpecific()
	tagSomeReason = cbasn1.Tag(3).ContextSpecific()
	tagIndirect   = cbasn1.Tag(4).ContextSpecific()
	tagAttrOnly   = cbasn1.Tag(5).ContextSpecific()
	tagDirName    = cbasn1.Tag(4).Constructed().ContextSpecific()
)

// parseIDP reads an issuing distribution point extension's value; a
// nameRelativeToCRLIssuer is completed with the CRL's issuer.
func parseIDP(val cryptobyte.String, crlIssuer []byte) (*idp, error) {
	bad := malformed("issuing distribution point")
	var s cryptobyte.String
	if !val.ReadASN1(&s, cbasn1.SEQUENCE) || !val.Empty() {
		return nil, bad
	}
	p := &idp{}
	if s.PeekASN1Tag(tagDPName) {
		var n cryptobyte.String
		if !s.ReadASN1(&n, tagDPName) {
			return nil, bad
		}
		names, ok := parseDPName(n, crlIssuer)
		if !ok {
			return nil, bad
		}
		p.names = names
	}
	flag := func(tag cbasn1.Tag, out *bool) bool {
		if !s.PeekASN1Tag(tag) {
			return true
		}
		var v cryptobyte.String
		if !s.ReadASN1(&v, tag) || len(v) != 1 {
			return false
		}
		*out = v[0] != 0
		return true
	}
	if !flag(tagUserOnly, &p.userOnly) || !flag(tagCAOnly, &p.caOnly) {
		return nil, bad
	}
	if s.PeekASN1Tag(tagSomeReason) {
		var v cryptobyte.String
		var ok bool
		if !s.ReadASN1(&v, tagSomeReason) {
			return nil, bad
		}
		if p.reasons, ok = parseReasonFlags(v); !ok {
			return nil, bad
		}
		if p.reasons == 0 {
			return nil, fmt.Errorf("%w: the issuing distribution point's onlySomeReasons names no reason", ErrNotCRL)
		}
	}
	if !flag(tagIndirect, &p.indirect) || !flag(tagAttrOnly, &p.attrOnly) || !s.Empty() {
		return nil, bad
	}
	return p, nil
}

// parseDPName reads a DistributionPointName's content (the CHOICE inside
// the [0] of a distribution point) into GeneralName elements; relative
// names are appended to base, the DER Name of the CRL issuer.
func parseDPName(n cryptobyte.String, base []byte) ([][]byte, bool) {
	switch {
	case n.PeekASN1Tag(tagFullName):
		var names cryptobyte.String
		if !n.ReadASN1(&names, tagFullName) || !n.Empty() {
			return nil, false
		}
		return splitGeneralNames(names)
	case n.PeekASN1Tag(tagRelative):
		var rdn cryptobyte.String
		if !n.ReadASN1(&rdn, tagRelative) || !n.Empty() {
			return nil, false
		}
		var bs cryptobyte.String = base
		var baseRDNs cryptobyte.String
		if !bs.ReadASN1(&baseRDNs, cbasn1.SEQUENCE) {
			return nil, false
		}
		b := cryptobyte.NewBuilder(nil)
		b.AddASN1(tagDirName, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddBytes(baseRDNs)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(rdn) })
			})
		})
		return [][]byte{b.BytesOrPanic()}, true
	}
	return nil, false
}

// splitGeneralNames splits the content of a GeneralNames into its
// elements.
func splitGeneralNames(s cryptobyte.String) ([][]byte, bool) {
	var out [][]byte
	for !s.Empty() {
		var e cryptobyte.String
		var tag cbasn1.Tag
		if !s.ReadAnyASN1Element(&e, &tag) || tag&0xc0 != 0x80 {
			return nil, false
		}
		out = append(out, e)
	}
	return out, len(out) > 0
}

// certDistPoints reads the CRL distribution points of c (RFC 5280
// section 4.2.1.13). A certificate without the extension gets one
// distribution point with no name, all reasons and no cRLIssuer: its
// issuer's CRLs.
func certDistPoints(c *x509.Certificate) []distPoint {
	for _, e := range c.Extensions {
		if !e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 31}) {
			continue
		}
		var out []distPoint
		s := cryptobyte.String(e.Value)
		var dps cryptobyte.String
		if !s.ReadASN1(&dps, cbasn1.SEQUENCE) {
			break
		}
		for !dps.Empty() {
			var d cryptobyte.String
			if !dps.ReadASN1(&d, cbasn1.SEQUENCE) {
				return []distPoint{{}}
			}
			var p distPoint
			var issuerNames [][]byte
			var nameRaw cryptobyte.String
			hasName := d.PeekASN1Tag(tagDPName)
			if hasName && !d.ReadASN1(&nameRaw, tagDPName) {
				return []distPoint{{}}
			}
			if d.PeekASN1Tag(tagDPReasons) {
				var v cryptobyte.String
				var ok bool
				if !d.ReadASN1(&v, tagDPReasons) {
					return []distPoint{{}}
				}
				if p.reasons, ok = parseReasonFlags(v); !ok {
					return []distPoint{{}}
				}
			}
			if d.PeekASN1Tag(tagCRLIssuer) {
				var v cryptobyte.String
				var ok bool
				if !d.ReadASN1(&v, tagCRLIssuer) {
					return []distPoint{{}}
				}
				if issuerNames, ok = splitGeneralNames(v); !ok {
					return []distPoint{{}}
				}
				p.crlIssuer = issuerNames
			}
			if hasName {
				// A relative name is relative to the cRLIssuer when there
				// is one (its directoryName), else to the certificate's
				// issuer.
				base := c.RawIssuer
				for _, n := range issuerNames {
					if dn, ok := directoryName(n); ok {
						base = dn
						break
					}
				}
				names, ok := parseDPName(nameRaw, base)
				if !ok {
					return []distPoint{{}}
				}
				p.names = names
			}
			out = append(out, p)
		}
		if len(out) > 0 {
			return out
		}
	}
	return []distPoint{{}}
}

// directoryName returns the DER Name inside a directoryName GeneralName.
func directoryName(gn []byte) ([]byte, bool) {
	s := cryptobyte.String(gn)
	var inner cryptobyte.String
	if !s.ReadASN1(&inner, tagDirName) {
		return nil, false
	}
	var name cryptobyte.String
	if !inner.ReadASN1Element(&name, cbasn1.SEQUENCE) || !inner.Empty() {
		return nil, false
	}
	return name, true
}

// sameGeneralName compares two GeneralName elements: directory names by
// RFC 5280 section 7.1, the others byte for byte.
func sameGeneralName(a, b []byte) bool {
	if da, ok := directoryName(a); ok {
		db, ok := directoryName(b)
		return ok && formats.SameName(da, db)
	}
	return bytes.Equal(a, b)
}

// anyNameInCommon reports whether the two lists share a GeneralName.
func anyNameInCommon(a, b [][]byte) bool {
	for _, x := range a {
		for _, y := range b {
			if sameGeneralName(x, y) {
				return true
			}
		}
	}
	return false
}

// namesHoldDN reports whether the GeneralNames hold the directory name dn.
func namesHoldDN(names [][]byte, dn []byte) bool {
	for _, n := range names {
		if d, ok := directoryName(n); ok && formats.SameName(d, dn) {
			return true
		}
	}
	return false
}

// rawEntry is one revokedCertificates entry, still in DER.
type rawEntry struct {
	full   []byte // the whole entry
	serial []byte // the content of its serial INTEGER
	// issuer holds the GeneralNames element of the certificateIssuer
	// in force for the entry, its own or carried forward from an earlier
	// entry (RFC 5280 section 5.3.3); nil means the CRL's issuer.
	issuer []byte
}

// walkEntries steps over the entries of a CRL in order, calling fn for
// each, and returns the first critical entry extension pkit does not
// know (nil when there is none). Only what every entry needs is read:
// its serial number and extensions' identifiers.
func walkEntries(entries cryptobyte.String, fn func(*rawEntry)) (critical []byte, err error) {
	var e rawEntry
	for !entries.Empty() {
		var full, body, serial, when cryptobyte.String
		var tag cbasn1.Tag
		if !entries.ReadASN1Element(&full, cbasn1.SEQUENCE) {
			return nil, malformed("revoked certificate entry")
		}
		body = full
		if !body.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1(&serial, cbasn1.INTEGER) || len(serial) == 0 {
			return nil, malformed("revoked certificate serial number")
		}
		if !body.ReadAnyASN1Element(&when, &tag) || (tag != cbasn1.UTCTime && tag != cbasn1.GeneralizedTime) {
			return nil, malformed("revocation date")
		}
		if !body.Empty() {
			var exts cryptobyte.String
			if !body.ReadASN1(&exts, cbasn1.SEQUENCE) || !body.Empty() {
				return nil, malformed("CRL entry extensions")
			}
			for !exts.Empty() {
				oid, crit, val, ok := readExtension(&exts)
				if !ok {
					return nil, malformed("CRL entry extension")
				}
				switch {
				case bytes.Equal(oid, oidCertIssuer):
					e.issuer = val
				case crit && critical == nil && !knownEntryExt(oid):
					critical = oid
				}
			}
		}
		e.full, e.serial = full, serial
		fn(&e)
	}
	return critical, nil
}

// decodeEntry turns one entry into the form crypto/x509 gives.
func decodeEntry(full []byte) (x509.RevocationListEntry, error) {
	e := x509.RevocationListEntry{Raw: full, SerialNumber: new(big.Int)}
	s := cryptobyte.String(full)
	if !s.ReadASN1(&s, cbasn1.SEQUENCE) || !s.ReadASN1Integer(e.SerialNumber) {
		return e, malformed("revoked certificate serial number")
	}
	var ok bool
	if e.RevocationTime, ok = formats.ReadASN1Time(&s); !ok {
		return e, malformed("revocation date")
	}
	if s.Empty() {
		return e, nil
	}
	var exts cryptobyte.String
	if !s.ReadASN1(&exts, cbasn1.SEQUENCE) {
		return e, malformed("CRL entry extensions")
	}
	for !exts.Empty() {
		oid, crit, val, ok := readExtension(&exts)
		if !ok {
			return e, malformed("CRL entry extension")
		}
		id, err := decodeOID(oid)
		if err != nil {
			return e, err
		}
		if bytes.Equal(oid, oidReasonCode) {
			v := val
			if !v.ReadASN1Enum(&e.ReasonCode) || !v.Empty() {
				return e, malformed("reasonCode")
			}
		}
		e.Extensions = append(e.Extensions, pkix.Extension{Id: id, Critical: crit, Value: val})
	}
	return e, nil
}

// serialContent is the content of serial's DER INTEGER, as entries
// hold it.
func serialContent(serial *big.Int) []byte {
	if serial == nil {
		return nil
	}
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1BigInt(serial)
	s := cryptobyte.String(b.BytesOrPanic())
	var c cryptobyte.String
	s.ReadASN1(&c, cbasn1.INTEGER)
	return c
}

// parse parses a DER CRL. Entries are decoded into
// RevokedCertificateEntries when all is true, or when their serial is
// among want; otherwise they are stepped over (and, with neither, not
// even read).
func parse(der []byte, all bool, want ...*big.Int) (*x509.RevocationList, *crlInfo, error) {
	in := cryptobyte.String(der)
	var outer, tbsRaw, ai cryptobyte.String
	if !in.ReadASN1(&outer, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, nil, malformed("CertificateList")
	}
	if !outer.ReadASN1Element(&tbsRaw, cbasn1.SEQUENCE) || !outer.ReadASN1Element(&ai, cbasn1.SEQUENCE) {
		return nil, nil, malformed("CertificateList")
	}
	var sig []byte
	if !outer.ReadASN1BitStringAsBytes(&sig) {
		// A signature that is not a whole number of octets is refused
		// by every signature algorithm CRLs use.
		return nil, nil, malformed("signature")
	}
	if !outer.Empty() {
		return nil, nil, malformed("CertificateList (data after the signature)")
	}
	h, err := parseTBS(tbsRaw)
	if err != nil {
		return nil, nil, err
	}
	if !bytes.Equal(ai, h.sigAI) {
		return nil, nil, fmt.Errorf("%w: the inner and outer signature algorithms differ", ErrNotCRL)
	}
	alg, name, err := nameAndAlgorithm(h)
	if err != nil {
		return nil, nil, err
	}
	rl := &x509.RevocationList{Raw: der, RawTBSRevocationList: tbsRaw, RawIssuer: h.issuer, Issuer: name,
		Signature: sig, SignatureAlgorithm: alg, ThisUpdate: h.thisUpdate, NextUpdate: h.nextUpdate,
		Number: h.number, AuthorityKeyId: h.aki, Extensions: h.exts}
	if !all && len(want) == 0 {
		return rl, h, nil
	}
	wanted := make([][]byte, 0, len(want))
	for _, w := range want {
		if c := serialContent(w); c != nil {
			wanted = append(wanted, c)
		}
	}
	var derr error
	_, err = walkEntries(h.entries, func(e *rawEntry) {
		keep := all
		for _, w := range wanted {
			keep = keep || bytes.Equal(e.serial, w)
		}
		if !keep || derr != nil {
			return
		}
		var ent x509.RevocationListEntry
		if ent, derr = decodeEntry(e.full); derr == nil {
			rl.RevokedCertificateEntries = append(rl.RevokedCertificateEntries, ent)
		}
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return nil, nil, err
	}
	return rl, h, nil
}

// nameAndAlgorithm decodes the issuer name and signature algorithm the
// way crypto/x509 does, by giving it a CRL that holds only them (so the
// names of signature algorithms, RSA-PSS parameters and string types
// stay crypto/x509's).
func nameAndAlgorithm(h *crlInfo) (x509.SignatureAlgorithm, pkix.Name, error) {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(1)
			b.AddBytes(h.sigAI)
			b.AddBytes(h.issuer)
			b.AddBytes(h.thisRaw)
		})
		b.AddBytes(h.sigAI)
		b.AddASN1BitString(nil)
	})
	der, err := b.Bytes()
	if err != nil {
		return 0, pkix.Name{}, malformed("CRL header")
	}
	rl, err := x509.ParseRevocationList(der)
	if err != nil {
		return 0, pkix.Name{}, fmt.Errorf("%w: %v", ErrNotCRL, err)
	}
	return rl.SignatureAlgorithm, rl.Issuer, nil
}

// ParseCRLFor parses the DER CRL der (version 1 or 2), keeping only the
// entries for the given serial numbers in RevokedCertificateEntries: the
// others are stepped over in the DER, never turned into objects, so
// reading a CRL of a million entries costs little more than reading its
// bytes; with no serials the entries are not read at all. The result's
// RawTBSRevocationList and Signature are those of the whole CRL, so
// [x509.RevocationList.CheckSignatureFrom] and [Check] verify the
// signature over every entry, and [Check] reads the entries it needs
// from the DER itself. Errors wrap [ErrNotCRL].
func ParseCRLFor(der []byte, serials ...*big.Int) (*x509.RevocationList, error) {
	rl, _, err := parse(der, false, serials...)
	return rl, err
}

// parseAll parses a DER CRL with every entry decoded.
func parseAll(der []byte) (*x509.RevocationList, error) {
	rl, _, err := parse(der, true)
	return rl, err
}
