package listen

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
)

// nameServer is a real Server: every connection it accepts gets one line,
// its name and the block the binding serves, read at accept time.
type nameServer struct {
	name string

	mu      sync.Mutex
	serving map[*Binding]*served
	calls   []string
}

type served struct {
	port  *Port
	block atomic.Int64
	done  chan struct{}
}

func newNameServer(name string) *nameServer {
	return &nameServer{name: name, serving: map[*Binding]*served{}}
}

func (n *nameServer) log(call string, b *Binding) {
	n.mu.Lock()
	n.calls = append(n.calls, fmt.Sprintf("%s %s %d", call, b.Want.Addr, b.Block))
	n.mu.Unlock()
}

func (n *nameServer) Serve(b *Binding, _ *conf.Config) {
	n.log("serve", b)
	sv := &served{port: b.Listener(), done: make(chan struct{})}
	sv.block.Store(int64(b.Block))
	n.mu.Lock()
	n.serving[b] = sv
	n.mu.Unlock()
	go func() {
		defer close(sv.done)
		for {
			c, err := sv.port.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "%s %d\n", n.name, sv.block.Load())
			c.Close()
		}
	}()
}

func (n *nameServer) Unserve(b *Binding) {
	n.log("unserve", b)
	n.mu.Lock()
	sv := n.serving[b]
	delete(n.serving, b)
	n.mu.Unlock()
	sv.port.Close()
	<-sv.done
}

func (n *nameServer) Keep(b *Binding, _ *conf.Config) {
	n.log("keep", b)
	n.mu.Lock()
	n.serving[b].block.Store(int64(b.Block))
	n.mu.Unlock()
}

func (n *nameServer) Closed(b *Binding) { n.log("closed", b) }

func (n *nameServer) callLog() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.calls, "; ")
}

// rig is a Set feeding an rtmp and an http nameServer.
type rig struct {
	t          *testing.T
	set        *Set
	rtmp, http *nameServer
}

func newRig(t *testing.T) *rig {
	r := &rig{t: t, rtmp: newNameServer("rtmp"), http: newNameServer("http")}
	r.set = NewSet(slog.New(slog.DiscardHandler), map[string]Server{RTMP: r.rtmp, HTTP: r.http})
	t.Cleanup(r.set.Close)
	return r
}

// apply runs a whole reload to the configuration text.
func (r *rig) apply(text string) error {
	r.t.Helper()
	cfg, err := conf.LoadBytes("t.conf", []byte(text))
	if err != nil {
		r.t.Fatal(err)
	}
	p, err := r.set.Prepare(cfg)
	if err != nil {
		return err
	}
	p.Detach()
	p.Commit()
	return nil
}

// bound returns the bound address of each live binding.
func (r *rig) bound() []string {
	var out []string
	for _, b := range r.set.live {
		out = append(out, b.Bound().String())
	}
	return out
}

// answer dials addr and returns the line its server wrote, or "refused".
func answer(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if errors.Is(err, syscall.ECONNREFUSED) {
		return "refused"
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("read from %s: %v", addr, err)
	}
	return strings.TrimSpace(line)
}

// freePort returns a TCP port that was free on both wildcards a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

func rtmpConf(listens ...string) string {
	s := "rtmp { server { "
	for _, l := range listens {
		s += "listen " + l + "; "
	}
	return s + "} }\n"
}

// TestPlanKeepsAddsAndRemoves: a kept address keeps its socket, an added
// one serves after Commit, a removed one refuses after Commit.
func TestPlanKeepsAddsAndRemoves(t *testing.T) {
	r := newRig(t)
	if err := r.apply(rtmpConf("127.0.0.1:0")); err != nil {
		t.Fatal(err)
	}
	first := r.bound()[0]
	if err := r.apply(rtmpConf("127.0.0.1:0", "127.0.0.1:0")); err != nil {
		t.Fatal(err)
	}
	both := r.bound()
	if len(both) != 2 || both[0] != first {
		t.Fatalf("bound %v, want %s kept and one more", both, first)
	}
	for _, a := range both {
		if got := answer(t, a); got != "rtmp 0" {
			t.Errorf("%s answers %q", a, got)
		}
	}
	if err := r.apply(rtmpConf("127.0.0.1:0")); err != nil {
		t.Fatal(err)
	}
	if got := answer(t, both[1]); got != "refused" {
		t.Errorf("removed %s answers %q", both[1], got)
	}
	if got := answer(t, first); got != "rtmp 0" {
		t.Errorf("kept %s answers %q", first, got)
	}
}

