// Command ocspload is the load of bench/ocsp.sh: it sends OCSP requests
// (RFC 5019 style: POST, SHA-1 CertID, no nonce) from concurrent clients
// with keep-alive to a responder and checks every answer.
//
//	ocspload setup -dir D -certs 1000     a pkit CA directory (D/pki) with
//	    that many client certificates, and D/openssl/index.txt describing
//	    the same certificates for "openssl ocsp -index"
//	ocspload load -dir D -url URL -n 20000 -c 32 [-revoke PKIT]
//	    sends n requests from c clients to URL. With -revoke, it runs
//	    "PKIT revoke SERIAL --dir D/pki" in a loop meanwhile, one
//	    certificate after another, noting when each started and returned,
//	    and counts as wrong any answer that is not revoked for a request
//	    sent after its revocation returned, revoked for one answered before
//	    it started, or revoked with another time or reason. With -store,
//	    the revocations the pkit store holds already count as known.
//
//	ocspload ceiling -dir D -url URL -n 20000 -c 32
//	    the same load against the cheapest responder this machine can
//	    run (one thread, epoll, one read and one write per request, the
//	    same prepared answer every time: the one URL gave for the first
//	    certificate), in this process: the most requests per second any
//	    responder can show here under this generator (Linux only).
//
// Every certificate is first asked about once, untimed (a warm-up).
// Every distinct response is parsed and its signature checked against
// the CA (golang.org/x/crypto/ocsp); identical bytes are checked once.
// On Linux the c clients are c connections driven from one thread with
// epoll (loop_linux.go), each with one request at a time, as wrk drives
// its connections; elsewhere one goroutine per client. Either way every
// responder gets the same load from the same code.
package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkit/pkit/ca"
	"golang.org/x/crypto/ocsp"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ocspload setup|load|ceiling [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "setup":
		err = setup(os.Args[2:])
	case "load":
		err = load(os.Args[2:])
	case "ceiling":
		err = ceiling(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ocspload:", err)
		os.Exit(1)
	}
}

func setup(args []string) error {
	fs := flag.NewFlagSet("setup", flag.ExitOnError)
	dir := fs.String("dir", "", "work folder")
	n := fs.Int("certs", 1000, "client certificates to issue")
	fs.Parse(args)
	ctx := context.Background()
	pki := filepath.Join(*dir, "pki")
	if err := ca.Init(pki, ca.InitOptions{Name: "OCSP Bench", Protection: ca.Protection{None: true}}); err != nil {
		return err
	}
	a, err := ca.Open(pki, ca.OpenOptions{})
	if err != nil {
		return err
	}
	defer a.Close()
	ossl := filepath.Join(*dir, "openssl")
	if err := os.MkdirAll(ossl, 0o755); err != nil {
		return err
	}
	var idx, serials bytes.Buffer
	for i := range *n {
		is, err := a.Issue(ctx, &ca.Request{Profile: "client", Name: fmt.Sprintf("client-%d", i)})
		if err != nil {
			return err
		}
		c := is.Cert
		fmt.Fprintf(&idx, "V\t%s\t\t%s\tunknown\t/CN=%s\n", c.NotAfter.UTC().Format("060102150405Z"),
			strings.ToUpper(ca.SerialHex(c.SerialNumber)), c.Subject.CommonName)
		fmt.Fprintln(&serials, ca.SerialHex(c.SerialNumber))
	}
	if err := os.WriteFile(filepath.Join(ossl, "index.txt"), idx.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(ossl, "index.txt.attr"), []byte("unique_subject = no\n"), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(*dir, "serials"), serials.Bytes(), 0o644)
}

// revocation is one pkit revoke run of the loop.
type revocation struct {
	started, returned time.Time
}

type result struct {
	ok, errors, wrong, good, revoked, unknown atomic.Int64
	mu                                        sync.Mutex
	examples                                  []string
}

func (r *result) bad(counter *atomic.Int64, format string, args ...any) {
	counter.Add(1)
	r.mu.Lock()
	if len(r.examples) < 5 {
		r.examples = append(r.examples, fmt.Sprintf(format, args...))
	}
	r.mu.Unlock()
}

