package ocsp

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Source tells the responder the status of certificates: pkit's is the CA
// directory's store (ca.OCSPSource).
type Source interface {
	// Status returns the status of the certificate with this serial
	// issued by the CA the responder knows as issuer. A serial the source
	// never saw for that CA is [Unknown], not an error.
	Status(ctx context.Context, issuer string, serial *big.Int) (Status, error)
	// Version returns a number that changes whenever a status may have
	// changed (a change counter of the store). The responder reuses a
	// response it signed only while the version is the same, or after
	// asking Status again; a source that cannot tell returns a new number
	// every time.
	Version(ctx context.Context) (uint64, error)
}

// StatusBatcher is a [Source] that also reads the statuses of many
// certificates at once. When the source's version moves, the responder
// then reads again, in one go, every certificate it holds a signed
// response for, instead of one lookup per certificate as each is asked
// about. Statuses returns one status per serial, in order, or
// errors.ErrUnsupported when the source cannot (the responder then reads
// one at a time).
type StatusBatcher interface {
	Statuses(ctx context.Context, issuer string, serials []*big.Int) ([]Status, error)
}

// DefaultValidity is the time from thisUpdate to nextUpdate of a response
// when [Options.Validity] is zero.
const DefaultValidity = time.Hour

// maxCached is how many signed responses the responder keeps at most
// (about 1 KB each); past it the cache starts again empty.
const maxCached = 16384

