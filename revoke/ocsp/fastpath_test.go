package ocsp

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	xocsp "golang.org/x/crypto/ocsp"
)

// fastServer is a FastPath in front of an http.Server serving the
// responder's Handler, as pkit serve runs them, on 127.0.0.1.
type fastServer struct {
	fp   *FastPath
	srv  *http.Server
	addr string
	mu   sync.Mutex
	log  []LogEntry
}

func startFast(t *testing.T, f *fixture) *fastServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fastServer{addr: ln.Addr().String()}
	s.fp = &FastPath{Responder: f.r, IdleTimeout: time.Minute, ReadTimeout: 10 * time.Second, WriteTimeout: time.Minute,
		Route: func(p string) (string, bool) {
			return "/ocsp", p == "/ocsp" || strings.HasPrefix(p, "/ocsp/")
		},
		Log: func(e LogEntry) { s.mu.Lock(); s.log = append(s.log, e); s.mu.Unlock() },
	}
	mux := http.NewServeMux()
	mux.Handle("/ocsp/", http.StripPrefix("/ocsp", f.r.Handler("")))
	mux.Handle("/ocsp", f.r.Handler("/ocsp"))
	s.srv = &http.Server{Handler: mux}
	go s.srv.Serve(s.fp.Listen(ln))
	t.Cleanup(func() {
		s.srv.Close()
		s.fp.Shutdown(context.Background())
	})
	return s
}

