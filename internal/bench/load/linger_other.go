//go:build !linux

package load

import (
	"net"
	"time"
)

// linger is a no-op outside Linux: the connection closes when go-rtmp
// closes it, and a server may lose the last unread bytes to a reset.
type linger struct{}

func (l *linger) dialer(timeout time.Duration) *net.Dialer { return &net.Dialer{Timeout: timeout} }
func (l *linger) finish(time.Duration) error               { return nil }
func (l *linger) release()                                 {}
