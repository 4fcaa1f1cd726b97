package ocsp

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkit/pkit/revoke"
	"github.com/pkit/pkit/revoke/revoketest"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	xocsp "golang.org/x/crypto/ocsp"
)

// memSource is a Source over a map, with a version bumped by set.
type memSource struct {
	mu      sync.Mutex
	status  map[string]Status // issuer + "/" + serial
	version uint64
	reads   int
	fail    error
}

func (m *memSource) set(issuer string, serial int64, st Status) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.status == nil {
		m.status = map[string]Status{}
	}
	m.status[issuer+"/"+big.NewInt(serial).String()] = st
	m.version++
}

func (m *memSource) Status(_ context.Context, issuer string, serial *big.Int) (Status, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads++
	if m.fail != nil {
		return Status{}, m.fail
	}
	st, ok := m.status[issuer+"/"+serial.String()]
	if !ok {
		return Status{Status: Unknown}, nil
	}
	return st, nil
}

func (m *memSource) Version(context.Context) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.version, nil
}

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	src       *memSource
	r         *Responder
	ca, other *revoketest.Cert
	leaf      *revoketest.Cert // serial set good in the source
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ca := revoketest.Must(revoketest.NewCert(revoketest.CertSpec{Subject: pkix.Name{CommonName: "Test CA"}, CA: true}))
	other := revoketest.Must(revoketest.NewCert(revoketest.CertSpec{Subject: pkix.Name{CommonName: "Other CA"}, CA: true}))
	leaf := revoketest.Must(revoketest.NewCert(revoketest.CertSpec{Subject: pkix.Name{CommonName: "leaf"}, Issuer: ca}))
	src := &memSource{}
	src.set("ca", leaf.SerialNumber.Int64(), Status{Status: Good})
	r := New(Options{Source: src, Now: func() time.Time { return now }, Validity: time.Hour})
	if err := r.AddCA("ca", ca.Certificate, ca.Key, nil); err != nil {
		t.Fatal(err)
	}
	return &fixture{src: src, r: r, ca: ca, other: other, leaf: leaf}
}

// request builds a DER OCSPRequest by hand: one CertID per serial for the
// issuer, with hash h, and a nonce extension holding nonce when not nil.
func request(t testing.TB, issuer *x509.Certificate, h crypto.Hash, nonce []byte, serials ...*big.Int) []byte {
	t.Helper()
	bits, err := publicKeyBits(issuer)
	if err != nil {
		t.Fatal(err)
	}
	nh, kh := h.New(), h.New()
	nh.Write(issuer.RawSubject)
	kh.Write(bits)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, s := range serials {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
								b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(hashOIDs[h]) })
								b.AddASN1NULL()
							})
							b.AddASN1OctetString(nh.Sum(nil))
							b.AddASN1OctetString(kh.Sum(nil))
							b.AddASN1BigInt(s)
						})
					})
				}
			})
			if nonce != nil {
				b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(oidNonce) })
							b.AddASN1OctetString(nonce)
						})
					})
				})
			}
		})
	})
	return b.BytesOrPanic()
}

func octets(n []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1OctetString(n)
	return b.BytesOrPanic()
}