func load(args []string) error {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	dir, url, n, c := loadFlags(fs, "the responder's URL")
	pkit := fs.String("revoke", "", "run PKIT revoke in a loop meanwhile")
	store := fs.Bool("store", false, "the responder answers from the pkit store in -dir: take the revocations it holds already as known")
	name := fs.String("name", "responder", "name to print")
	limit := fs.Duration("timeout", 10*time.Minute, "give up after this long")
	fs.Parse(args)

	certs, issuer, u, raw, err := prepare(*dir, *url)
	if err != nil {
		return err
	}
	// Warm up, untimed: every certificate asked about once, so that
	// neither responder is measured filling caches or growing its heap.
	if err := warmUp(u.Host, raw, *c); err != nil {
		return fmt.Errorf("warming up: %w", err)
	}

	// The revoke loop: certificates from the end of the list, one by one.
	var (
		revMu   sync.Mutex
		revs    = map[string]*revocation{}
		stopRev = make(chan struct{})
		revDone = make(chan int)
	)
	if *store {
		a, err := ca.Open(filepath.Join(*dir, "pki"), ca.OpenOptions{})
		if err != nil {
			return err
		}
		recs, err := a.Store.List(context.Background(), ca.Filter{Revoked: true})
		a.Close()
		if err != nil {
			return err
		}
		for _, r := range recs {
			revs[ca.SerialHex(r.Serial)] = &revocation{started: r.RevokedAt, returned: r.RevokedAt.Add(time.Second)}
		}
	}
	if *pkit != "" {
		go func() {
			count := 0
			defer func() { revDone <- count }()
			for i := len(certs) - 1; i >= 0; i-- {
				select {
				case <-stopRev:
					return
				default:
				}
				s := ca.SerialHex(certs[i].SerialNumber)
				revMu.Lock()
				known := revs[s] != nil
				revMu.Unlock()
				if known {
					continue
				}
				r := &revocation{started: time.Now()}
				revMu.Lock()
				revs[s] = r
				revMu.Unlock()
				out, err := exec.Command(*pkit, "revoke", s, "--dir", filepath.Join(*dir, "pki"), "--reason", "keyCompromise").CombinedOutput()
				if err != nil {
					fmt.Fprintf(os.Stderr, "pkit revoke: %v\n%s", err, out)
					return
				}
				revMu.Lock()
				r.returned = time.Now()
				revMu.Unlock()
				count++
			}
		}()
	}

	var (
		res    result
		next   atomic.Int64
		seenMu sync.Mutex
		seen   = map[string]*ocsp.Response{}
		wg     sync.WaitGroup
	)
	start := time.Now()
	time.AfterFunc(*limit, func() {
		fmt.Fprintf(os.Stderr, "ocspload: %s: %d of %d requests answered after %v; giving up\n", *name, res.ok.Load(), *n, *limit)
		os.Exit(1)
	})
	// check counts one answer: request i, for certificate k.
	check := func(i, k int, sent, answered time.Time, code int, body []byte, err error) {
		if err != nil || code != 200 {
			res.bad(&res.errors, "request %d: HTTP %d %v", i, code, err)
			return
		}
		seenMu.Lock()
		r, ok := seen[string(body)]
		seenMu.Unlock()
		if !ok {
			r, err = ocsp.ParseResponseForCert(body, certs[k], issuer)
			if err != nil {
				res.bad(&res.errors, "request %d: %v", i, err)
				return
			}
			seenMu.Lock()
			if len(seen) > 100000 {
				clear(seen)
			}
			seen[string(body)] = r
			seenMu.Unlock()
		}
		if r.SerialNumber.Cmp(certs[k].SerialNumber) != 0 {
			res.bad(&res.wrong, "request %d: answer for serial %x", i, r.SerialNumber)
			return
		}
		s := ca.SerialHex(certs[k].SerialNumber)
		revMu.Lock()
		rv := revs[s]
		var rvc revocation
		if rv != nil {
			rvc = *rv
		}
		revMu.Unlock()
		switch r.Status {
		case ocsp.Good:
			res.good.Add(1)
			if rv != nil && !rvc.returned.IsZero() && sent.After(rvc.returned) {
				res.bad(&res.wrong, "%s: good %v after its revocation returned", s, sent.Sub(rvc.returned))
				return
			}
		case ocsp.Revoked:
			res.revoked.Add(1)
			if rv == nil || answered.Before(rvc.started) {
				res.bad(&res.wrong, "%s: revoked before its revocation started", s)
				return
			}
			if r.RevocationReason != ocsp.KeyCompromise || r.RevokedAt.Before(rvc.started.Truncate(time.Second)) ||
				(!rvc.returned.IsZero() && r.RevokedAt.After(rvc.returned)) {
				res.bad(&res.wrong, "%s: revoked at %v for %d, revocation ran %v to %v", s, r.RevokedAt,
					r.RevocationReason, rvc.started, rvc.returned)
				return
			}
		default:
			res.unknown.Add(1)
			res.bad(&res.wrong, "%s: unknown", s)
			return
		}
		res.ok.Add(1)
	}
	if err := eventLoop(u.Host, *c, *n, raw, check); errors.Is(err, errors.ErrUnsupported) {
		for range *c {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cn := &client{addr: u.Host}
				defer cn.close()
				for {
					i := int(next.Add(1)) - 1
					if i >= *n {
						return
					}
					k := i % len(raw)
					sent := time.Now()
					code, body, err := cn.post(raw[k])
					check(i, k, sent, time.Now(), code, body, err)
				}
			}()
		}
	} else if err != nil {
		return err
	}
	wg.Wait()
	elapsed := time.Since(start)
	revoked := 0
	if *pkit != "" {
		close(stopRev)
		revoked = <-revDone
	}
	rps := float64(*n) / elapsed.Seconds()
	fmt.Printf("%-14s %6d requests, %d clients: %8.0f req/s (%.2f s); good %d, revoked %d, unknown %d; errors %d, wrong %d",
		*name, *n, *c, rps, elapsed.Seconds(), res.good.Load(), res.revoked.Load(), res.unknown.Load(), res.errors.Load(), res.wrong.Load())
	if *pkit != "" {
		fmt.Printf("; %d revocations during the run", revoked)
	}
	fmt.Println()
	for _, e := range res.examples {
		fmt.Fprintln(os.Stderr, "  ", e)
	}
	if res.errors.Load()+res.wrong.Load() > 0 {
		return errors.New("errors or wrong answers")
	}
	return nil
}

