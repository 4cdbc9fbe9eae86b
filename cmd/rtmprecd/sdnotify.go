package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// notifier speaks systemd's sd_notify protocol (Type=notify units): one
// datagram per state change on the unix socket named by NOTIFY_SOCKET.
// It is written in Go rather than through libsystemd so that the binary
// stays static (CGO_ENABLED=0). Without NOTIFY_SOCKET (not started by
// systemd) every call does nothing. Safe for concurrent use.
type notifier struct {
	addr string // socket path, or "@name" for an abstract socket
	log  *slog.Logger

	mu     sync.Mutex
	failed bool // the first failure was logged; later ones are not
}

// newNotifier reads NOTIFY_SOCKET and removes it from the environment, as
// sd_notify(unset_environment=1) does, so that exec_* children cannot
// report on the daemon's behalf (systemd would reject them anyway with
// the default NotifyAccess=main).
func newNotifier(log *slog.Logger) *notifier {
	addr := os.Getenv("NOTIFY_SOCKET")
	os.Unsetenv("NOTIFY_SOCKET")
	return &notifier{addr: addr, log: log}
}

// ready tells systemd that the daemon serves (after start or a reload).
func (n *notifier) ready() { n.send("READY=1\nSTATUS=serving") }

// reloading tells systemd that a reload began. MONOTONIC_USEC is the form
// systemd 253 and later require for Type=notify-reload; older versions
// ignore it.
func (n *notifier) reloading() {
	n.send(fmt.Sprintf("RELOADING=1\nSTATUS=reloading configuration\nMONOTONIC_USEC=%d", monotonicUsec()))
}

// stopping tells systemd that shutdown began, so that a stop it did not
// ask for (SIGTERM from elsewhere) is not taken for a crash.
func (n *notifier) stopping() { n.send("STOPPING=1\nSTATUS=finishing recordings") }

// send writes one datagram. Failures are logged once: systemd then
// believes the daemon is still starting and times out, which says more
// than a log line repeated at every reload.
func (n *notifier) send(state string) {
	if n == nil || n.addr == "" {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	err := n.write(state)
	if err != nil && !n.failed {
		n.failed = true
		n.log.Warn("sd_notify failed", "socket", n.addr, "state", firstLine(state), "err", err)
	}
}

// write sends one datagram on a socket of its own, as libsystemd does:
// a connection kept open would go stale when systemd re-executes itself
// and binds the socket anew.
func (n *notifier) write(state string) error {
	// Go maps a leading '@' to the abstract namespace (a NUL byte), which
	// is how systemd names abstract notify sockets.
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: n.addr, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("sd_notify: dial %s: %w", n.addr, err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(state)); err != nil {
		return fmt.Errorf("sd_notify: %w", err)
	}
	return nil
}

// monotonicUsec is CLOCK_MONOTONIC in microseconds, the clock systemd
// compares MONOTONIC_USEC with.
func monotonicUsec() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0
	}
	return ts.Sec*1e6 + ts.Nsec/1e3
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