func TestRespond(t *testing.T) {
	f := newFixture(t)
	revokedAt := now.Add(-time.Hour)
	f.src.set("ca", 7, Status{Status: Revoked, RevokedAt: revokedAt, Reason: revoke.KeyCompromise})
	f.src.set("ca", 8, Status{Status: Revoked, RevokedAt: revokedAt, Reason: revoke.Unspecified})
	f.src.set("ca", 9, Status{Status: Revoked, RevokedAt: revokedAt, Reason: revoke.CertificateHold})
	invalidAt := now.Add(-48 * time.Hour)
	f.src.set("ca", 10, Status{Status: Revoked, RevokedAt: revokedAt, Reason: revoke.KeyCompromise, InvalidAt: invalidAt})
	good := f.leaf.SerialNumber
	nonce := octets(bytes.Repeat([]byte{0xab}, 16))
	tests := []struct {
		name      string
		der       []byte
		status    ResponseStatus
		want      []int // x/crypto/ocsp statuses, one per certificate
		reason    int
		nonce     []byte
		cacheable bool
		invalidAt time.Time // the invalidityDate single extension wanted
	}{
		{name: "good", der: request(t, f.ca.Certificate, crypto.SHA1, nil, good), want: []int{xocsp.Good}, cacheable: true},
		{name: "good sha256", der: request(t, f.ca.Certificate, crypto.SHA256, nil, good), want: []int{xocsp.Good}, cacheable: true},
		{name: "good sha512", der: request(t, f.ca.Certificate, crypto.SHA512, nil, good), want: []int{xocsp.Good}, cacheable: true},
		{name: "revoked keyCompromise", der: request(t, f.ca.Certificate, crypto.SHA1, nil, big.NewInt(7)), want: []int{xocsp.Revoked}, reason: xocsp.KeyCompromise, cacheable: true},
		{name: "revoked without reason", der: request(t, f.ca.Certificate, crypto.SHA1, nil, big.NewInt(8)), want: []int{xocsp.Revoked}, reason: xocsp.Unspecified, cacheable: true},
		{name: "revoked with invalidity date", der: request(t, f.ca.Certificate, crypto.SHA1, nil, big.NewInt(10)), want: []int{xocsp.Revoked}, reason: xocsp.KeyCompromise, cacheable: true, invalidAt: invalidAt},
		{name: "on hold", der: request(t, f.ca.Certificate, crypto.SHA1, nil, big.NewInt(9)), want: []int{xocsp.Revoked}, reason: xocsp.CertificateHold, cacheable: true},
		{name: "unknown serial", der: request(t, f.ca.Certificate, crypto.SHA1, nil, big.NewInt(12345)), want: []int{xocsp.Unknown}, cacheable: true},
		{name: "negative serial", der: request(t, f.ca.Certificate, crypto.SHA1, nil, big.NewInt(-5)), want: []int{xocsp.Unknown}, cacheable: true},
		{name: "nonce echoed", der: request(t, f.ca.Certificate, crypto.SHA1, nonce, good), want: []int{xocsp.Good}, nonce: nonce},
		{name: "two certificates", der: request(t, f.ca.Certificate, crypto.SHA256, nil, good, big.NewInt(7)), want: []int{xocsp.Good, xocsp.Revoked}, reason: xocsp.KeyCompromise},
		{name: "unknown issuer", der: request(t, f.other.Certificate, crypto.SHA1, nil, good), status: Unauthorized},
		{name: "nonce too long", der: request(t, f.ca.Certificate, crypto.SHA1, octets(make([]byte, 33)), good), status: MalformedRequest},
		{name: "empty nonce", der: request(t, f.ca.Certificate, crypto.SHA1, octets(nil), good), status: MalformedRequest},
		{name: "no certificates", der: request(t, f.ca.Certificate, crypto.SHA1, nil), status: MalformedRequest},
		{name: "not DER", der: []byte("hello"), status: MalformedRequest},
		{name: "empty", der: nil, status: MalformedRequest},
		{name: "trailing bytes", der: append(request(t, f.ca.Certificate, crypto.SHA1, nil, good), 0), status: MalformedRequest},
		{name: "too large", der: make([]byte, MaxRequestSize+1), status: MalformedRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := f.r.Respond(context.Background(), tc.der)
			if resp.Status != tc.status {
				t.Fatalf("status %v, want %v (%v)", resp.Status, tc.status, resp.Err)
			}
			if tc.status != Successful {
				if !bytes.Equal(resp.DER, []byte{0x30, 0x03, 0x0a, 0x01, byte(tc.status)}) {
					t.Fatalf("error response % x", resp.DER)
				}
				_, err := xocsp.ParseResponse(resp.DER, nil)
				var re xocsp.ResponseError
				if !errors.As(err, &re) || int(re.Status) != int(tc.status) {
					t.Fatalf("x/crypto/ocsp reads %v", err)
				}
				return
			}
			if resp.Cacheable != tc.cacheable {
				t.Errorf("cacheable %v, want %v", resp.Cacheable, tc.cacheable)
			}
			checkResponse(t, resp.DER, f.ca.Certificate, nil, tc.want, tc.reason)
			if len(tc.want) == 1 {
				checkInvalidity(t, resp.DER, f.ca.Certificate, tc.invalidAt)
			}
			if got := nonceOf(t, resp.DER); !bytes.Equal(got, tc.nonce) {
				t.Errorf("nonce % x, want % x", got, tc.nonce)
			}
			if !resp.ThisUpdate.Equal(now) || !resp.NextUpdate.Equal(now.Add(time.Hour)) {
				t.Errorf("thisUpdate %v nextUpdate %v", resp.ThisUpdate, resp.NextUpdate)
			}
		})
	}
}

