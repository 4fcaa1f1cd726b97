package main

import (
	"bytes"
	"fmt"
	"strconv"
)

// response is one HTTP response read from the front of a buffer.
type response struct {
	code       int
	body       []byte // within the buffer
	closeAfter bool   // the server closes the connection after it
	size       int    // bytes of the response; 0 while incomplete
}

// parseResponse reads the response at the front of b: the status line,
// the headers it needs (Content-Length, Connection) and the body. It
// reads what both responders send (HTTP/1.1 with Content-Length;
// OpenSSL's HTTP/1.0 answers, closed after), not every HTTP response. A
// response without Content-Length runs to the end of the connection:
// complete only when eof says the connection has ended.
func parseResponse(b []byte, eof bool) (response, error) {
	var r response
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		if len(b) > 64<<10 {
			return r, fmt.Errorf("response headers longer than 64 KiB")
		}
		return r, nil
	}
	head := b[:end]
	line, head, _ := bytes.Cut(head, []byte("\r\n"))
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return r, fmt.Errorf("bad status line %q", line)
	}
	r.closeAfter = line[7] == '0' // HTTP/1.0: closed after, unless kept alive
	code, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return r, fmt.Errorf("bad status line %q", line)
	}
	length := -1
	for len(head) > 0 {
		line, head, _ = bytes.Cut(head, []byte("\r\n"))
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return r, fmt.Errorf("bad header line %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 || length > 1<<20 {
				return r, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Connection")):
			if bytes.EqualFold(value, []byte("close")) {
				r.closeAfter = true
			} else if bytes.EqualFold(value, []byte("keep-alive")) {
				r.closeAfter = false
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return r, fmt.Errorf("Transfer-Encoding %q not read here", value)
		}
	}
	start := end + 4
	if length < 0 {
		if !eof {
			return r, nil
		}
		r.code, r.body, r.closeAfter, r.size = code, b[start:], true, len(b)
		return r, nil
	}
	if len(b) < start+length {
		return r, nil
	}
	r.code, r.body, r.size = code, b[start:start+length], start+length
	return r, nil
}
