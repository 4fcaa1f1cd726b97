package ca

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Default paths pkit serve answers when the config sets no URL template
// ([Config.URLs]); {ca} is the CA's name.
const (
	DefaultCRLPath       = "/crl/{ca}.crl"
	DefaultCAIssuersPath = "/ca/{ca}.crt"
	DefaultOCSPPath      = "/ocsp"
	HealthPath           = "/healthz"
)

// Route is one path pkit serve answers.
type Route struct {
	Path string
	// Kind is "crl" (the CA's published DER CRL, read at every request),
	// "ca" (the CA's DER certificate), "ocsp" (the responder, for every
	// CA; the path and everything under it) or "health".
	Kind string
	CA   string // for crl and ca
	File string // for crl: the file served
}

// ServeOptions configures [Authority.Handler].
type ServeOptions struct {
	// OCSP is the responder's handler (ocsp.Responder.Handler with
	// prefix ""): it is given the request with the OCSP path taken off
	// the front. nil serves no OCSP.
	OCSP http.Handler
	// CRLDir is the folder of published CRLs; "" means DIR/crl.
	CRLDir string
	// Healthy is asked by the health endpoint; nil means always healthy.
	Healthy func(ctx context.Context) error
}

// Routes returns the paths pkit serve answers, sorted: for every CA the
// path of its CRL URL and of its CA issuers URL (from the config's
// templates, or [DefaultCRLPath] and [DefaultCAIssuersPath] when unset),
// the path of the OCSP URL (or [DefaultOCSPPath]) and [HealthPath]. A
// template without {ca} names the issuing CA's file only; the other CAs
// get the default paths.
func (a *Authority) Routes(o ServeOptions) []Route {
	dir := o.CRLDir
	if dir == "" {
		dir = filepath.Join(a.Dir, "crl")
	}
	seen := map[string]bool{}
	var out []Route
	add := func(r Route) {
		if r.Path == "" || seen[r.Path] {
			return
		}
		seen[r.Path] = true
		out = append(out, r)
	}
	add(Route{Path: HealthPath, Kind: "health"})
	for _, name := range a.CANames() {
		u := a.Config.URLs(name)
		crl := urlPath(u.CRL)
		if crl == "" {
			crl = strings.ReplaceAll(DefaultCRLPath, CAPlaceholder, url.PathEscape(name))
		}
		_, der := CRLFiles(dir, name)
		add(Route{Path: crl, Kind: "crl", CA: name, File: der})
		cert := urlPath(u.CAIssuers)
		if cert == "" {
			cert = strings.ReplaceAll(DefaultCAIssuersPath, CAPlaceholder, url.PathEscape(name))
		}
		add(Route{Path: cert, Kind: "ca", CA: name})
		if o.OCSP != nil {
			p := urlPath(u.OCSP)
			if p == "" {
				p = DefaultOCSPPath
			}
			add(Route{Path: p, Kind: "ocsp"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// urlPath is the path of an absolute URL, as a request line carries it
// (escaped); "" for none.
func urlPath(u string) string {
	if u == "" {
		return ""
	}
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	if p.EscapedPath() == "" {
		return "/"
	}
	return p.EscapedPath()
}

// OCSPRoute returns the rule of [Authority.Handler] for the OCSP paths:
// for a request's path (escaped, as the request line carries it), the
// OCSP path it falls under (without a final "/"), and whether it goes to
// the responder: a path of the [Authority.Routes] of kind "ocsp", or
// anything under one that is not another route. ocsp.FastPath answers
// by the same rule.
func (a *Authority) OCSPRoute(o ServeOptions) func(path string) (prefix string, ok bool) {
	exact := map[string]Route{}
	var prefixes []string
	for _, r := range a.Routes(o) {
		exact[r.Path] = r
		if r.Kind == "ocsp" {
			prefixes = append(prefixes, strings.TrimSuffix(r.Path, "/"))
		}
	}
	return func(p string) (string, bool) {
		if r, ok := exact[p]; ok {
			return strings.TrimSuffix(r.Path, "/"), r.Kind == "ocsp"
		}
		for _, op := range prefixes {
			if strings.HasPrefix(p, op+"/") {
				return op, true
			}
		}
		return "", false
	}
}

// Handler returns the HTTP handler of pkit serve for the [Authority.Routes]:
// CRLs are read from their files at every request, so a CRL published
// while serving is served at once, byte for byte; CA certificates are
// served as DER; OCSP requests go to o.OCSP (a GET's base64 request may
// hold "//", so paths are matched as they come, never cleaned); the
// health endpoint answers 200 "ok", or 503 with the reason when
// o.Healthy fails. Anything else is 404.
func (a *Authority) Handler(o ServeOptions) http.Handler {
	routes := a.Routes(o)
	exact := map[string]Route{}
	for _, r := range routes {
		exact[r.Path] = r
	}
	ocspRoute := a.OCSPRoute(o)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		p := req.URL.EscapedPath()
		if prefix, ok := ocspRoute(p); ok {
			// The responder sees the path below its own (a GET's
			// base64 request), whichever of the OCSP paths it came by.
			sub := new(http.Request)
			*sub = *req
			u := *req.URL
			u.RawPath = strings.TrimPrefix(p, prefix)
			u.Path, _ = url.PathUnescape(u.RawPath)
			sub.URL = &u
			o.OCSP.ServeHTTP(w, sub)
			return
		}
		r, ok := exact[p]
		if !ok {
			http.NotFound(w, req)
			return
		}
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		switch r.Kind {
		case "health":
			w.Header().Set("Cache-Control", "no-store")
			if o.Healthy != nil {
				if err := o.Healthy(req.Context()); err != nil {
					http.Error(w, "unhealthy: "+err.Error(), http.StatusServiceUnavailable)
					return
				}
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write([]byte("ok\n"))
		case "ca":
			c := a.CAs[r.CA]
			w.Header().Set("Content-Type", "application/pkix-cert")
			http.ServeContent(w, req, "", c.NotBefore, bytes.NewReader(c.Raw))
		case "crl":
			// Opened at every request: the name leads through the CRL
			// folder's .current link to the set published last.
			f, err := os.Open(r.File)
			if errors.Is(err, fs.ErrNotExist) {
				http.Error(w, fmt.Sprintf("CA %q has no published CRL yet (run pkit crl)", r.CA), http.StatusNotFound)
				return
			}
			if err != nil {
				http.Error(w, "cannot read the CRL", http.StatusInternalServerError)
				return
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil || !st.Mode().IsRegular() {
				http.Error(w, "cannot read the CRL", http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/pkix-crl")
			// Caches may keep it, but ask again: a CRL can be published
			// before its nextUpdate (after a revocation).
			w.Header().Set("Cache-Control", "no-cache")
			http.ServeContent(w, req, "", st.ModTime(), f)
		}
	})
}
