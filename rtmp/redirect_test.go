package rtmp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	avcSeq = []byte{0x17, 0, 0, 0, 0, 1, 100, 0, 31, 0xff}
	avcKey = []byte{0x17, 1, 0, 0, 0, 0x65}
)

// nameLog records, per frame, the stream name the session publishes
// while OnAV runs: media must follow the redirect.
type nameLog struct {
	mu    sync.Mutex
	names []string
}

func (n *nameLog) onAV(s *Session, f *Frame) {
	n.mu.Lock()
	n.names = append(n.names, s.Publish().Name)
	n.mu.Unlock()
}

func (n *nameLog) get() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.names)
}

func TestRedirect(t *testing.T) {
	ev := newEventLog()
	names := &nameLog{}
	mods := []Module{
		&testModule{name: "a", log: ev},
		&testModule{name: "c", log: ev, noPublish: true},
		&testModule{name: "b", log: ev, keepAV: true, onAV: names.onAV},
	}
	ts := startServer(t, testConfig("live"), Options{Modules: mods})
	c, id := publishClient(t, ts.addr, "live", "cam1?k=v")
	sess := ts.Registry().Lookup("live", "cam1")
	for i, b := range [][]byte{avcSeq, avcKey} {
		if err := c.WriteMedia(TypeVideo, id, uint64(40*i), b); err != nil {
			t.Fatal(err)
		}
	}
	ev.waitFor(t, "two frames", func([]string) bool { return len(ev.framesOf("b")) == 2 })
	before := sess.BytesIn()

	if err := sess.Redirect(testCtx(t), "cam2"); err != nil {
		t.Fatalf("Redirect: %v", err)
	}
	// Redirect returned: everything below already happened.
	lines := ev.snapshot()
	want := []string{
		"a:publish cam1 args=k=v type=live",
		"b:publish cam1 args=k=v type=live",
		"b:close redirect", "c:close redirect", "a:close redirect",
		"a:publish cam2 args=k=v type=live", // no ?args in newname: the old ones stay
		"b:publish cam2 args=k=v type=live",
	}
	if got := lines[len(lines)-len(want):]; !slices.Equal(got, want) {
		t.Errorf("events:\n%s\nwant them to end with:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if ts.Registry().Lookup("live", "cam2") != sess || ts.Registry().Lookup("live", "cam1") != nil {
		t.Error("registry does not hold the new name only")
	}
	if p := sess.Publish(); p.Name != "cam2" || p.OriginalName != "cam2" || p.Args != "k=v" || p.Type != "live" {
		t.Errorf("publish after redirect: %+v", p)
	}
	if v := sess.Codec().Video(); v == nil || v.Header == nil {
		t.Error("codec state lost: new recordings would start without sequence headers")
	}
	waitStatus(t, c, "NetStream.Unpublish.Success")
	if st := nextStatus(t, c); st.Code != "NetStream.Publish.Start" || st.StreamID != id {
		t.Errorf("status after Unpublish.Success: %+v, want NetStream.Publish.Start on stream %d", st, id)
	}

	if err := c.WriteMedia(TypeVideo, id, 80, avcKey); err != nil {
		t.Fatal(err)
	}
	ev.waitFor(t, "the third frame", func([]string) bool { return len(ev.framesOf("b")) == 3 })
	if got := names.get(); !slices.Equal(got, []string{"cam1", "cam1", "cam2"}) {
		t.Errorf("frames arrived under %q, want cam1 cam1 cam2", got)
	}
	if sess.BytesIn() <= before {
		t.Errorf("BytesIn %d after more media, was %d", sess.BytesIn(), before)
	}

	// A ?args part replaces the args.
	if err := sess.Redirect(testCtx(t), "cam3?x=1"); err != nil {
		t.Fatal(err)
	}
	ev.waitLine(t, "b:publish cam3 args=x=1 type=live")
	c.Close()
	lines = ev.waitLine(t, "a:close disconnect")
	for _, m := range []string{"a", "b", "c"} {
		if n := count(lines, m+":close redirect"); n != 2 {
			t.Errorf("%s: %d closes with redirect, want 2", m, n)
		}
		if n := count(lines, m+":close disconnect"); n != 1 {
			t.Errorf("%s: %d closes with disconnect, want 1", m, n)
		}
	}
}

func TestRedirectRefusals(t *testing.T) {
	ev := newEventLog()
	// "b" renames cam9 to cam2, which is taken: detected only after the
	// old publish ended.
	rename := func(p *Publish) error {
		if p.Name == "cam9" {
			p.Name = "cam2"
		}
		return nil
	}
	mods := []Module{&testModule{name: "a", log: ev}, &testModule{name: "b", log: ev, publishOK: rename}}
	ts := startServer(t, testConfig("live"), Options{Modules: mods})
	c1, id := publishClient(t, ts.addr, "live", "cam1")
	publishClient(t, ts.addr, "live", "cam2")
	s1 := ts.Registry().Lookup("live", "cam1")
	n := len(ev.snapshot())

	for _, tt := range []struct {
		name string
		want error
		text string
	}{
		{"cam2", ErrNameTaken, "redirect cam1 to cam2: already publishing"},
		{"", nil, `bad stream name ""`},
		{"?a=b", nil, `bad stream name ""`},
		{strings.Repeat("x", 256), nil, "bad stream name"},
	} {
		err := s1.Redirect(testCtx(t), tt.name)
		if err == nil || tt.want != nil && !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("Redirect(%.10q) = %v, want %v containing %q", tt.name, err, tt.want, tt.text)
		}
	}
	// Nothing changed: same publish, no hook called.
	if got := ev.snapshot(); len(got) != n || ts.Registry().Lookup("live", "cam1") != s1 || s1.Publish().Name != "cam1" {
		t.Fatalf("a refused redirect changed something: events %q, publish %+v", got[n:], s1.Publish())
	}

	// Taken after the hooks' rename: as nginx-rtmp, the old publish is
	// over and the client is told BadName, but stays connected.
	if err := s1.Redirect(testCtx(t), "cam9"); !errors.Is(err, ErrNameTaken) {
		t.Fatalf("Redirect to a name a hook renames to a taken one: %v, want ErrNameTaken", err)
	}
	want := []string{"b:close redirect", "a:close redirect", "a:publish cam9 args= type=live",
		"b:publish cam9 args= type=live", "b:close unpublish", "a:close unpublish"}
	if got := ev.snapshot()[n:]; !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
	if s1.Publish() != nil || ts.Registry().Lookup("live", "cam1") != nil {
		t.Error("the session still publishes")
	}
	waitStatus(t, c1, "NetStream.Publish.BadName")
	if err := s1.Redirect(testCtx(t), "cam5"); !errors.Is(err, ErrNotPublishing) {
		t.Errorf("Redirect of a session not publishing: %v, want ErrNotPublishing", err)
	}
	// The client may publish again on its stream.
	if st, err := c1.Publish(testCtx(t), id, "cam1", "live"); err != nil || st.Code != "NetStream.Publish.Start" {
		t.Fatalf("publish after BadName: %v %v", st, err)
	}
}