// TestPlanHandsOverBetweenServers: an address that moves to another rtmp
// server block, or from rtmp to http, keeps its socket: its old server
// unserves it before the swap and the new one serves it after. An http
// address that moves to another http block is kept in place (an http
// request reads its block when it arrives).
func TestPlanHandsOverBetweenServers(t *testing.T) {
	r := newRig(t)
	addr := "127.0.0.1:" + freePort(t)
	steps := []struct {
		conf, answer string
	}{
		{"rtmp { server { listen " + addr + "; } server { } }", "rtmp 0"},
		{"rtmp { server { } server { listen " + addr + "; } }", "rtmp 1"},
		{"http { server { listen " + addr + "; } server { } }", "http 0"},
		{"http { server { } server { listen " + addr + "; } }", "http 1"},
	}
	var sock *socket
	for i, st := range steps {
		if err := r.apply(st.conf); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if sock == nil {
			sock = r.set.live[0].sock
		} else if r.set.live[0].sock != sock {
			t.Fatalf("step %d: the socket was replaced", i)
		}
		if got := answer(t, addr); got != st.answer {
			t.Errorf("step %d: %s answers %q, want %q", i, addr, got, st.answer)
		}
	}
	want := "serve ADDR 0; unserve ADDR 0; serve ADDR 1; unserve ADDR 1"
	if got := r.rtmp.callLog(); got != strings.ReplaceAll(want, "ADDR", addr) {
		t.Errorf("rtmp calls: %s\nwant %s", got, want)
	}
	want = "serve ADDR 0; keep ADDR 1"
	if got := r.http.callLog(); got != strings.ReplaceAll(want, "ADDR", addr) {
		t.Errorf("http calls: %s\nwant %s", got, want)
	}
}

// TestBarePortToIPv4Wildcard: `listen PORT;` binds the dual-stack IPv6
// wildcard, which holds the IPv4 wildcard too, so a reload to
// `listen 0.0.0.0:PORT;` closes the old socket first and binds again.
// Afterwards IPv4 is served and IPv6 is not: the dual-stack socket was not
// kept for it. The way back works the same.
func TestBarePortToIPv4Wildcard(t *testing.T) {
	r := newRig(t)
	port := freePort(t)
	if err := r.apply(rtmpConf(port)); err != nil {
		t.Fatal(err)
	}
	if got := answer(t, "[::1]:"+port); got != "rtmp 0" {
		t.Fatalf("a bare port does not serve IPv6 here: %q", got)
	}
	if err := r.apply(rtmpConf("0.0.0.0:" + port)); err != nil {
		t.Fatalf("reload to 0.0.0.0:%s: %v", port, err)
	}
	if got := answer(t, "127.0.0.1:"+port); got != "rtmp 0" {
		t.Errorf("IPv4 after the reload: %q", got)
	}
	if got := answer(t, "[::1]:"+port); got != "refused" {
		t.Errorf("IPv6 still open after the reload to 0.0.0.0: %q", got)
	}
	if err := r.apply(rtmpConf(port)); err != nil {
		t.Fatalf("reload back to %s: %v", port, err)
	}
	for _, a := range []string{"127.0.0.1:" + port, "[::1]:" + port} {
		if got := answer(t, a); got != "rtmp 0" {
			t.Errorf("%s after the reload back: %q", a, got)
		}
	}
}

// TestOverlapRollback: when a reload that closed an overlapping socket
// fails later (here another address is taken), the old socket is bound
// again and served as before, IPv6 included.
func TestOverlapRollback(t *testing.T) {
	r := newRig(t)
	port := freePort(t)
	if err := r.apply(rtmpConf(port)); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	err = r.apply(rtmpConf("0.0.0.0:"+port, busy.Addr().String()))
	if !errors.Is(err, syscall.EADDRINUSE) || !strings.Contains(err.Error(), "listen "+busy.Addr().String()+" in t.conf:1") {
		t.Fatalf("reload error: %v", err)
	}
	for _, a := range []string{"127.0.0.1:" + port, "[::1]:" + port} {
		if got := answer(t, a); got != "rtmp 0" {
			t.Errorf("%s after the failed reload: %q", a, got)
		}
	}
	if n := len(r.set.live); n != 1 {
		t.Errorf("%d live bindings after the failed reload, want 1", n)
	}
}

// TestKeptOverlapStillFails: an overlapping address that the new
// configuration keeps is a real conflict: the reload fails and nothing
// changes.
func TestKeptOverlapStillFails(t *testing.T) {
	r := newRig(t)
	port := freePort(t)
	if err := r.apply(rtmpConf(port)); err != nil {
		t.Fatal(err)
	}
	err := r.apply(rtmpConf(port, "0.0.0.0:"+port))
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("reload error: %v", err)
	}
	if got := answer(t, "[::1]:"+port); got != "rtmp 0" {
		t.Errorf("IPv6 after the failed reload: %q", got)
	}
}

func TestOverlaps(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{":1935", "0.0.0.0:1935", true},
		{"0.0.0.0:1935", ":1935", true},
		{":1935", "127.0.0.1:1935", true},
		{"[::]:1935", "[::1]:1935", true},
		{"127.0.0.1:1935", "127.0.0.1:1935", true},
		{"127.0.0.1:1935", "127.0.0.2:1935", false},
		{":1935", ":1936", false},
		{":0", "0.0.0.0:0", false},
	} {
		if got := overlaps(tt.a, tt.b); got != tt.want {
			t.Errorf("overlaps(%s, %s) = %v", tt.a, tt.b, got)
		}
	}
}
