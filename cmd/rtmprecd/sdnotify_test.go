package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/testserver"
)

// notifySocket is a fake systemd: a unixgram socket collecting sd_notify
// datagrams.
type notifySocket struct {
	t    *testing.T
	addr string
	msgs chan string
}

// listenNotify listens on name (a path, or "@name" for the abstract
// namespace).
func listenNotify(t *testing.T, name string) *notifySocket {
	t.Helper()
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ns := &notifySocket{t: t, addr: name, msgs: make(chan string, 16)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if err != nil {
				close(ns.msgs)
				return
			}
			ns.msgs <- string(buf[:n])
		}
	}()
	return ns
}

// next returns the next datagram's fields (KEY=VALUE lines).
func (ns *notifySocket) next() map[string]string {
	ns.t.Helper()
	select {
	case m, ok := <-ns.msgs:
		if !ok {
			ns.t.Fatal("notify socket closed")
		}
		fields := map[string]string{}
		for line := range strings.SplitSeq(m, "\n") {
			k, v, _ := strings.Cut(line, "=")
			fields[k] = v
		}
		return fields
	case <-time.After(30 * time.Second):
		ns.t.Fatal("no sd_notify message within 30s")
		return nil
	}
}

// expect reads the next datagram and checks that it sets key to "1".
func (ns *notifySocket) expect(key string) map[string]string {
	ns.t.Helper()
	f := ns.next()
	if f[key] != "1" {
		ns.t.Fatalf("sd_notify message %v, want %s=1", f, key)
	}
	return f
}

// TestNotifier sends each state to a path socket and to an abstract one,
// and checks RELOADING's MONOTONIC_USEC against CLOCK_MONOTONIC.
func TestNotifier(t *testing.T) {
	for _, tc := range []struct{ name, addr string }{
		{"path", filepath.Join(t.TempDir(), "notify.sock")},
		{"abstract", fmt.Sprintf("@rtmprecd-test-%d-%d", os.Getpid(), time.Now().UnixNano())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := listenNotify(t, tc.addr)
			n := &notifier{addr: tc.addr, log: slog.New(slog.DiscardHandler)}

			n.ready()
			ns.expect("READY")
			before := monotonicUsec()
			n.reloading()
			f := ns.expect("RELOADING")
			usec, err := strconv.ParseInt(f["MONOTONIC_USEC"], 10, 64)
			if err != nil || usec < before || usec > monotonicUsec() {
				t.Errorf("MONOTONIC_USEC=%q, want a CLOCK_MONOTONIC time in µs after %d", f["MONOTONIC_USEC"], before)
			}
			n.ready()
			ns.expect("READY")
			n.stopping()
			ns.expect("STOPPING")
		})
	}
}

// TestNotifierEnvironment: NOTIFY_SOCKET is taken out of the environment
// (exec_* children must not inherit it), and without it nothing is sent.
func TestNotifierEnvironment(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "@somewhere")
	n := newNotifier(slog.New(slog.DiscardHandler))
	if n.addr != "@somewhere" {
		t.Errorf("addr = %q", n.addr)
	}
	if v, ok := os.LookupEnv("NOTIFY_SOCKET"); ok {
		t.Errorf("NOTIFY_SOCKET still set to %q", v)
	}

	logs := &testserver.LogBuffer{}
	quiet := newNotifier(slog.New(slog.NewTextHandler(logs, nil)))
	quiet.ready() // no socket: nothing to send, nothing to fail
	if quiet.failed || logs.String() != "" {
		t.Errorf("notifier without NOTIFY_SOCKET tried to send: %s", logs)
	}
	var nilNotifier *notifier
	nilNotifier.ready()
}

// TestNotifierUnreachable: a socket nobody listens on is logged once.
func TestNotifierUnreachable(t *testing.T) {
	logs := &testserver.LogBuffer{}
	n := &notifier{addr: filepath.Join(t.TempDir(), "none.sock"), log: slog.New(slog.NewTextHandler(logs, nil))}
	n.ready()
	n.stopping()
	if c := strings.Count(logs.String(), "sd_notify failed"); c != 1 {
		t.Errorf("%d failure lines, want 1:\n%s", c, logs)
	}
}

// TestDaemonSdNotify runs the built binary as systemd would (Type=notify)
// and checks the messages in order: READY=1 once the RTMP listener
// accepts, RELOADING=1 then READY=1 across SIGHUP (a failed reload too),
// and STOPPING=1 at SIGTERM.
func TestDaemonSdNotify(t *testing.T) {
	ns := listenNotify(t, filepath.Join(t.TempDir(), "notify.sock"))
	t.Setenv("NOTIFY_SOCKET", ns.addr)
	d := startDaemon(t, recordConf(t.TempDir()))

	ns.expect("READY")
	if refused(d.addr) {
		t.Fatalf("READY=1 sent but %s refuses connections", d.addr)
	}

	d.signal(t, syscall.SIGHUP)
	if f := ns.expect("RELOADING"); f["MONOTONIC_USEC"] == "" {
		t.Errorf("RELOADING without MONOTONIC_USEC: %v", f)
	}
	ns.expect("READY")
	d.waitLog(t, "configuration unchanged", 1)

	d.rewrite(t, "rtmp { broken")
	d.signal(t, syscall.SIGHUP)
	ns.expect("RELOADING")
	ns.expect("READY") // the old configuration still runs
	d.waitLog(t, "configuration reload failed", 1)

	d.signal(t, syscall.SIGTERM)
	ns.expect("STOPPING")
	if code := d.wait(t); code != 0 {
		t.Fatalf("exit code %d\n%s", code, d.log())
	}
	select {
	case m, ok := <-ns.msgs:
		if ok {
			t.Errorf("message after STOPPING=1: %q", m)
		}
	default:
	}
}

// TestUnitVerifies runs `systemd-analyze verify` on dist/rtmprecd.service
// with ExecStart pointing at the built binary (verify checks that it is
// executable). Skipped where systemd-analyze is missing.
func TestUnitVerifies(t *testing.T) {
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	unit, err := os.ReadFile("../../dist/rtmprecd.service")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(unit), "/usr/local/bin/rtmprecd", daemonBinary(t))
	for _, want := range []string{"Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "ProtectSystem=strict",
		"ReadWritePaths=/var/lib/rtmprecd /var/log/rtmprecd", "NoNewPrivileges=yes", "PrivateTmp=yes",
		"ProtectHome=yes", "User=rtmprecd"} {
		if !strings.Contains(text, "\n"+want+"\n") {
			t.Errorf("unit lacks %q", want)
		}
	}
	path := filepath.Join(t.TempDir(), "rtmprecd.service")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, "verify", "--man=no", path).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}
