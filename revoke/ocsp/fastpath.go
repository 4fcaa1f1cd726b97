package ocsp

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// FastPath answers the common OCSP requests on plain HTTP/1.1 keep-alive
// connections itself, and hands every other request, with its connection,
// to net/http. It exists for throughput: an RFC 5019 request answered
// from the responder's cache costs less than net/http's request and
// header objects around it (bench/ocsp.sh measures both ways).
//
// It answers a request only when it is exactly one it understands: an
// HTTP/1.1 "POST" with a Content-Length body of at most [MaxRequestSize],
// or a "GET" of a base64 request, to a path Route accepts, whose target
// holds only URL path characters (no query), with one Host header and no
// Transfer-Encoding, Expect, Upgrade, If-None-Match or folded header
// line. Anything else (HEAD, conditional GETs, chunked bodies, HTTP/1.0,
// other paths, oversized or malformed requests) is handed over: the
// connection, with the bytes already read, comes out of the listener
// [FastPath.Listen] returns, which an http.Server serves as usual. The
// answers are those of [Responder.Handler], with its headers.
type FastPath struct {
	Responder *Responder
	// Route returns the responder's path prefix for a request path (as
	// the request line carries it) that goes to the responder, and false
	// for any other path.
	Route func(path string) (prefix string, ok bool)
	// Log, when set, is called after each request answered here.
	Log func(LogEntry)
	// IdleTimeout closes a connection that sends no request for that
	// long; ReadTimeout bounds the time to receive one request once it
	// has begun; WriteTimeout the time to send one answer.
	IdleTimeout, ReadTimeout, WriteTimeout time.Duration
	// MaxHeaderBytes bounds a request's line and headers; a larger one
	// is handed to net/http, which refuses it.
	MaxHeaderBytes int

	once    sync.Once
	ln      net.Listener
	handoff chan net.Conn
	closed  chan struct{}
	closing atomic.Bool
	ctx     context.Context
	cancel  context.CancelFunc
	mu      sync.Mutex
	conns   map[*fastConn]struct{}
	wg      sync.WaitGroup
	date    atomic.Pointer[dateLine]
}

// dateLine is the Date header line of one second.
type dateLine struct {
	sec  int64
	line []byte
}

// LogEntry is one request [FastPath] answered, for an access log.
type LogEntry struct {
	Start        time.Time
	Remote       string // the client's address, without the port
	Method, Path string
	Status       int
	Bytes        int // of the body
	Duration     time.Duration
	Note         string // what the responder answered, as [Noter] gets it
}

// fastConn is one connection the fast path serves.
type fastConn struct {
	c    net.Conn
	idle atomic.Bool // waiting for a request, nothing of it read
}

// Listen starts serving the connections ln accepts and returns the
// listener of the connections handed over to net/http. Closing it
// closes ln; [FastPath.Shutdown] then ends the fast path's own
// connections.
func (f *FastPath) Listen(ln net.Listener) net.Listener {
	f.ln = ln
	f.handoff = make(chan net.Conn)
	f.closed = make(chan struct{})
	f.conns = map[*fastConn]struct{}{}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	if f.MaxHeaderBytes <= 0 {
		f.MaxHeaderBytes = 16 << 10
	}
	go f.accept()
	return &handoffListener{f: f}
}

func (f *FastPath) accept() {
	var delay time.Duration
	for {
		c, err := f.ln.Accept()
		if err != nil {
			if f.closing.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: wait, as net/http does.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			time.Sleep(delay)
			continue
		}
		delay = 0
		fc := &fastConn{c: c}
		f.mu.Lock()
		if f.closing.Load() {
			f.mu.Unlock()
			c.Close()
			return
		}
		f.conns[fc] = struct{}{}
		f.wg.Add(1)
		f.mu.Unlock()
		go f.serve(fc)
	}
}

// Shutdown stops the fast path gracefully: no new connections, idle
// ones closed, requests in flight answered, until ctx ends; then every
// connection it still holds is closed.
func (f *FastPath) Shutdown(ctx context.Context) error {
	f.close()
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		// Wake the idle connections' reads: they see closing and end.
		f.mu.Lock()
		for fc := range f.conns {
			if fc.idle.Load() {
				fc.c.SetReadDeadline(time.Now())
			}
		}
		f.mu.Unlock()
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			f.cancel()
			f.mu.Lock()
			for fc := range f.conns {
				fc.c.Close()
			}
			f.mu.Unlock()
			<-done
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func (f *FastPath) close() {
	f.once.Do(func() {
		f.closing.Store(true)
		close(f.closed)
		f.ln.Close()
	})
}

// handoffListener yields the connections the fast path hands over.
type handoffListener struct{ f *FastPath }

func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.f.handoff:
		return c, nil
	case <-l.f.closed:
		return nil, net.ErrClosed
	}
}

func (l *handoffListener) Close() error   { l.f.close(); return nil }
func (l *handoffListener) Addr() net.Addr { return l.f.ln.Addr() }

