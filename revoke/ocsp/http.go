package ocsp

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Noter is implemented by a ResponseWriter that takes a note for the
// access log; the handler notes what it answered ("good", "revoked",
// "malformedRequest" …).
type Noter interface {
	Note(s string)
}

// Handler returns the responder's HTTP face (RFC 6960 appendix A, RFC 5019
// section 5): a POST of a DER request (Content-Type
// application/ocsp-request) to prefix, or a GET of prefix + "/" + the
// request in base64 (URL-escaped or not, standard or URL alphabet,
// padded or not). The body is read up to [MaxRequestSize] (larger: HTTP
// 413). Successful single-certificate responses without a nonce carry RFC
// 5019's caching headers (Last-Modified, Expires, ETag, Cache-Control
// max-age up to nextUpdate) and answer If-None-Match with 304; the others
// are marked no-store. Error statuses of OCSP (malformedRequest,
// unauthorized …) go out as HTTP 200 with the OCSP error, as OCSP clients
// expect.
func (r *Responder) Handler(prefix string) http.Handler {
	prefix = strings.TrimSuffix(prefix, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var der []byte
		switch req.Method {
		case http.MethodPost:
			body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, MaxRequestSize))
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				note(w, "request too large")
				http.Error(w, "OCSP request too large", http.StatusRequestEntityTooLarge)
				return
			}
			if err != nil {
				note(w, "request not read")
				http.Error(w, "could not read the request", http.StatusBadRequest)
				return
			}
			der = body
		case http.MethodGet, http.MethodHead:
			der = decodeGET(strings.TrimPrefix(req.URL.EscapedPath(), prefix))
		default:
			w.Header().Set("Allow", "GET, HEAD, POST")
			note(w, "method not allowed")
			http.Error(w, "OCSP takes GET or POST", http.StatusMethodNotAllowed)
			return
		}
		var resp *Response
		if der == nil {
			resp = failed(MalformedRequest, &RequestError{Msg: "the GET path is not a base64 request"})
		} else {
			resp = r.Respond(req.Context(), der)
		}
		h := w.Header()
		h["Content-Type"] = ocspResponseType
		if resp.Status == Successful && resp.Cacheable {
			h["Last-Modified"] = resp.headers[0:1]
			h["Expires"] = resp.headers[1:2]
			h["Etag"] = resp.headers[2:3]
			h["Cache-Control"] = []string{"max-age=" + strconv.FormatInt(r.maxAge(resp), 10) + cacheControlTail}
			if match := req.Header.Get("If-None-Match"); match != "" && strings.Contains(match, resp.ETag) {
				note(w, noteOf(resp)+" (not modified)")
				w.WriteHeader(http.StatusNotModified)
				return
			}
		} else {
			h["Cache-Control"] = noStore
		}
		h["Content-Length"] = []string{strconv.Itoa(len(resp.DER))}
		note(w, noteOf(resp))
		w.WriteHeader(http.StatusOK)
		if req.Method != http.MethodHead {
			w.Write(resp.DER)
		}
	})
}

// maxAge is the Cache-Control max-age of a cacheable response: the
// seconds left until its nextUpdate (RFC 5019 section 6.2).
func (r *Responder) maxAge(resp *Response) int64 {
	return max(int64(resp.NextUpdate.Sub(r.now())/time.Second), 0)
}

// cacheControlTail follows max-age in the Cache-Control of a cacheable
// response.
const cacheControlTail = ", public, no-transform, must-revalidate"

// Header values that never change, shared by every response (net/http
// does not modify them).
var (
	ocspResponseType = []string{"application/ocsp-response"}
	noStore          = []string{"no-store"}
)

func note(w http.ResponseWriter, s string) {
	if n, ok := w.(Noter); ok {
		n.Note(s)
	}
}

// noteOf says in a few words what a response answered.
func noteOf(resp *Response) string {
	if resp.Status != Successful {
		return resp.Status.String()
	}
	if len(resp.Certs) == 1 {
		return resp.Certs[0].String()
	}
	var b strings.Builder
	for i, c := range resp.Certs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(c.String())
	}
	return b.String()
}

// decodeGET returns the DER request a GET path (after the responder's
// prefix) carries, or nil.
func decodeGET(p string) []byte {
	p = strings.TrimLeft(p, "/")
	if p == "" || len(p) > 4*MaxRequestSize {
		return nil
	}
	s, err := url.PathUnescape(p)
	if err != nil {
		return nil
	}
	// A '+' turned into a space by a form decoder upstream is a '+'.
	s = strings.ReplaceAll(s, " ", "+")
	s = strings.TrimRight(s, "=")
	enc := base64.RawStdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.RawURLEncoding
	}
	der, err := enc.DecodeString(s)
	if err != nil {
		return nil
	}
	return der
}