// checkResponse reads der with x/crypto/ocsp (one response at a time)
// and checks the signature (by issuer, or the embedded delegated
// certificate), the statuses, the revocation reason of revoked ones, and
// the revocation time.
func checkResponse(t *testing.T, der []byte, issuer *x509.Certificate, delegated *x509.Certificate, want []int, reason int) {
	t.Helper()
	var parsed *xocsp.Response
	for i, w := range want {
		// ParseResponseForCert finds the response by serial; serials are
		// distinct here.
		serial := serialAt(t, der, i)
		r, err := xocsp.ParseResponseForCert(der, &x509.Certificate{SerialNumber: serial}, issuer)
		if err != nil {
			t.Fatalf("x/crypto/ocsp: %v", err)
		}
		if r.Status != w {
			t.Errorf("certificate %d: status %d, want %d", i, r.Status, w)
		}
		if w == xocsp.Revoked {
			if r.RevocationReason != reason || !r.RevokedAt.Equal(now.Add(-time.Hour)) {
				t.Errorf("revoked at %v for %d, want %v for %d", r.RevokedAt, r.RevocationReason, now.Add(-time.Hour), reason)
			}
		}
		parsed = r
	}
	if delegated != nil && (parsed.Certificate == nil || !parsed.Certificate.Equal(delegated)) {
		t.Errorf("the response does not carry the delegated signer")
	}
	if delegated == nil && parsed.Certificate != nil {
		t.Errorf("a response signed by the CA carries a certificate")
	}
}

// checkInvalidity reads the single extensions of a one-certificate
// response with x/crypto/ocsp: an invalidityDate of want, or none when
// want is zero.
func checkInvalidity(t *testing.T, der []byte, issuer *x509.Certificate, want time.Time) {
	t.Helper()
	r, err := xocsp.ParseResponse(der, issuer)
	if err != nil {
		t.Fatalf("x/crypto/ocsp: %v", err)
	}
	var got time.Time
	for _, e := range r.Extensions {
		if !e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 24}) {
			t.Errorf("single extension %v", e.Id)
			continue
		}
		if rest, err := asn1.UnmarshalWithParams(e.Value, &got, "generalized"); err != nil || len(rest) > 0 {
			t.Errorf("invalidityDate % x: %v", e.Value, err)
		}
	}
	if !got.Equal(want) {
		t.Errorf("invalidityDate %v, want %v", got, want)
	}
}

// serialAt digs out the serial of the i-th SingleResponse.
func serialAt(t *testing.T, der []byte, i int) *big.Int {
	t.Helper()
	basic := basicOf(t, der)
	var tbs, responses cryptobyte.String
	basic.ReadASN1(&tbs, cbasn1.SEQUENCE)
	tbs.SkipASN1(cbasn1.Tag(2).Constructed().ContextSpecific())
	tbs.SkipASN1(cbasn1.GeneralizedTime)
	tbs.ReadASN1(&responses, cbasn1.SEQUENCE)
	var one, id cryptobyte.String
	for range i + 1 {
		responses.ReadASN1(&one, cbasn1.SEQUENCE)
	}
	one.ReadASN1(&id, cbasn1.SEQUENCE)
	id.SkipASN1(cbasn1.SEQUENCE)
	id.SkipASN1(cbasn1.OCTET_STRING)
	id.SkipASN1(cbasn1.OCTET_STRING)
	n := new(big.Int)
	if !id.ReadASN1Integer(n) {
		t.Fatal("no serial in the response")
	}
	return n
}

func basicOf(t *testing.T, der []byte) cryptobyte.String {
	t.Helper()
	in := cryptobyte.String(der)
	var resp, rb, seq, octs, basic cryptobyte.String
	var status int
	if !in.ReadASN1(&resp, cbasn1.SEQUENCE) || !resp.ReadASN1Enum(&status) ||
		!resp.ReadASN1(&rb, cbasn1.Tag(0).Constructed().ContextSpecific()) || !rb.ReadASN1(&seq, cbasn1.SEQUENCE) ||
		!seq.SkipASN1(cbasn1.OBJECT_IDENTIFIER) || !seq.ReadASN1(&octs, cbasn1.OCTET_STRING) || !octs.ReadASN1(&basic, cbasn1.SEQUENCE) {
		t.Fatal("not a successful basic response")
	}
	return basic
}