// exchange writes raw on one connection and reads one response per
// method given.
func (s *fastServer) exchange(t *testing.T, raw string, methods ...string) []*http.Response {
	t.Helper()
	c, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	var out []*http.Response
	for _, m := range methods {
		resp, err := http.ReadResponse(br, &http.Request{Method: m})
		if err != nil {
			t.Fatalf("response %d of %q: %v", len(out)+1, raw, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		out = append(out, resp)
	}
	return out
}

func bodyOf(r *http.Response) []byte { b, _ := io.ReadAll(r.Body); return b }

func post(der []byte, extra string) string {
	return fmt.Sprintf("POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\n%sContent-Length: %d\r\n\r\n%s", extra, len(der), der)
}

// TestFastPath: what the fast path answers itself (POST and GET, kept
// alive, pipelined), with the headers Handler gives; what it hands to
// net/http with the bytes it read (HEAD, conditional GET, chunked body,
// HTTP/1.0, other paths, too large); and its shutdown.
func TestFastPath(t *testing.T) {
	f := newFixture(t)
	s := startFast(t, f)
	der := request(t, f.ca.Certificate, crypto.SHA1, nil, f.leaf.SerialNumber)
	b64 := base64.StdEncoding.EncodeToString(der)
	get := "GET /ocsp/" + b64 + " HTTP/1.1\r\nHost: x\r\n\r\n"

	// Answered here: keep-alive, pipelined, the same answer and headers
	// as Handler's (but Date).
	rs := s.exchange(t, post(der, "")+get+post(der, "Connection: close\r\n"), "POST", "GET", "POST")
	ref := httptest.NewServer(f.r.Handler("/ocsp"))
	defer ref.Close()
	want, err := http.Get(ref.URL + "/ocsp/" + b64)
	if err != nil {
		t.Fatal(err)
	}
	wantBody := bodyOf(want)
	for i, r := range rs {
		if r.StatusCode != 200 || !bytes.Equal(bodyOf(r), wantBody) {
			t.Fatalf("response %d: %s, not Handler's body", i, r.Status)
		}
		for k := range want.Header {
			if k != "Date" && r.Header.Get(k) != want.Header.Get(k) {
				t.Errorf("response %d: %s %q, Handler sends %q", i, k, r.Header.Get(k), want.Header.Get(k))
			}
		}
		if len(r.Header) != len(want.Header) || r.Header.Get("Date") == "" {
			t.Errorf("response %d: headers %v, Handler sends %v", i, r.Header, want.Header)
		}
	}
	if !rs[2].Close {
		t.Error("Connection: close was not answered with close")
	}
	checkResponse(t, wantBody, f.ca.Certificate, nil, []int{xocsp.Good}, 0)
	s.mu.Lock()
	if len(s.log) != 3 || s.log[0].Method != "POST" || s.log[1].Path != "/ocsp/"+b64 || s.log[2].Note != "good" ||
		s.log[0].Bytes != len(wantBody) || s.log[0].Remote != "127.0.0.1" {
		t.Errorf("access log entries %+v", s.log)
	}
	s.mu.Unlock()
	// A malformed GET is answered here, malformedRequest.
	rs = s.exchange(t, "GET /ocsp/not-base64! HTTP/1.1\r\nHost: x\r\n\r\n", "GET")
	if b := bodyOf(rs[0]); rs[0].StatusCode != 200 || !bytes.Equal(b, errorResponse(MalformedRequest)) {
		t.Errorf("bad GET: %s % x", rs[0].Status, b)
	}
	s.mu.Lock()
	if len(s.log) != 4 || s.log[3].Note != "malformedRequest" {
		t.Errorf("access log entries %+v", s.log)
	}
	s.log = nil
	s.mu.Unlock()

	// Handed to net/http, mid-connection, with what was read of them.
	etag := f.r.Respond(context.Background(), der).ETag
	rs = s.exchange(t, post(der, "")+
		"HEAD /ocsp/"+b64+" HTTP/1.1\r\nHost: x\r\n\r\n"+
		"GET /ocsp/"+b64+" HTTP/1.1\r\nHost: x\r\nIf-None-Match: "+etag+"\r\n\r\n"+
		post(der, ""), "POST", "HEAD", "GET", "POST")
	if rs[0].StatusCode != 200 || rs[1].StatusCode != 200 || rs[2].StatusCode != http.StatusNotModified || rs[3].StatusCode != 200 ||
		!bytes.Equal(bodyOf(rs[3]), wantBody) {
		t.Errorf("POST, HEAD, conditional GET, POST: %s, %s, %s, %s", rs[0].Status, rs[1].Status, rs[2].Status, rs[3].Status)
	}
	s.mu.Lock()
	if len(s.log) != 1 {
		t.Errorf("%d requests answered by the fast path, want the first only", len(s.log))
	}
	s.mu.Unlock()
	chunked := fmt.Sprintf("POST /ocsp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", len(der), der)
	for name, tc := range map[string]struct {
		raw    string
		status int
	}{
		"chunked":       {chunked, 200},
		"HTTP/1.0":      {"GET /ocsp/" + b64 + " HTTP/1.0\r\n\r\n", 200},
		"other path":    {"GET /elsewhere HTTP/1.1\r\nHost: x\r\n\r\n", 404},
		"query":         {"GET /ocsp/" + b64 + "?x=1 HTTP/1.1\r\nHost: x\r\n\r\n", 200},
		"no Host":       {"GET /ocsp/" + b64 + " HTTP/1.1\r\n\r\n", 400},
		"too large":     {fmt.Sprintf("POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", MaxRequestSize+1, make([]byte, MaxRequestSize+1)), 413},
		"control char":  {"GET /ocsp/" + b64 + " HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n", 400},
		"bad host":      {"GET /ocsp/" + b64 + " HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
		"bare newlines": {"GET /ocsp/" + b64 + " HTTP/1.1\nHost: x\n\n", 200},
		"expect":        {strings.Replace(post(der, ""), "Host: x\r\n", "Host: x\r\nExpect: 100-continue\r\n", 1), 100},
	} {
		r := s.exchange(t, tc.raw, "GET")[0]
		if r.StatusCode != tc.status {
			t.Errorf("%s: %s, want %d", name, r.Status, tc.status)
		}
	}
	s.mu.Lock()
	if len(s.log) != 1 {
		t.Errorf("the fast path answered %d of the requests it should hand over", len(s.log)-1)
	}
	s.mu.Unlock()

	// Shutdown closes an idle kept-alive connection and returns.
	c, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, post(der, ""))
	br := bufio.NewReader(c)
	if r, err := http.ReadResponse(br, nil); err != nil || r.StatusCode != 200 {
		t.Fatalf("before shutdown: %v", err)
	} else {
		io.Copy(io.Discard, r.Body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx)
	if err := s.fp.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := br.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("the idle connection after shutdown: %d bytes, %v", n, err)
	}
}

// FuzzFastPathParse: the fast path's reading of HTTP requests never
// panics, answers only a request that lies within what it was given,
// on a path Route accepted, and only with a body for a POST.
func FuzzFastPathParse(f *testing.F) {
	f.Add([]byte(post([]byte{0x30, 0x03, 0x30, 0x01, 0x30}, "")))
	f.Add([]byte("GET /ocsp/MEMwQTA%2FMD0wOzAJBgUrDgMCGgUABBQ= HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\nGET /"))
	f.Add([]byte("POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nabcde"))
	f.Add([]byte("GET /ocsp/x HTTP/1.1\r\n Host: x\r\n\r\n"))
	f.Add([]byte("POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"))
	fp := &FastPath{MaxHeaderBytes: 1024, Route: func(p string) (string, bool) {
		return "/ocsp", p == "/ocsp" || strings.HasPrefix(p, "/ocsp/")
	}}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, v := fp.parse(b)
		if v != answer {
			return
		}
		if r.size <= 0 || r.size > len(b) || len(r.body) > MaxRequestSize || (!r.post && len(r.body) > 0) {
			t.Fatalf("answered: size %d of %d, body %d, post %v", r.size, len(b), len(r.body), r.post)
		}
		if p := string(r.path); p != "/ocsp" && !strings.HasPrefix(p, "/ocsp/") || !bytes.HasPrefix(r.path, []byte("/ocsp")) {
			t.Fatalf("answered for path %q", r.path)
		}
	})
}
