package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/revoke/ocsp"
	"github.com/urfave/cli/v2"
	"golang.org/x/net/netutil"
)

func serveCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "serve",
		Usage:     "serve the CRLs and CA certificates over HTTP, with an OCSP responder, live from the store",
		UsageText: "pkit serve [--listen ADDR] [--delegated] [--ca NAME…] [--tls-cert FILE --tls-key FILE]",
		Description: `Runs an HTTP server for the CA directory. For every CA it serves, at the
   paths of the URLs its certificates carry (the [ca] crl-url, ca-issuers-url and
   ocsp-url templates of the config; /crl/NAME.crl, /ca/NAME.crt and /ocsp when
   unset):

     CRL        the DER CRL "pkit crl" published (crl/NAME.crl), read at every
                request, so a new CRL is served the moment it is published
     CA issuers the CA's certificate, DER
     OCSP       an OCSP responder (RFC 6960, RFC 5019): POST, or GET with the
                request in base64 in the path. It reads the store live: a
                certificate is "revoked" (with its time and reason) from the
                moment "pkit revoke" commits, "good" while it is not, and
                "unknown" for a serial the CA never issued. Nonces are echoed;
                responses without one carry caching headers (Cache-Control
                max-age up to nextUpdate, Expires, Last-Modified, ETag).
     /healthz   200 "ok" while the store is readable and the signers valid;
                503 and the reason otherwise (restart serve after restoring the
                store from a backup: it reads the file it opened)

   Responses are signed by each CA's own key, or with --delegated by an OCSP
   signing certificate (extended key usage OCSPSigning, id-pkix-ocsp-nocheck)
   that serve issues under each CA at start, records in the store, and renews
   when a third of its validity (--signer-validity) is left. Either way the CA
   keys are unlocked once at start (--passphrase-file, PKIT_PASSPHRASE, an age
   identity, or the terminal). --ca limits the responder to some CAs (a root
   whose key is kept offline is left out); --no-ocsp serves files only and
   unlocks nothing.

   Requests are bounded (16 KiB bodies and headers, 10 s to send a request,
   --max-conns connections); SIGTERM or Ctrl-C stops it gracefully. One access
   log line per request goes to stderr (--quiet: none). --tls-cert and
   --tls-key serve HTTPS instead (OCSP and CRL clients mostly fetch over plain
   HTTP: the answers are signed).

EXAMPLES
   pkit serve --listen 127.0.0.1:8080
   pkit serve --listen :80 --passphrase-file /run/secrets/pkit --delegated
   pkit serve --ca intermediate --next-update 10m     # root key offline
   pkit serve --no-ocsp --listen :8080                # CRLs and CA certificates only
   openssl ocsp -issuer pki/ca/intermediate.crt -cert alice.pem -url http://127.0.0.1:8080/ocsp -CAfile pki/ca/root.crt
   curl -fsS http://127.0.0.1:8080/crl/intermediate.crl | openssl crl -inform DER -noout -text`,
		Flags: flags([]cli.Flag{
			dirFlag(), dbFlag(),
			&cli.StringFlag{Name: "listen", Value: "127.0.0.1:8080", Usage: "listen on `ADDR` (host:port; :80 for every address)"},
			&cli.BoolFlag{Name: "delegated", Usage: "sign OCSP responses with delegated OCSP signing certificates, issued and renewed by serve"},
			&cli.StringFlag{Name: "signer-validity", Value: "7d", Usage: "validity `DURATION` of the delegated OCSP signing certificates"},
			&cli.StringFlag{Name: "next-update", Value: "1h", Usage: "how long an OCSP response is valid: `DURATION` from thisUpdate to nextUpdate"},
			allowShortFlag(),
			&cli.StringSliceFlag{Name: "ca", Usage: "answer OCSP for CA `NAME` only (repeatable; default every CA)"},
			&cli.BoolFlag{Name: "no-ocsp", Usage: "serve CRLs and CA certificates only; unlock no key"},
			&cli.StringFlag{Name: "crl-dir", Usage: "serve the CRLs published in `DIR` (pkit crl --out) instead of DIR/crl"},
			&cli.StringFlag{Name: "tls-cert", Usage: "serve HTTPS with the certificate (and chain) in `FILE`"},
			&cli.StringFlag{Name: "tls-key", Usage: "the private key of --tls-cert, in `FILE`"},
			&cli.IntFlag{Name: "max-conns", Value: 1024, Usage: "accept at most `N` connections at once"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no access log lines"},
		}, unlockFlags()),
		Action: e.serve,
	}
}