// prefixConn is a connection handed over with the bytes the fast path
// read from it already.
type prefixConn struct {
	net.Conn
	pending []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// What parse makes of the bytes of a request.
type verdict int

const (
	needMore verdict = iota // not all of it is here yet
	answer                  // one the fast path answers
	handOver                // one for net/http
)

// fastRequest is a request the fast path answers.
type fastRequest struct {
	post       bool
	path       []byte // the target, as sent
	rest       []byte // the path below the responder's prefix
	body       []byte
	closeAfter bool
	size       int // bytes of the request, line to body
}

var (
	crlf         = []byte("\r\n")
	http11       = []byte(" HTTP/1.1")
	deadlineStep = time.Second // the idle and write deadlines are moved at most this often
)

// parse reads one request from the front of b.
func (f *FastPath) parse(b []byte) (fastRequest, verdict) {
	var r fastRequest
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		if len(b) > f.MaxHeaderBytes || bytes.IndexByte(b, '\n') >= 0 && bytes.Contains(b, []byte("\n\n")) {
			return r, handOver
		}
		return r, needMore
	}
	if end+4 > f.MaxHeaderBytes {
		return r, handOver
	}
	head := b[:end+2]
	i := bytes.Index(head, crlf)
	line := head[:i]
	head = head[i+2:]
	if bytes.IndexByte(line, '\n') >= 0 {
		return r, handOver
	}
	switch {
	case bytes.HasPrefix(line, []byte("POST /")):
		r.post, line = true, line[5:]
	case bytes.HasPrefix(line, []byte("GET /")):
		line = line[4:]
	default:
		return r, handOver
	}
	if !bytes.HasSuffix(line, http11) {
		return r, handOver
	}
	r.path = line[:len(line)-len(http11)]
	if !pathChars(r.path) {
		return r, handOver
	}
	prefix, ok := f.Route(string(r.path))
	if !ok {
		return r, handOver
	}
	r.rest = r.path[len(prefix):]
	length, hosts := -1, 0
	for len(head) > 0 {
		i := bytes.Index(head, crlf)
		line, head = head[:i], head[i+2:]
		if bytes.IndexByte(line, '\n') >= 0 || len(line) == 0 || line[0] == ' ' || line[0] == '\t' {
			return r, handOver // bare line feeds, folded lines
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(name) == 0 || !tokenChars(name) {
			return r, handOver
		}
		value = bytes.Trim(value, " \t")
		if !valueChars(value) {
			return r, handOver // net/http refuses control characters
		}
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, err := strconv.Atoi(string(value))
			if length >= 0 || err != nil || n < 0 || value[0] == '+' {
				return r, handOver
			}
			length = n
		case bytes.EqualFold(name, []byte("Host")):
			if !hostChars(value) {
				return r, handOver
			}
			hosts++
		case bytes.EqualFold(name, []byte("Connection")):
			for tok := range bytes.SplitSeq(value, []byte(",")) {
				tok = bytes.Trim(tok, " \t")
				if bytes.EqualFold(tok, []byte("close")) {
					r.closeAfter = true
				} else if bytes.EqualFold(tok, []byte("upgrade")) {
					return r, handOver
				}
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")), bytes.EqualFold(name, []byte("Expect")),
			bytes.EqualFold(name, []byte("Upgrade")), bytes.EqualFold(name, []byte("If-None-Match")):
			return r, handOver
		}
	}
	if hosts != 1 {
		return r, handOver
	}
	bodyStart := end + 4
	switch {
	case r.post && (length < 0 || length > MaxRequestSize):
		return r, handOver
	case !r.post && length > 0:
		return r, handOver
	case length < 0:
		length = 0
	}
	if len(b) < bodyStart+length {
		return r, needMore
	}
	r.body = b[bodyStart : bodyStart+length]
	r.size = bodyStart + length
	return r, answer
}

// pathChars reports whether p holds only what a URL path may, with valid
// %-escapes: the target then means to net/http what it means here.
func pathChars(p []byte) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case bytes.IndexByte([]byte("-._~!$&'()*+,;=:@/"), c) >= 0:
		case c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]):
			i += 2
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// valueChars reports whether a header value is one net/http takes: no
// control characters but tab.
func valueChars(p []byte) bool {
	for _, c := range p {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// hostChars reports whether a Host value holds only what a host and port
// may (net/http answers 400 to others).
func hostChars(p []byte) bool {
	for _, c := range p {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case bytes.IndexByte([]byte("-._~!$&'()*+,;=:[]%"), c) >= 0:
		default:
			return false
		}
	}
	return true
}

func tokenChars(p []byte) bool {
	for _, c := range p {
		if c <= ' ' || c >= 0x7f || bytes.IndexByte([]byte(`"(),/:;<=>?@[\]{}`), c) >= 0 {
			return false
		}
	}
	return true
}

// serve answers the requests of one connection until it closes, goes
// idle too long, or has a request for net/http.
func (f *FastPath) serve(fc *fastConn) {
	defer f.wg.Done()
	handed := false
	defer func() {
		f.mu.Lock()
		delete(f.conns, fc)
		f.mu.Unlock()
		if !handed {
			fc.c.Close()
		}
	}()
	remote := fc.c.RemoteAddr().String()
	if h, _, err := net.SplitHostPort(remote); err == nil {
		remote = h
	}
	buf := make([]byte, 0, 4096)
	var out []byte
	var idleSet, writeSet time.Time // when the idle and write deadlines were last moved
	for {
		var (
			req   fastRequest
			v     verdict
			begun time.Time // when the request's first bytes were waited for
		)
		for {
			if len(buf) > 0 {
				if req, v = f.parse(buf); v != needMore {
					break
				}
			}
			now := time.Now()
			if len(buf) == 0 {
				if f.closing.Load() {
					return
				}
				fc.idle.Store(true)
				if now.Sub(idleSet) > deadlineStep {
					fc.c.SetReadDeadline(now.Add(f.IdleTimeout))
					idleSet = now
				}
				if f.closing.Load() { // Shutdown may have looked before idle was set
					return
				}
			} else if begun.IsZero() {
				begun = now
				fc.c.SetReadDeadline(now.Add(f.ReadTimeout))
				idleSet = time.Time{}
			}
			if len(buf) == cap(buf) {
				// At most the largest request answered here.
				limit := f.MaxHeaderBytes + 4 + MaxRequestSize
				if cap(buf) >= limit {
					v = handOver
					break
				}
				buf = append(buf, make([]byte, min(cap(buf), limit-cap(buf)))...)[:len(buf)]
			}
			n, err := fc.c.Read(buf[len(buf):cap(buf)])
			fc.idle.Store(false)
			buf = buf[:len(buf)+n]
			if err != nil && n == 0 {
				return
			}
		}
		if v == handOver {
			fc.c.SetDeadline(time.Time{})
			c := &prefixConn{Conn: fc.c, pending: bytes.Clone(buf)}
			select {
			case f.handoff <- c:
				handed = true
			case <-f.closed:
			}
			return
		}
		start := time.Now()
		var der []byte
		if req.post {
			der = req.body
		} else {
			der = decodeGET(string(req.rest))
		}
		var resp *Response
		if der == nil {
			resp = failed(MalformedRequest, &RequestError{Msg: "the GET path is not a base64 request"})
		} else {
			resp = f.Responder.Respond(f.ctx, der)
		}
		closeAfter := req.closeAfter || f.closing.Load()
		out = f.appendResponse(out[:0], resp, start, closeAfter)
		if start.Sub(writeSet) > deadlineStep {
			fc.c.SetWriteDeadline(start.Add(f.WriteTimeout))
			writeSet = start
		}
		if f.Log != nil {
			method := "GET"
			if req.post {
				method = "POST"
			}
			f.Log(LogEntry{Start: start, Remote: remote, Method: method, Path: string(req.path), Status: 200,
				Bytes: len(resp.DER), Duration: time.Since(start), Note: noteOf(resp)})
		}
		_, err := fc.c.Write(out)
		if err != nil || closeAfter {
			return
		}
		buf = buf[:copy(buf, buf[req.size:])]
	}
}

// appendResponse appends the HTTP response of resp, with the headers
// [Responder.Handler] sends.
func (f *FastPath) appendResponse(b []byte, resp *Response, now time.Time, closeAfter bool) []byte {
	b = append(b, "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\n"...)
	if resp.Status == Successful && resp.Cacheable {
		b = append(b, "Cache-Control: max-age="...)
		b = strconv.AppendInt(b, f.Responder.maxAge(resp), 10)
		b = append(b, cacheControlTail...)
		b = append(b, "\r\nEtag: "...)
		b = append(b, resp.headers[2]...)
		b = append(b, "\r\nExpires: "...)
		b = append(b, resp.headers[1]...)
		b = append(b, "\r\nLast-Modified: "...)
		b = append(b, resp.headers[0]...)
		b = append(b, "\r\n"...)
	} else {
		b = append(b, "Cache-Control: no-store\r\n"...)
	}
	b = append(b, "Content-Length: "...)
	b = strconv.AppendInt(b, int64(len(resp.DER)), 10)
	b = append(b, "\r\n"...)
	b = append(b, f.dateOf(now)...)
	if closeAfter {
		b = append(b, "Connection: close\r\n"...)
	}
	b = append(b, "\r\n"...)
	return append(b, resp.DER...)
}

// date returns the Date header line for now, formatted once a second.
func (f *FastPath) dateOf(now time.Time) []byte {
	sec := now.Unix()
	if d := f.date.Load(); d != nil && d.sec == sec {
		return d.line
	}
	line := append([]byte("Date: "), now.UTC().Format(http.TimeFormat)...)
	line = append(line, "\r\n"...)
	f.date.Store(&dateLine{sec: sec, line: line})
	return line
}
