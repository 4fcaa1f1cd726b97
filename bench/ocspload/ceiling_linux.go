package main

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

// ceilingServer answers every HTTP/1.1 request on a keep-alive
// connection with the same prepared response, from one thread with
// epoll: one read and one write per request, no parsing beyond the
// request's length, no lookup, no signature. It is the cheapest
// responder this machine can run, so that the load it sustains under
// ocspload's generator is the most any responder can show here.
// It returns the address it listens on; it serves until the process ends.
func ceilingServer(response []byte) (string, error) {
	ln, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return "", err
	}
	syscall.SetsockoptInt(ln, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	if err := syscall.Bind(ln, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return "", err
	}
	if err := syscall.Listen(ln, 1024); err != nil {
		return "", err
	}
	sa, err := syscall.Getsockname(ln)
	if err != nil {
		return "", err
	}
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return "", err
	}
	if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, ln, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(ln)}); err != nil {
		return "", err
	}
	go func() {
		runtime.LockOSThread()
		bufs := map[int][]byte{}
		events := make([]syscall.EpollEvent, 128)
		scratch := make([]byte, 64<<10)
		for {
			k, err := syscall.EpollWait(ep, events, -1)
			if err != nil {
				continue // EINTR
			}
			for _, ev := range events[:k] {
				fd := int(ev.Fd)
				if fd == ln {
					for {
						c, _, err := syscall.Accept4(ln, syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
						if err != nil {
							break
						}
						syscall.SetsockoptInt(c, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
						syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, c, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(c)})
						bufs[c] = nil
					}
					continue
				}
				n, err := syscall.Read(fd, scratch)
				if n <= 0 {
					if err == syscall.EAGAIN {
						continue
					}
					delete(bufs, fd)
					syscall.Close(fd)
					continue
				}
				buf := append(bufs[fd], scratch[:n]...)
				for {
					size := requestSize(buf)
					if size == 0 || size > len(buf) {
						break
					}
					// The answer is far below the socket buffer: one write.
					syscall.Write(fd, response)
					buf = buf[size:]
				}
				bufs[fd] = append(buf[:0:0], buf...)
			}
		}
	}()
	return fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port), nil
}

// requestSize is the length of the first whole request in buf (its head
// and a Content-Length body), 0 when its head is not all there.
func requestSize(buf []byte) int {
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 {
		return 0
	}
	head := buf[:end]
	length := 0
	for _, line := range bytes.Split(head, []byte("\r\n")) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(bytes.TrimSpace(name), []byte("Content-Length")) {
			length, _ = strconv.Atoi(string(bytes.TrimSpace(value)))
		}
	}
	return end + 4 + length
}

// ceilingLoad drives ceilingServer, answering every request with body,
// with the same generator (eventLoop) and load as a responder's run, and
// returns the requests per second.
func ceilingLoad(body []byte, raw [][]byte, c, n int) (float64, error) {
	response := append([]byte(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: %d\r\n\r\n", len(body))), body...)
	addr, err := ceilingServer(response) // listening when it returns
	if err != nil {
		return 0, err
	}
	var bad int
	start := time.Now()
	err = eventLoop(addr, c, n, raw, func(i, k int, sent, answered time.Time, code int, got []byte, err error) {
		if err != nil || code != 200 || !bytes.Equal(got, body) {
			bad++
		}
	})
	if err != nil {
		return 0, err
	}
	if bad > 0 {
		return 0, errors.New("the ceiling responder's answers came back wrong")
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