// nonceOf returns the nonce extension value of a response, or nil.
func nonceOf(t *testing.T, der []byte) []byte {
	basic := basicOf(t, der)
	var tbs cryptobyte.String
	basic.ReadASN1(&tbs, cbasn1.SEQUENCE)
	tbs.SkipASN1(cbasn1.Tag(2).Constructed().ContextSpecific())
	tbs.SkipASN1(cbasn1.GeneralizedTime)
	tbs.SkipASN1(cbasn1.SEQUENCE)
	if tbs.Empty() {
		return nil
	}
	var nonce []byte
	var wrap cryptobyte.String
	tbs.ReadASN1(&wrap, cbasn1.Tag(1).Constructed().ContextSpecific())
	if err := readExtensions(wrap, func(oid []byte, _ bool, v []byte) error {
		if bytes.Equal(oid, oidNonce) {
			nonce = v
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return nonce
}

func TestDelegatedSigner(t *testing.T) {
	f := newFixture(t)
	for _, kind := range []string{"ecdsa", "rsa"} {
		t.Run(kind, func(t *testing.T) {
			var key crypto.Signer
			var err error
			if kind == "rsa" {
				key, err = rsa.GenerateKey(rand.Reader, 2048)
			} else {
				key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			}
			if err != nil {
				t.Fatal(err)
			}
			tmpl := &x509.Certificate{SerialNumber: big.NewInt(99), Subject: pkix.Name{CommonName: "OCSP signer"},
				NotBefore: now.Add(-time.Hour), NotAfter: now.Add(30 * time.Minute), KeyUsage: x509.KeyUsageDigitalSignature,
				ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
				ExtraExtensions: []pkix.Extension{{Id: OIDNoCheck, Value: []byte{5, 0}}}}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, f.ca.Certificate, key.Public(), f.ca.Key)
			if err != nil {
				t.Fatal(err)
			}
			cert, _ := x509.ParseCertificate(der)
			before := f.r.Respond(context.Background(), request(t, f.ca.Certificate, crypto.SHA1, nil, f.leaf.SerialNumber))
			if err := f.r.AddCA("ca", f.ca.Certificate, key, cert); err != nil {
				t.Fatal(err)
			}
			resp := f.r.Respond(context.Background(), request(t, f.ca.Certificate, crypto.SHA1, nil, f.leaf.SerialNumber))
			if bytes.Equal(before.DER, resp.DER) {
				t.Fatal("a response signed by the previous signer was served after the signer changed")
			}
			checkResponse(t, resp.DER, f.ca.Certificate, cert, []int{xocsp.Good}, 0)
			// The signer's certificate ends in 30 minutes: so does the response.
			if !resp.NextUpdate.Equal(cert.NotAfter) {
				t.Errorf("nextUpdate %v outlives the signer (%v)", resp.NextUpdate, cert.NotAfter)
			}
		})
	}
	// A signer the CA did not issue is refused.
	if err := f.r.AddCA("ca", f.ca.Certificate, f.other.Key, f.other.Certificate); err == nil {
		t.Error("a delegated signer from another CA was taken")
	}
	// A key that is not the certificate's is refused.
	if err := f.r.AddCA("x", f.other.Certificate, f.ca.Key, nil); err == nil {
		t.Error("a key that does not match its certificate was taken")
	}
}

// TestCacheFollowsVersion: a response is reused while the version stands
// and the status is read again when it moves; a revocation shows at once.
func TestCacheFollowsVersion(t *testing.T) {
	f := newFixture(t)
	req := request(t, f.ca.Certificate, crypto.SHA1, nil, f.leaf.SerialNumber)
	first := f.r.Respond(context.Background(), req)
	reads := f.src.reads
	again := f.r.Respond(context.Background(), req)
	if !bytes.Equal(first.DER, again.DER) || f.src.reads != reads {
		t.Fatalf("unchanged store: response signed again or status read again (%d reads)", f.src.reads-reads)
	}
	// Another certificate changes: the version moves, the status is read
	// again, and the same signed response is served.
	f.src.set("ca", 4242, Status{Status: Good})
	third := f.r.Respond(context.Background(), req)
	if !bytes.Equal(first.DER, third.DER) || f.src.reads != reads+1 {
		t.Fatalf("after an unrelated change: same response %v, reads %d", bytes.Equal(first.DER, third.DER), f.src.reads-reads)
	}
	// The certificate is revoked: the next answer says so.
	f.src.set("ca", f.leaf.SerialNumber.Int64(), Status{Status: Revoked, RevokedAt: now.Add(-time.Hour), Reason: revoke.Superseded})
	checkResponse(t, f.r.Respond(context.Background(), req).DER, f.ca.Certificate, nil, []int{xocsp.Revoked}, xocsp.Superseded)
	// A source failure is internalError, never a stale answer.
	f.src.set("ca", 1, Status{})
	f.src.fail = errors.New("disk on fire")
	if resp := f.r.Respond(context.Background(), req); resp.Status != InternalError {
		t.Fatalf("source failure answered %v", resp.Status)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if resp := f.r.Respond(ctx, req); resp.Status != TryLater {
		t.Fatalf("cancelled request answered %v", resp.Status)
	}
}

// batchSource is a memSource that reads statuses in batches too.
type batchSource struct {
	*memSource
	batches int
}

func (b *batchSource) Statuses(ctx context.Context, issuer string, serials []*big.Int) ([]Status, error) {
	b.batches++
	out := make([]Status, len(serials))
	for i, s := range serials {
		st, err := b.Status(ctx, issuer, s)
		if err != nil {
			return nil, err
		}
		out[i] = st
	}
	b.mu.Lock()
	b.reads -= len(serials) // counted as batches, not single reads
	b.mu.Unlock()
	return out, nil
}

// TestCacheBatch: with a StatusBatcher, a change of version reads every
// cached certificate again in one batch; unchanged ones keep their
// signed response, a revoked one is answered revoked.
func TestCacheBatch(t *testing.T) {
	f := newFixture(t)
	src := &batchSource{memSource: f.src}
	r := New(Options{Source: src, Now: func() time.Time { return now }, Validity: time.Hour})
	if err := r.AddCA("ca", f.ca.Certificate, f.ca.Key, nil); err != nil {
		t.Fatal(err)
	}
	for s := int64(20); s < 25; s++ {
		f.src.set("ca", s, Status{Status: Good})
	}
	reqs := map[int64][]byte{}
	first := map[int64][]byte{}
	for s := int64(20); s < 25; s++ {
		reqs[s] = request(t, f.ca.Certificate, crypto.SHA1, nil, big.NewInt(s))
		first[s] = r.Respond(context.Background(), reqs[s]).DER
	}
	reads := f.src.reads
	f.src.set("ca", 22, Status{Status: Revoked, RevokedAt: now.Add(-time.Hour), Reason: revoke.KeyCompromise})
	for s := int64(20); s < 25; s++ {
		resp := r.Respond(context.Background(), reqs[s])
		if s == 22 {
			checkResponse(t, resp.DER, f.ca.Certificate, nil, []int{xocsp.Revoked}, xocsp.KeyCompromise)
		} else if !bytes.Equal(resp.DER, first[s]) {
			t.Errorf("serial %d: signed again though its status did not change", s)
		}
	}
	if src.batches != 1 || f.src.reads != reads {
		t.Errorf("after one change: %d batches and %d single reads, want 1 and 0", src.batches, f.src.reads-reads)
	}
}

func TestHandler(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.r.Handler("/ocsp"))
	defer srv.Close()
	req := request(t, f.ca.Certificate, crypto.SHA1, nil, f.leaf.SerialNumber)
	b64 := base64.StdEncoding.EncodeToString(req)
	get := func(path string, hdr ...string) (*http.Response, []byte) {
		t.Helper()
		r, _ := http.NewRequest("GET", srv.URL+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		return resp, buf.Bytes()
	}
	for _, path := range []string{
		"/ocsp/" + b64,
		"/ocsp/" + url.PathEscape(b64),
		"/ocsp/" + strings.ReplaceAll(strings.ReplaceAll(url.QueryEscape(b64), "%2F", "/"), "%2B", "+"),
		"/ocsp/" + base64.RawURLEncoding.EncodeToString(req),
	} {
		resp, body := get(path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/ocsp-response" {
			t.Fatalf("GET %s: %s %s", path, resp.Status, resp.Header.Get("Content-Type"))
		}
		checkResponse(t, body, f.ca.Certificate, nil, []int{xocsp.Good}, 0)
		for _, h := range []string{"Last-Modified", "Expires", "ETag"} {
			if resp.Header.Get(h) == "" {
				t.Errorf("GET: no %s header", h)
			}
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "max-age=3600,") {
			t.Errorf("Cache-Control %q", cc)
		}
	}
	resp, _ := get("/ocsp/"+b64, "If-None-Match", `"x", `+f.r.Respond(context.Background(), req).ETag)
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %s", resp.Status)
	}
	resp, body := get("/ocsp/not-base64!")
	if resp.StatusCode != 200 || !bytes.Equal(body, errorResponse(MalformedRequest)) {
		t.Errorf("bad GET: %s % x", resp.Status, body)
	}
	post := func(body []byte) (*http.Response, []byte) {
		t.Helper()
		resp, err := http.Post(srv.URL+"/ocsp", "application/ocsp-request", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		return resp, buf.Bytes()
	}
	resp, body = post(request(t, f.ca.Certificate, crypto.SHA1, octets([]byte{1, 2, 3}), f.leaf.SerialNumber))
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("a nonce response may be cached: %q", resp.Header.Get("Cache-Control"))
	}
	checkResponse(t, body, f.ca.Certificate, nil, []int{xocsp.Good}, 0)
	resp, _ = post(make([]byte, MaxRequestSize+1))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized POST: %s", resp.Status)
	}
	resp, body = post([]byte{0x30, 0x80})
	if !bytes.Equal(body, errorResponse(MalformedRequest)) {
		t.Errorf("malformed POST: %s % x", resp.Status, body)
	}
	r, _ := http.NewRequest("PUT", srv.URL+"/ocsp", nil)
	if resp, err := http.DefaultClient.Do(r); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("PUT: %v %v", resp.Status, err)
	}
}