func TestRedirectDenied(t *testing.T) {
	ev := newEventLog()
	deny := func(p *Publish) error {
		if p.Name == "nope" {
			return errors.New("not you")
		}
		return nil
	}
	mods := []Module{&testModule{name: "a", log: ev}, &testModule{name: "b", log: ev, publishOK: deny}}
	ts := startServer(t, testConfig("live"), Options{Modules: mods})
	c, _ := publishClient(t, ts.addr, "live", "cam1")
	s := ts.Registry().Lookup("live", "cam1")
	err := s.Redirect(testCtx(t), "nope")
	if !errors.Is(err, ErrPublishRefused) || !strings.Contains(err.Error(), "not you") {
		t.Fatalf("Redirect refused by a hook: %v", err)
	}
	waitStatus(t, c, "NetStream.Publish.Denied")
	waitDone(t, c)
	waitSessions(t, ts, 0)
	want := []string{"a:publish cam1 args= type=live", "b:publish cam1 args= type=live",
		"b:close redirect", "a:close redirect", "a:publish nope args= type=live",
		"b:publish nope args= type=live", "a:close drop"}
	if got := ev.snapshot()[4:]; !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
}

// TestRedirectRacesDisconnect redirects while the client goes away: each
// publish gets exactly one OnClose per hook, whichever side wins.
func TestRedirectRacesDisconnect(t *testing.T) {
	ev := newEventLog()
	mods := []Module{&testModule{name: "a", log: ev}, &testModule{name: "c", log: ev, noPublish: true}}
	ts := startServer(t, testConfig("live"), Options{Modules: mods})
	for i := range 20 {
		name := fmt.Sprintf("r%d", i)
		c, _ := publishClient(t, ts.addr, "live", name)
		s := ts.Registry().Lookup("live", name)
		errc := make(chan error, 1)
		go func() { errc <- s.Redirect(testCtx(t), name+"x") }()
		if i%2 == 0 {
			c.Close()
		} else {
			s.Drop(CloseDrop)
		}
		if err := <-errc; err != nil && !errors.Is(err, ErrNotPublishing) {
			t.Errorf("%s: Redirect: %v", name, err)
		}
		waitSessions(t, ts, 0)
	}
	lines := ev.snapshot()
	var pubs, closesA, closesC int
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "a:publish "):
			pubs++
		case strings.HasPrefix(l, "a:close "):
			closesA++
		case strings.HasPrefix(l, "c:close "):
			closesC++
		}
	}
	if pubs < 20 || closesA != pubs || closesC != pubs {
		t.Errorf("%d publishes, %d and %d closes: each publish must close exactly once\n%s",
			pubs, closesA, closesC, strings.Join(lines, "\n"))
	}
}