// loadFlags declares the flags load and ceiling share: the work folder,
// the responder's URL, the number of requests and of clients.
func loadFlags(fs *flag.FlagSet, urlHelp string) (dir, url *string, n, c *int) {
	dir = fs.String("dir", "", "work folder made by setup")
	url = fs.String("url", "", urlHelp)
	n = fs.Int("n", 20000, "requests")
	c = fs.Int("c", 32, "concurrent clients")
	return dir, url, n, c
}

func ceiling(args []string) error {
	fs := flag.NewFlagSet("ceiling", flag.ExitOnError)
	dir, url, n, c := loadFlags(fs, "a responder's URL, for one real answer")
	fs.Parse(args)
	_, _, u, raw, err := prepare(*dir, *url)
	if err != nil {
		return err
	}
	cn := &client{addr: u.Host}
	code, body, err := cn.post(raw[0])
	cn.close()
	if err != nil || code != 200 {
		return fmt.Errorf("asking %s for one answer: HTTP %d %v", *url, code, err)
	}
	body = bytes.Clone(body)
	rps, err := ceilingLoad(body, raw, *c, *n)
	if err != nil {
		return err
	}
	fmt.Printf("%-14s %6d requests, %d clients: %8.0f req/s (a fixed %d-byte answer)\n", "ceiling", *n, *c, rps, len(body))
	return nil
}