// serveTimeouts bound what one client can hold: the request line and
// headers, the whole request, the response, and an idle keep-alive.
const (
	serveHeaderTimeout = 5 * time.Second
	serveReadTimeout   = 10 * time.Second
	serveWriteTimeout  = 60 * time.Second
	serveIdleTimeout   = 60 * time.Second
	serveMaxHeader     = 16 << 10
	serveShutdownGrace = 10 * time.Second
)

func (e *env) serve(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("serve takes no arguments, got %q", c.Args().First()).hint("the CA directory is --dir; the address --listen")
	}
	validity, err := lifetimeFlag(c, "next-update")
	if err != nil {
		return err
	}
	signerValidity, err := lifetimeFlag(c, "signer-validity")
	if err != nil {
		return err
	}
	if (c.String("tls-cert") == "") != (c.String("tls-key") == "") {
		return usagef("--tls-cert and --tls-key go together")
	}
	if c.Bool("no-ocsp") && (c.Bool("delegated") || len(c.StringSlice("ca")) > 0) {
		return usagef("--no-ocsp serves no OCSP: --delegated and --ca are for the responder")
	}
	if c.Int("max-conns") < 1 {
		return usagef("--max-conns must be at least 1")
	}
	u, err := e.unlockerOnce(c)
	if err != nil {
		return err
	}
	a, err := ca.Open(c.String("dir"), ca.OpenOptions{Unlock: u, DB: dbOf(c)})
	if err != nil {
		return err
	}
	defer a.Close()
	ctx, stop := signal.NotifyContext(ctxOf(c), syscall.SIGTERM, os.Interrupt)
	defer stop()

	opts := ca.ServeOptions{CRLDir: c.String("crl-dir")}
	var signers []*ca.OCSPSigner
	var resp *ocsp.Responder
	var src *ca.OCSPSource
	if !c.Bool("no-ocsp") {
		src, err = a.OCSPSource(ctx)
		if err != nil {
			return err
		}
		defer src.Close()
		resp = ocsp.New(ocsp.Options{Source: src, Validity: validity})
		names := c.StringSlice("ca")
		if len(names) == 0 {
			names = a.CANames()
		}
		for _, name := range names {
			cert := a.CAs[name]
			if cert == nil {
				return usagef("--ca %q: no such CA in %s (it has: %s)", name, a.Dir, strings.Join(a.CANames(), ", "))
			}
			if c.Bool("delegated") {
				s, err := a.IssueOCSPSigner(ctx, name, signerValidity)
				if err != nil {
					return serveKeyError(name, err)
				}
				signers = append(signers, s)
				err = resp.AddCA(name, cert, s.Key, s.Cert)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "issued OCSP signer %q (serial %s) under CA %q, valid until %s\n",
					s.Cert.Subject.CommonName, ca.SerialHex(s.Cert.SerialNumber), name, s.Cert.NotAfter.Format(time.RFC3339))
				continue
			}
			key, err := a.Unlock(name)
			if err != nil {
				return serveKeyError(name, err)
			}
			if err := resp.AddCA(name, cert, key, nil); err != nil {
				return err
			}
		}
		opts.OCSP = resp.Handler("")
	}
	var signerMu sync.Mutex
	opts.Healthy = func(ctx context.Context) error {
		if src != nil {
			if err := src.Check(ctx); err != nil {
				return err
			}
		} else if err := a.Store.DB().PingContext(ctx); err != nil {
			return fmt.Errorf("the store: %v", err)
		}
		signerMu.Lock()
		defer signerMu.Unlock()
		for _, s := range signers {
			if time.Now().After(s.Cert.NotAfter) {
				return fmt.Errorf("the OCSP signer of CA %q expired", s.CA)
			}
		}
		return nil
	}

	ln, err := net.Listen("tcp", c.String("listen"))
	if err != nil {
		return failf("cannot listen on %q: %v", c.String("listen"), err).hint("choose another --listen address (host:port)")
	}
	ln = netutil.LimitListener(ln, c.Int("max-conns"))
	scheme := "http"
	if c.String("tls-cert") != "" {
		pair, err := tls.LoadX509KeyPair(c.String("tls-cert"), c.String("tls-key"))
		if err != nil {
			ln.Close()
			return failf("--tls-cert/--tls-key: %v", err).hint("give a PEM certificate (with its chain) and its unencrypted PEM key, e.g. from \"pkit issue server NAME\"")
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	var access io.Writer = e.stderr
	if c.Bool("quiet") {
		access = nil
	}
	handler, fastLog, flushLog := accessLog(access, a.Handler(opts))
	defer flushLog()
	// Plain HTTP: the common OCSP requests are answered without
	// net/http (ocsp.FastPath), the rest handed to it.
	var fast *ocsp.FastPath
	if resp != nil && scheme == "http" {
		fast = &ocsp.FastPath{Responder: resp, Route: a.OCSPRoute(opts), Log: fastLog, IdleTimeout: serveIdleTimeout,
			ReadTimeout: serveReadTimeout, WriteTimeout: serveWriteTimeout, MaxHeaderBytes: serveMaxHeader}
		ln = fast.Listen(ln)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: serveHeaderTimeout,
		ReadTimeout:       serveReadTimeout,
		WriteTimeout:      serveWriteTimeout,
		IdleTimeout:       serveIdleTimeout,
		MaxHeaderBytes:    serveMaxHeader,
		ErrorLog:          log.New(e.stderr, "pkit serve: ", 0),
	}
	base := scheme + "://" + ln.Addr().String()
	fmt.Fprintf(e.stderr, "pkit serve: listening on %s\n", base)
	for _, r := range a.Routes(opts) {
		what := map[string]string{"crl": "CRL of %q", "ca": "certificate of CA %q", "ocsp": "OCSP responder", "health": "health"}[r.Kind]
		if strings.Contains(what, "%q") {
			what = fmt.Sprintf(what, r.CA)
		}
		fmt.Fprintf(e.stderr, "  %s%s  %s\n", base, r.Path, what)
	}

	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	if len(signers) > 0 {
		go renewSigners(ctx, e.stderr, a, resp, signers, &signerMu, signerValidity)
	}
	select {
	case err := <-done:
		return failf("serving: %v", err)
	case <-ctx.Done():
	}
	fmt.Fprintf(e.stderr, "pkit serve: stopping (waiting up to %s for requests in flight)\n", serveShutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), serveShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if fast != nil {
		fast.Shutdown(sctx)
	}
	flushLog()
	fmt.Fprintln(e.stderr, "pkit serve: stopped")
	return nil
}

// serveKeyError explains a CA key serve could not open for OCSP.
func serveKeyError(name string, err error) error {
	ue := explain(err)
	if !errors.Is(err, ca.ErrWrongPassphrase) && !errors.Is(err, ca.ErrNeedPassphrase) && !errors.Is(err, ca.ErrNeedIdentity) {
		ue.msg = fmt.Sprintf("CA %q cannot sign OCSP responses: %s", name, ue.msg)
		ue.hint("answer only for the CAs whose keys are here with --ca NAME, or serve files only with --no-ocsp")
	}
	return ue
}

// renewSigners replaces each delegated OCSP signer when a third of its
// validity is left, checking every minute (or sooner for short ones).
// A failure is logged and tried again at the next check.
func renewSigners(ctx context.Context, log io.Writer, a *ca.Authority, resp *ocsp.Responder, signers []*ca.OCSPSigner, mu *sync.Mutex, validity time.Duration) {
	every := min(time.Minute, validity/10)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for i, s := range signers {
			if !s.Renew(time.Now()) {
				continue
			}
			n, err := a.IssueOCSPSigner(ctx, s.CA, validity)
			if err == nil {
				err = resp.AddCA(s.CA, a.CAs[s.CA], n.Key, n.Cert)
			}
			if err != nil {
				warnf(log, "renewing the OCSP signer of CA %q: %v (the current one is valid until %s)",
					s.CA, err, s.Cert.NotAfter.Format(time.RFC3339))
				continue
			}
			mu.Lock()
			signers[i] = n
			mu.Unlock()
			fmt.Fprintf(log, "renewed the OCSP signer of CA %q: serial %s, valid until %s\n", s.CA,
				ca.SerialHex(n.Cert.SerialNumber), n.Cert.NotAfter.Format(time.RFC3339))
		}
	}
}