// TestRedirectContext gives up on a session whose goroutine is busy: the
// redirect is withdrawn and never runs.
func TestRedirectContext(t *testing.T) {
	ev := newEventLog()
	block, release := make(chan struct{}), make(chan struct{})
	busy := func(s *Session, f *Frame) {
		close(block)
		<-release
	}
	mods := []Module{&testModule{name: "a", log: ev, onAV: busy}}
	ts := startServer(t, testConfig("live"), Options{Modules: mods})
	c, id := publishClient(t, ts.addr, "live", "cam1")
	s := ts.Registry().Lookup("live", "cam1")
	if err := c.WriteMedia(TypeVideo, id, 0, avcKey); err != nil {
		t.Fatal(err)
	}
	<-block
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Redirect(ctx, "cam2"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Redirect on a busy session: %v, want DeadlineExceeded", err)
	}
	close(release)
	// The session goes on under its old name.
	if _, err := c.Call(testCtx(t), "releaseStream", "x"); err != nil {
		t.Fatal(err)
	}
	if s.Publish().Name != "cam1" || slices.Contains(ev.snapshot(), "a:close redirect") {
		t.Errorf("withdrawn redirect ran: %q", ev.snapshot())
	}
}

// TestBytesIn counts the raw bytes read from the socket, per session and
// for the registry, which keeps the bytes of closed sessions.
func TestBytesIn(t *testing.T) {
	ev := newEventLog()
	cm := &countModule{signal: make(chan struct{}, 1), ev: ev}
	cm.every.Store(1)
	ts := startServer(t, testConfig("live"), Options{Modules: []Module{&testModule{name: "mark", log: ev}, cm}})
	r := publishRaw(t, ts, ev, "bytes")
	s := waitPublisher(t, ts, "live", "bytes")
	msg := encodedVideo(128) // the client did not announce a chunk size
	before, total := s.BytesIn(), ts.Registry().BytesIn()
	if before < 1+2*1536 { // C0, C1, C2
		t.Fatalf("BytesIn %d does not include the handshake", before)
	}
	if _, err := r.Write(msg); err != nil {
		t.Fatal(err)
	}
	<-cm.signal
	if got := s.BytesIn() - before; got != uint64(len(msg)) {
		t.Errorf("BytesIn grew by %d for a message of %d bytes", got, len(msg))
	}
	if got := ts.Registry().BytesIn() - total; got != uint64(len(msg)) {
		t.Errorf("Registry.BytesIn grew by %d, want %d", got, len(msg))
	}
	final := s.BytesIn()
	r.Close()
	waitSessions(t, ts, 0)
	if got := ts.Registry().BytesIn(); got < final {
		t.Errorf("Registry.BytesIn %d after the session left, want at least %d", got, final)
	}
}

// waitPublisher polls until app/name is registered and returns its session.
func waitPublisher(t *testing.T, ts *testServer, app, name string) *Session {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if s := ts.Registry().Lookup(app, name); s != nil {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/%s not registered", app, name)
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline, not synchronising
	}
}

// TestPublishPanic: a hook that panics in OnPublish refuses the publish,
// on a publish command or a redirect alike; the hooks that accepted it
// get their OnClose, and Redirect returns.
func TestPublishPanic(t *testing.T) {
	ev := newEventLog()
	boom := func(p *Publish) error {
		if p.Name == "boom" {
			panic("boom")
		}
		return nil
	}
	mods := []Module{&testModule{name: "a", log: ev}, &testModule{name: "b", log: ev, publishOK: boom}}
	ts := startServer(t, testConfig("live"), Options{Modules: mods})
	c, _ := publishClient(t, ts.addr, "live", "cam1")
	s := ts.Registry().Lookup("live", "cam1")
	err := s.Redirect(testCtx(t), "boom")
	if !errors.Is(err, ErrPublishRefused) || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("Redirect with a panicking hook: %v", err)
	}
	waitDone(t, c)
	waitSessions(t, ts, 0)
	want := []string{"b:close redirect", "a:close redirect", "a:publish boom args= type=live",
		"b:publish boom args= type=live", "a:close drop"}
	if got := ev.snapshot()[6:]; !slices.Equal(got, want) {
		t.Errorf("events after the redirect %q, want %q", got, want)
	}

	c = dialClient(t, ts.addr, "live")
	id, err := c.CreateStream(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if st, err := c.Publish(testCtx(t), id, "boom", "live"); err == nil || st == nil || st.Code != "NetStream.Publish.Denied" {
		t.Errorf("publish with a panicking hook: %+v %v, want NetStream.Publish.Denied", st, err)
	}
	waitDone(t, c)
	if lines := ev.snapshot(); count(lines, "a:close drop") != 2 {
		t.Errorf("the accepting hook's OnClose is missing: %q", lines)
	}
	if n := len(ts.logs.matching(slog.LevelError, "OnPublish panicked", "module=b")); n != 2 {
		t.Errorf("%d panic records, want 2", n)
	}
}
