//go:build !linux

package main

import (
	"errors"
	"time"
)

// eventLoop is Linux's (epoll); elsewhere the goroutine clients send the load.
func eventLoop(string, int, int, [][]byte, func(i, k int, sent, answered time.Time, code int, body []byte, err error)) error {
	return errors.ErrUnsupported
}

// ceilingLoad needs Linux's epoll, as the generator's event loop does.
func ceilingLoad([]byte, [][]byte, int, int) (float64, error) {
	return 0, errors.ErrUnsupported
}