// accessLog writes one line per request to log (nil: none): time, client,
// request line, status, bytes, duration, and what the OCSP responder
// answered. Lines are buffered and written at least every 200 ms (one
// write per line would cost more than an OCSP answer); flush writes what
// is buffered, at shutdown. fast logs the requests ocsp.FastPath answers,
// in the same form.
func accessLog(log io.Writer, h http.Handler) (handler http.Handler, fast func(ocsp.LogEntry), flush func()) {
	if log == nil {
		return h, nil, func() {}
	}
	var mu sync.Mutex
	buf := bufio.NewWriterSize(log, 64<<10)
	flush = func() {
		mu.Lock()
		buf.Flush()
		mu.Unlock()
	}
	go func() {
		for range time.Tick(200 * time.Millisecond) {
			flush()
		}
	}()
	write := func(e ocsp.LogEntry) {
		path := e.Path
		if len(path) > 64 {
			path = path[:61] + "..."
		}
		line := make([]byte, 0, 160)
		line = e.Start.UTC().AppendFormat(line, "2006-01-02T15:04:05.000Z")
		line = append(line, ' ')
		line = append(line, e.Remote...)
		line = append(line, ' ')
		line = strconv.AppendQuote(line, e.Method+" "+path)
		line = append(line, ' ')
		line = strconv.AppendInt(line, int64(e.Status), 10)
		line = append(line, ' ')
		line = strconv.AppendInt(line, int64(e.Bytes), 10)
		line = append(line, ' ')
		line = append(line, e.Duration.Round(time.Microsecond).String()...)
		if e.Note != "" {
			line = append(line, ' ')
			line = append(line, e.Note...)
		}
		line = append(line, '\n')
		mu.Lock()
		buf.Write(line)
		mu.Unlock()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &logWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		write(ocsp.LogEntry{Start: start, Remote: host, Method: r.Method, Path: r.URL.EscapedPath(), Status: rec.status,
			Bytes: rec.bytes, Duration: time.Since(start), Note: rec.note})
	}), write, flush
}

// logWriter records what the access log prints of a response.
type logWriter struct {
	http.ResponseWriter
	status int
	bytes  int
	note   string
}

func (l *logWriter) WriteHeader(code int) {
	l.status = code
	l.ResponseWriter.WriteHeader(code)
}

func (l *logWriter) Write(b []byte) (int, error) {
	n, err := l.ResponseWriter.Write(b)
	l.bytes += n
	return n, err
}

// Note implements [ocsp.Noter].
func (l *logWriter) Note(s string) { l.note = s }

// ReadFrom keeps sendfile for the files http.ServeContent copies.
func (l *logWriter) ReadFrom(r io.Reader) (int64, error) {
	n, err := io.Copy(l.ResponseWriter, r)
	l.bytes += int(n)
	return n, err
}