// prepare reads the certificates setup made in dir and returns them,
// their issuer, the responder's URL and one raw HTTP request for each.
func prepare(dir, url string) ([]*x509.Certificate, *x509.Certificate, *neturl.URL, [][]byte, error) {
	issuer, err := readCert(filepath.Join(dir, "pki", "ca", "intermediate.crt"))
	if err != nil {
		return nil, nil, nil, nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, "serials"))
	if err != nil {
		return nil, nil, nil, nil, err
	}
	var certs []*x509.Certificate
	var reqs [][]byte
	for _, line := range strings.Fields(string(data)) {
		serial, err := ca.ParseSerial(line)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		cert := &x509.Certificate{SerialNumber: serial}
		req, err := ocsp.CreateRequest(cert, issuer, nil)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		certs = append(certs, cert)
		reqs = append(reqs, req)
	}

	u, err := neturl.Parse(url)
	if err != nil || u.Scheme != "http" {
		return nil, nil, nil, nil, fmt.Errorf("-url %q: an http URL", url)
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	raw := make([][]byte, len(reqs))
	for i, r := range reqs {
		raw[i] = append([]byte(fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/ocsp-request\r\nContent-Length: %d\r\n\r\n",
			path, u.Host, len(r))), r...)
	}
	return certs, issuer, u, raw, nil
}

// warmUp sends every request once from c clients and checks only that
// each gets an HTTP 200.
func warmUp(addr string, raw [][]byte, c int) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, c)
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cn := &client{addr: addr}
			defer cn.close()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(raw) {
					return
				}
				if code, _, err := cn.post(raw[i]); err != nil || code != 200 {
					errs <- fmt.Errorf("HTTP %d %v", code, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// client is one keep-alive HTTP/1.1 connection, made again when the
// server closes it (openssl ocsp answers each request on a new
// connection). It is lighter than net/http's client, so that the load
// generator, on the same machine, takes less of the CPU the responder
// is measured on.
type client struct {
	addr string
	c    net.Conn
	buf  []byte // the last response, reused
}

func (cn *client) close() {
	if cn.c != nil {
		cn.c.Close()
		cn.c = nil
	}
}

// post sends a prepared request and reads the answer; a kept connection
// the server closed meanwhile is replaced and the request sent again.
func (cn *client) post(req []byte) (int, []byte, error) {
	for attempt := 0; ; attempt++ {
		reused := cn.c != nil
		if cn.c == nil {
			c, err := net.DialTimeout("tcp", cn.addr, 10*time.Second)
			if err != nil {
				return 0, nil, err
			}
			cn.c = c
		}
		cn.c.SetDeadline(time.Now().Add(30 * time.Second))
		code, body, closeAfter, err := cn.roundTrip(req)
		if err != nil {
			cn.close()
			if reused && attempt == 0 {
				continue
			}
			return 0, nil, err
		}
		if closeAfter {
			cn.close()
		}
		return code, body, nil
	}
}

// roundTrip writes req and reads the response into a buffer of the
// client's that the next call reuses.
func (cn *client) roundTrip(req []byte) (code int, body []byte, closeAfter bool, err error) {
	if _, err := cn.c.Write(req); err != nil {
		return 0, nil, false, err
	}
	cn.buf = cn.buf[:0]
	for {
		r, err := parseResponse(cn.buf, false)
		if err != nil {
			return 0, nil, false, err
		}
		if r.size > 0 {
			return r.code, r.body, r.closeAfter, nil
		}
		if len(cn.buf) == cap(cn.buf) {
			cn.buf = append(cn.buf, make([]byte, max(4096, cap(cn.buf)))...)[:len(cn.buf)]
		}
		n, err := cn.c.Read(cn.buf[len(cn.buf):cap(cn.buf)])
		cn.buf = cn.buf[:len(cn.buf)+n]
		if err == io.EOF {
			if r, perr := parseResponse(cn.buf, true); perr == nil && r.size > 0 {
				return r.code, r.body, true, nil
			}
		}
		if err != nil && n == 0 {
			return 0, nil, false, err
		}
	}
}

func readCert(path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if b, _ := pem.Decode(data); b != nil {
		data = b.Bytes
	}
	return x509.ParseCertificate(data)
}