// Options configures a [Responder].
type Options struct {
	Source Source
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Validity is nextUpdate - thisUpdate of each response (RFC 5019
	// clients cache a response until its nextUpdate); 0 means
	// [DefaultValidity].
	Validity time.Duration
}

// Responder answers OCSP requests for a set of CAs (RFC 6960, with the
// RFC 5019 profile's caching): it finds the CA by the request's issuer
// hashes, asks the [Source] for the status, and signs the response with
// the CA's key or its delegated OCSP signer.
//
// A response without a nonce is kept and served again while the source's
// [Source.Version] has not changed, and until a quarter of its validity
// has passed; after a change it is served again only if the source still
// gives the same status. So a revocation is answered as revoked from the
// moment the source has it, and the common case (nothing changed) costs
// no signature and no lookup.
type Responder struct {
	source   Source
	now      func() time.Time
	validity time.Duration

	issuers []*issuer

	mu    sync.RWMutex
	cache map[string]*cached

	batcher StatusBatcher // the source's, or nil
	batchMu sync.Mutex    // one reading again at a time
	batched uint64        // the version the cache was last read again at
	noBatch atomic.Bool   // the batcher said it cannot
}

// issuer is one CA the responder answers for.
type issuer struct {
	name   string
	cert   *x509.Certificate
	hashes map[crypto.Hash][2][]byte // name hash, key hash
	signer atomic.Pointer[signer]
}

// cached is a signed response and what it was made from. resp is nil
// when the status read again differs from the one it was signed with.
type cached struct {
	version uint64
	status  Status
	signer  *signer
	resp    *Response
	issuer  *issuer
	serial  *big.Int
}

// Response is the outcome of one request: the DER OCSPResponse and what
// the HTTP layer needs for its headers.
type Response struct {
	DER    []byte
	Status ResponseStatus
	// For a successful response: the times in it, its ETag (a hash of
	// DER), and whether HTTP caches may keep it (no nonce, one
	// certificate: the RFC 5019 profile).
	ProducedAt, ThisUpdate, NextUpdate time.Time
	ETag                               string
	Cacheable                          bool
	// Certs is what was answered, for access logs: the status of each
	// certificate asked about.
	Certs []CertStatus
	// Err says why an unsuccessful response was given.
	Err error

	headers []string // Last-Modified, Expires and ETag, formatted once
}

// New returns a responder answering from o.Source; it answers for no CA
// until [Responder.AddCA].
func New(o Options) *Responder {
	r := &Responder{source: o.Source, now: o.Now, validity: o.Validity, cache: map[string]*cached{}}
	if r.now == nil {
		r.now = time.Now
	}
	if r.validity <= 0 {
		r.validity = DefaultValidity
	}
	r.batcher, _ = o.Source.(StatusBatcher)
	return r
}

// AddCA makes the responder answer for the CA whose certificate is cert,
// which the source knows as name, signing with key: the CA's own key
// (delegated nil) or the key of a delegated OCSP signing certificate the
// CA issued (RFC 6960 section 4.2.2.2), which then goes into every
// response. Called again for the same name, it replaces the signer (a
// renewed delegated certificate); responses signed before are not served
// again.
func (r *Responder) AddCA(name string, cert *x509.Certificate, key crypto.Signer, delegated *x509.Certificate) error {
	signerCert := cert
	if delegated != nil {
		signerCert = delegated
		if !bytes.Equal(delegated.RawIssuer, cert.RawSubject) || delegated.CheckSignatureFrom(cert) != nil {
			return fmt.Errorf("ocsp: the delegated signer of CA %q was not issued by it", name)
		}
	}
	s, err := newSigner(key, signerCert, delegated != nil)
	if err != nil {
		return fmt.Errorf("CA %q: %w", name, err)
	}
	for _, is := range r.issuers {
		if is.name == name {
			is.signer.Store(s)
			return nil
		}
	}
	bits, err := publicKeyBits(cert)
	if err != nil {
		return err
	}
	is := &issuer{name: name, cert: cert, hashes: map[crypto.Hash][2][]byte{}}
	for h := range hashOIDs {
		nh, kh := h.New(), h.New()
		nh.Write(cert.RawSubject)
		kh.Write(bits)
		is.hashes[h] = [2][]byte{nh.Sum(nil), kh.Sum(nil)}
	}
	is.signer.Store(s)
	r.issuers = append(r.issuers, is)
	return nil
}

// Issuer returns the name of the CA a CertID names, or "" when the
// responder does not answer for it.
func (r *Responder) Issuer(id CertID) string {
	if is := r.issuerOf(id); is != nil {
		return is.name
	}
	return ""
}

func (r *Responder) issuerOf(id CertID) *issuer {
	for _, is := range r.issuers {
		h := is.hashes[id.Hash]
		if bytes.Equal(h[0], id.NameHash) && bytes.Equal(h[1], id.KeyHash) {
			return is
		}
	}
	return nil
}

// ErrUnknownIssuer is the Err of an unauthorized response: the request
// names a CA the responder does not answer for.
var ErrUnknownIssuer = errors.New("the request names an issuer this responder does not answer for")

// Respond answers one DER OCSPRequest. It always returns a response:
// malformedRequest for a request that does not parse, unauthorized for
// an issuer it does not answer for (or certificates of more than one CA
// in one request), internalError when the source or the signature fails,
// tryLater when ctx ends first.
func (r *Responder) Respond(ctx context.Context, der []byte) *Response {
	req, err := ParseRequest(der)
	if err != nil {
		return failed(MalformedRequest, err)
	}
	return r.RespondTo(ctx, req)
}

func failed(s ResponseStatus, err error) *Response {
	return &Response{DER: errorResponse(s), Status: s, Err: err}
}

// ErrUnavailable marks an error of a [Source] that cannot answer for now
// (its database is briefly away): the response is tryLater, not
// internalError, so that clients ask again (RFC 6960 section 2.3).
var ErrUnavailable = errors.New("cannot answer for now")

// failure turns an error of the source or of signing into a response.
func failure(ctx context.Context, err error) *Response {
	if ctx.Err() != nil || errors.Is(err, ErrUnavailable) {
		return failed(TryLater, err)
	}
	return failed(InternalError, err)
}

// RespondTo answers a parsed request; see [Responder.Respond].
func (r *Responder) RespondTo(ctx context.Context, req *Request) *Response {
	is := r.issuerOf(req.Certs[0])
	if is == nil {
		return failed(Unauthorized, ErrUnknownIssuer)
	}
	for _, id := range req.Certs[1:] {
		if r.issuerOf(id) != is {
			return failed(Unauthorized, errors.New("the request asks about certificates of more than one CA"))
		}
	}
	s := is.signer.Load()
	now := r.now()
	if len(req.Certs) == 1 && req.Nonce == nil {
		return r.respondCached(ctx, is, s, req.Certs[0], now)
	}
	answers := make([]single, len(req.Certs))
	for i, id := range req.Certs {
		st, err := r.source.Status(ctx, is.name, id.Serial)
		if err != nil {
			return failure(ctx, err)
		}
		answers[i] = single{id: id, status: st}
	}
	resp, err := r.sign(s, now, answers, req.Nonce, false)
	if err != nil {
		return failure(ctx, err)
	}
	return resp
}

// respondCached answers a single-certificate request without a nonce,
// from the cache when the store has not changed since (see [Responder]).
func (r *Responder) respondCached(ctx context.Context, is *issuer, s *signer, id CertID, now time.Time) *Response {
	version, err := r.source.Version(ctx)
	if err != nil {
		return failure(ctx, err)
	}
	key := string(id.Raw)
	c := r.lookup(key)
	if c != nil && c.version != version && r.batcher != nil && !r.noBatch.Load() {
		// The store changed: read every cached certificate again at once.
		if err := r.revalidate(ctx, version); errors.Is(err, errors.ErrUnsupported) {
			r.noBatch.Store(true)
		} else if err != nil {
			return failure(ctx, err)
		}
		c = r.lookup(key)
	}
	// A response is served again for a quarter of its own validity (the
	// signer's expiry may have cut it short), never after.
	fresh := c != nil && c.resp != nil && c.signer == s && !now.Before(c.resp.ThisUpdate) &&
		now.Sub(c.resp.ThisUpdate) < c.resp.NextUpdate.Sub(c.resp.ThisUpdate)/4
	if fresh && c.version == version {
		return c.resp
	}
	var st Status
	if c != nil && c.version == version {
		st = c.status // read again at this version, by revalidate
	} else if st, err = r.source.Status(ctx, is.name, id.Serial); err != nil {
		return failure(ctx, err)
	}
	var resp *Response
	if fresh && c.status.same(st) {
		resp = c.resp
	} else if resp, err = r.sign(s, now, []single{{id: id, status: st}}, nil, true); err != nil {
		return failure(ctx, err)
	}
	r.mu.Lock()
	if len(r.cache) >= maxCached {
		clear(r.cache)
	}
	// Tagged with the version read before the status: if the store
	// changed in between, the next request sees another version and
	// asks again.
	r.cache[key] = &cached{version: version, status: st, signer: s, resp: resp, issuer: is, serial: id.Serial}
	r.mu.Unlock()
	return resp
}

func (r *Responder) lookup(key string) *cached {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.cache[key]
}

// revalidate reads again, in one batch per CA, the status of every
// cached response not read at version (read before calling), and tags
// them with it: a response whose status is unchanged is kept, the others
// are dropped to be signed again when asked for.
func (r *Responder) revalidate(ctx context.Context, version uint64) error {
	r.batchMu.Lock()
	defer r.batchMu.Unlock()
	if r.batched == version {
		return nil
	}
	byIssuer := map[*issuer][]string{}
	r.mu.RLock()
	for key, c := range r.cache {
		if c.version != version {
			byIssuer[c.issuer] = append(byIssuer[c.issuer], key)
		}
	}
	r.mu.RUnlock()
	for is, keys := range byIssuer {
		olds := make([]*cached, 0, len(keys))
		serials := make([]*big.Int, 0, len(keys))
		r.mu.RLock()
		for _, k := range keys {
			if c := r.cache[k]; c != nil {
				olds = append(olds, c)
				serials = append(serials, c.serial)
			} else {
				olds = append(olds, nil)
				serials = append(serials, big.NewInt(0))
			}
		}
		r.mu.RUnlock()
		sts, err := r.batcher.Statuses(ctx, is.name, serials)
		if err != nil {
			return err
		}
		if len(sts) != len(serials) {
			return fmt.Errorf("ocsp: the source gave %d statuses for %d serials", len(sts), len(serials))
		}
		r.mu.Lock()
		for i, k := range keys {
			c := olds[i]
			if c == nil || r.cache[k] != c { // replaced meanwhile, by a newer read
				continue
			}
			n := *c
			n.version = version
			if !c.status.same(sts[i]) {
				n.status, n.resp = sts[i], nil
			}
			r.cache[k] = &n
		}
		r.mu.Unlock()
	}
	r.batched = version
	return nil
}

// sign makes a successful response for answers, produced now; cacheable
// marks it as one HTTP caches may keep.
func (r *Responder) sign(s *signer, now time.Time, answers []single, nonce []byte, cacheable bool) (*Response, error) {
	now = now.UTC().Truncate(time.Second)
	next := now.Add(r.validity)
	if next.After(s.notAfter) {
		next = s.notAfter // a response must not outlive its signer's certificate
	}
	if !next.After(now) {
		return nil, errors.New("ocsp: the signing certificate has expired")
	}
	der, err := s.sign(now, now, next, answers, nonce)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(der)
	resp := &Response{DER: der, Status: Successful, ProducedAt: now, ThisUpdate: now, NextUpdate: next, Cacheable: cacheable,
		ETag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`}
	for _, a := range answers {
		resp.Certs = append(resp.Certs, a.status.Status)
	}
	resp.headers = []string{now.Format(http.TimeFormat), next.Format(http.TimeFormat), resp.ETag}
	return resp, nil
}
