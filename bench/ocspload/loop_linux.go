package main

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"syscall"
	"time"
)

// eventLoop sends n requests (request i is raw[i % len(raw)]) over c
// connections to addr, each with one request at a time, from one thread
// with epoll, as wrk does: on a machine the responder shares, a
// goroutine per client costs the load generator more CPU (scheduling
// and wake-ups between threads) than the responder spends answering.
// Connections are kept alive; one the server closes after its answer
// (openssl ocsp closes each) is opened again for the next request, and a
// kept one closed before answering gets its request again on a new one.
// check gets every answer, or error.
func eventLoop(addr string, c, n int, raw [][]byte, check func(i, k int, sent, answered time.Time, code int, body []byte, err error)) error {
	ta, err := net.ResolveTCPAddr("tcp4", addr)
	if err != nil {
		return err
	}
	sa := &syscall.SockaddrInet4{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To4())
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	defer syscall.Close(ep)

	type conn struct {
		fd         int
		i, k       int // the request in flight; i < 0: none
		sent       time.Time
		unsent     bool   // taken, not begun to be written
		out        []byte // what is left to write of it
		buf        []byte
		reused     bool // answered a request before
		connecting bool
	}
	conns := map[int]*conn{}
	next, done := 0, 0

	dial := func(cn *conn) error {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
		if err := syscall.Connect(fd, sa); err != nil && err != syscall.EINPROGRESS {
			syscall.Close(fd)
			return err
		}
		cn.fd, cn.connecting, cn.reused, cn.buf = fd, true, false, cn.buf[:0]
		conns[fd] = cn
		return syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fd, &syscall.EpollEvent{Events: syscall.EPOLLOUT | syscall.EPOLLIN, Fd: int32(fd)})
	}
	drop := func(cn *conn) {
		delete(conns, cn.fd)
		syscall.Close(cn.fd) // also takes it out of the epoll set
	}
	// take makes the next request cn's; false when there is none.
	take := func(cn *conn) bool {
		if next >= n {
			return false
		}
		cn.i, cn.k, cn.unsent = next, next%len(raw), true
		cn.out = raw[cn.k]
		next++
		return true
	}
	// send writes what is left of the request in flight, first taking
	// the next one when there is none; false when there is no more.
	send := func(cn *conn) (bool, error) {
		if cn.i < 0 && !take(cn) {
			return false, nil
		}
		if cn.unsent {
			cn.unsent, cn.sent = false, time.Now()
		}
		for len(cn.out) > 0 {
			w, err := syscall.Write(cn.fd, cn.out)
			if err == syscall.EAGAIN {
				return true, syscall.EpollCtl(ep, syscall.EPOLL_CTL_MOD, cn.fd, &syscall.EpollEvent{Events: syscall.EPOLLOUT | syscall.EPOLLIN, Fd: int32(cn.fd)})
			}
			if err != nil {
				return true, err
			}
			cn.out = cn.out[w:]
		}
		return true, syscall.EpollCtl(ep, syscall.EPOLL_CTL_MOD, cn.fd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(cn.fd)})
	}
	// fail ends the request in flight with err, and the connection.
	fail := func(cn *conn, err error) {
		if cn.i >= 0 {
			check(cn.i, cn.k, cn.sent, time.Now(), 0, nil, err)
			done++
			cn.i = -1
		}
		drop(cn)
	}
	// restart opens cn again, for its request in flight or the next:
	// never a connection without a request (OpenSSL 3.0's responder
	// spins on one closed before it sent any).
	restart := func(cn *conn) {
		if cn.i < 0 && !take(cn) {
			return
		}
		if err := dial(cn); err != nil {
			fail(cn, err)
		}
	}

	for range min(c, n) {
		cn := &conn{i: -1}
		take(cn)
		if err := dial(cn); err != nil {
			return err
		}
	}
	events := make([]syscall.EpollEvent, c)
	for done < n {
		if len(conns) == 0 {
			return fmt.Errorf("%d requests of %d answered, and no connection left", done, n)
		}
		m, err := syscall.EpollWait(ep, events, 30000)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if m == 0 {
			return errors.New("no answer for 30 s")
		}
		for _, ev := range events[:m] {
			cn := conns[int(ev.Fd)]
			if cn == nil {
				continue
			}
			if cn.connecting {
				if ev.Events&(syscall.EPOLLOUT|syscall.EPOLLERR|syscall.EPOLLHUP) == 0 {
					continue // an event of the descriptor's previous socket
				}
				if e, _ := syscall.GetsockoptInt(cn.fd, syscall.SOL_SOCKET, syscall.SO_ERROR); e != 0 {
					fail(cn, syscall.Errno(e))
					restart(cn)
					continue
				}
				cn.connecting = false
			}
			if len(cn.out) > 0 || cn.i < 0 {
				more, err := send(cn)
				if err != nil {
					fail(cn, err)
					restart(cn)
					continue
				}
				if !more {
					drop(cn)
					continue
				}
			}
			if ev.Events&(syscall.EPOLLIN|syscall.EPOLLHUP|syscall.EPOLLERR) == 0 {
				continue
			}
			// Read what is there; answer the request when complete.
			for {
				if len(cn.buf) == cap(cn.buf) {
					cn.buf = append(cn.buf, make([]byte, max(4096, cap(cn.buf)))...)[:len(cn.buf)]
				}
				r, err := syscall.Read(cn.fd, cn.buf[len(cn.buf):cap(cn.buf)])
				if err == syscall.EAGAIN {
					break
				}
				eof := err == nil && r == 0
				if err != nil && !eof {
					fail(cn, err)
					restart(cn)
					break
				}
				if r > 0 {
					cn.buf = cn.buf[:len(cn.buf)+r]
				}
				resp, perr := parseResponse(cn.buf, eof)
				if perr != nil {
					fail(cn, perr)
					restart(cn)
					break
				}
				if resp.size == 0 {
					if !eof {
						continue
					}
					if len(cn.buf) == 0 && cn.reused && cn.i >= 0 {
						// A kept connection the server closed: the request
						// again, on a new one.
						drop(cn)
						cn.out, cn.unsent = raw[cn.k], true
						restart(cn)
						break
					}
					fail(cn, errors.New("connection closed before the answer"))
					restart(cn)
					break
				}
				if cn.i < 0 || resp.size != len(cn.buf) {
					fail(cn, errors.New("an answer nothing was asked for"))
					restart(cn)
					break
				}
				check(cn.i, cn.k, cn.sent, time.Now(), resp.code, resp.body, nil)
				done++
				cn.i, cn.buf, cn.reused = -1, cn.buf[:0], true
				if resp.closeAfter || eof {
					drop(cn)
					restart(cn)
					break
				}
				more, err := send(cn)
				if err != nil {
					fail(cn, err)
					restart(cn)
				} else if !more {
					drop(cn)
				}
				break
			}
		}
	}
	for _, cn := range conns {
		syscall.Close(cn.fd)
	}
	return nil
}