// FuzzParseRequest: any input parses or fails with a *RequestError, and
// the responder answers every input without panicking.
func FuzzParseRequest(f *testing.F) {
	fx := newFixture(f)
	f.Add(request(f, fx.ca.Certificate, crypto.SHA1, nil, fx.leaf.SerialNumber))
	f.Add(request(f, fx.ca.Certificate, crypto.SHA256, octets([]byte("nonce")), fx.leaf.SerialNumber, big.NewInt(3)))
	f.Add([]byte{0x30, 0x03, 0x30, 0x01, 0x30})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, der []byte) {
		req, err := ParseRequest(der)
		var re *RequestError
		if err != nil && !errors.As(err, &re) {
			t.Fatalf("untyped error %T: %v", err, err)
		}
		if err == nil && (len(req.Certs) == 0 || len(req.Certs) > MaxCertsPerRequest) {
			t.Fatalf("%d certificates", len(req.Certs))
		}
		resp := fx.r.Respond(context.Background(), der)
		if (err != nil) != (resp.Status == MalformedRequest) {
			t.Fatalf("parse error %v, response %v", err, resp.Status)
		}
	})
}

// BenchmarkRespondCached is the hot path of an unchanged store: a cached
// response for a request without a nonce.
func BenchmarkRespondCached(b *testing.B) {
	f := newFixture(b)
	req := request(b, f.ca.Certificate, crypto.SHA1, nil, f.leaf.SerialNumber)
	b.ReportAllocs()
	for b.Loop() {
		if f.r.Respond(context.Background(), req).Status != Successful {
			b.Fatal("failed")
		}
	}
}

// BenchmarkRespondSigned signs every response (a nonce in each request).
func BenchmarkRespondSigned(b *testing.B) {
	f := newFixture(b)
	req := request(b, f.ca.Certificate, crypto.SHA1, octets([]byte("0123456789abcdef")), f.leaf.SerialNumber)
	b.ReportAllocs()
	for b.Loop() {
		if f.r.Respond(context.Background(), req).Status != Successful {
			b.Fatal("failed")
		}
	}
}

// BenchmarkXCryptoCreateResponse is golang.org/x/crypto/ocsp signing the
// same response, for comparison with BenchmarkRespondSigned.
func BenchmarkXCryptoCreateResponse(b *testing.B) {
	f := newFixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := xocsp.CreateResponse(f.ca.Certificate, f.ca.Certificate, xocsp.Response{Status: xocsp.Good,
			SerialNumber: f.leaf.SerialNumber, ThisUpdate: now, NextUpdate: now.Add(time.Hour)}, f.ca.Key); err != nil {
			b.Fatal(err)
		}
	}
}
