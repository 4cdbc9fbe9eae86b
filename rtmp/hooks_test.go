package rtmp

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
	"github.com/rtmprecd/rtmprecd/rtmp/client"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// dialClient connects our test client and sends connect to app.
func dialClient(t *testing.T, addr, app string) *client.Conn {
	t.Helper()
	c, err := client.Dial(testCtx(t), addr, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Connect(testCtx(t), app, "rtmp://"+addr+"/"+app, nil); err != nil {
		t.Fatalf("connect %s: %v", app, err)
	}
	return c
}

// publishClient connects, creates a stream and publishes name as ffmpeg
// does, requiring NetStream.Publish.Start.
func publishClient(t *testing.T, addr, app, name string) (*client.Conn, uint32) {
	t.Helper()
	c := dialClient(t, addr, app)
	c.ReleaseStream(name)
	c.FCPublish(name)
	id, err := c.CreateStream(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Publish(testCtx(t), id, name, "live")
	if err != nil {
		t.Fatalf("publish %s: %v", name, err)
	}
	if st.Level != "status" || st.StreamID != id {
		t.Errorf("publish status %+v", st)
	}
	return c, id
}

// nextStatus returns the next onStatus, failing after 10 s.
func nextStatus(t *testing.T, c *client.Conn) client.Status {
	t.Helper()
	select {
	case st, ok := <-c.Statuses():
		if !ok {
			t.Fatalf("connection closed (%v) before an onStatus", c.Err())
		}
		return st
	case <-time.After(10 * time.Second):
		t.Fatal("no onStatus in 10 s")
	}
	return client.Status{}
}

// waitStatus skips statuses until one with code arrives.
func waitStatus(t *testing.T, c *client.Conn, code string) client.Status {
	t.Helper()
	for {
		if st := nextStatus(t, c); st.Code == code {
			return st
		}
	}
}

func waitDone(t *testing.T, c *client.Conn) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("server did not close the connection")
	}
}

func TestHookOrderAndRename(t *testing.T) {
	ev := newEventLog()
	rename := func(p *Publish) error { p.Name += "_r"; return nil }
	mods := []Module{
		&testModule{name: "a", log: ev},
		&testModule{name: "b", log: ev, publishOK: rename},
		&testModule{name: "c", log: ev, noPublish: true},
		&testModule{name: "n", log: ev, noHook: true},
		&testModule{name: "d", log: ev},
	}
	ts := startServer(t, testConfig("live"), Options{Modules: mods})
	c, _ := publishClient(t, ts.addr, "live", "cam?k=v")
	if ts.Registry().Lookup("live", "cam_r") == nil || ts.Registry().Lookup("live", "cam") != nil {
		t.Error("registry does not hold the renamed stream only")
	}
	c.Close()
	lines := ev.waitLine(t, "a:close disconnect")
	want := []string{
		"a:hook live", "b:hook live", "c:hook live", "n:hook live", "d:hook live",
		"a:connect live args=", "b:connect live args=", "c:connect live args=", "d:connect live args=",
		"a:publish cam args=k=v type=live", "b:publish cam args=k=v type=live", "d:publish cam_r args=k=v type=live",
		"d:close disconnect", "c:close disconnect", "b:close disconnect", "a:close disconnect",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestPublishVeto(t *testing.T) {
	ev := newEventLog()
	deny := func(p *Publish) error { return errors.New("not allowed") }
	mods := []Module{
		&testModule{name: "a", log: ev},
		&testModule{name: "c", log: ev, noPublish: true},
		&testModule{name: "b", log: ev, publishOK: deny},
		&testModule{name: "d", log: ev},
	}
	ts := startServer(t, testConfig("live"), Options{Modules: mods})
	r := dialRaw(t, ts.addr, true)
	r.command(t, 0, "connect", 1, amf.Object{{Key: "app", Value: "live"}})
	r.command(t, 0, "createStream", 2, nil)
	r.command(t, 1, "publish", 3, nil, "cam", "live")
	cmds := commandsUntilClosed(t, r)
	last := cmds[len(cmds)-1]
	if len(cmds) != 3 || last[0] != "onStatus" || info(last).String("code") != "NetStream.Publish.Denied" || info(last).String("level") != "error" {
		t.Fatalf("replies %v; want connect and createStream results, then NetStream.Publish.Denied", cmds)
	}
	waitSessions(t, ts, 0)
	lines := ev.snapshot()
	want := []string{"a:hook live", "c:hook live", "b:hook live", "d:hook live",
		"a:connect live args=", "c:connect live args=", "b:connect live args=", "d:connect live args=",
		"a:publish cam args= type=live", "b:publish cam args= type=live", "a:close drop"}
	if !slices.Equal(lines, want) {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if ts.Registry().Lookup("live", "cam") != nil {
		t.Error("vetoed stream is registered")
	}
}

func TestConnectRefused(t *testing.T) {
	ev := newEventLog()
	deny := func(c *Connect) error {
		if c.Args == "deny=1" {
			return errors.New("denied")
		}
		return nil
	}
	mods := []Module{&testModule{name: "a", log: ev}, &testModule{name: "b", log: ev, connectOK: deny}, &testModule{name: "c", log: ev}}
	ts := startServer(t, testConfig("live"), Options{Modules: mods})
	for _, tt := range []struct{ app, events string }{
		{"nosuchapp", ""},
		{"live?deny=1", "a:hook live,b:hook live,c:hook live,a:connect live args=deny=1,b:connect live args=deny=1"},
	} {
		ev.mu.Lock()
		ev.lines = nil
		ev.mu.Unlock()
		// Raw reads: the reply must arrive before the server closes.
		r := dialRaw(t, ts.addr, true)
		r.command(t, 0, "connect", 1, amf.Object{{Key: "app", Value: tt.app}})
		cmds := commandsUntilClosed(t, r)
		if len(cmds) != 1 || cmds[0][0] != "_error" || info(cmds[0]).String("code") != "NetConnection.Connect.Rejected" {
			t.Errorf("connect %s: replies %v; want one _error NetConnection.Connect.Rejected", tt.app, cmds)
		}
		waitSessions(t, ts, 0)
		if got := strings.Join(ev.snapshot(), ","); got != tt.events {
			t.Errorf("connect %s: events %q, want %q", tt.app, got, tt.events)
		}
	}
	if n := len(ts.logs.matching(slog.LevelInfo, "connect refused")); n != 2 {
		t.Errorf("%d connect refused records, want 2: %q", n, ts.logs.all())
	}
}

// commandsUntilClosed decodes every command message the server sends on
// a raw connection until it closes it.
func commandsUntilClosed(t *testing.T, r *rawConn) [][]any {
	t.Helper()
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	rd := chunk.NewReader(r.Conn, 0)
	var out [][]any
	for {
		m, err := rd.ReadMessage()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("server did not close the connection")
			}
			return out
		}
		if m.Type == chunk.TypeCommandAMF0 {
			vals, err := amf.Decode(m.Payload, amf.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, vals)
		}
	}
}

// info is the last object of a command.
func info(vals []any) amf.Object {
	for i := len(vals) - 1; i >= 0; i-- {
		if o, ok := vals[i].(amf.Object); ok {
			return o
		}
	}
	return nil
}

func TestSecondPublisherBadName(t *testing.T) {
	ev := newEventLog()
	ts := startServer(t, testConfig("live"), Options{Modules: []Module{&testModule{name: "m", log: ev}}})
	publishClient(t, ts.addr, "live", "cam")
	before := len(ev.snapshot())
	c2 := dialClient(t, ts.addr, "live")
	id, err := c2.CreateStream(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	st, err := c2.Publish(testCtx(t), id, "cam?x=1", "live")
	if err == nil || st.Code != "NetStream.Publish.BadName" || st.Level != "error" {
		t.Fatalf("second publish: %+v, %v; want BadName", st, err)
	}
	// The second publisher touched nothing: no OnPublish, no OnClose.
	if got := ev.snapshot()[before:]; !slices.Equal(got, []string{"m:hook live", "m:connect live args="}) {
		t.Errorf("second publisher events %q", got)
	}
	if n := len(ts.logs.matching(slog.LevelInfo, "publish refused: already publishing", "name=cam")); n != 1 {
		t.Errorf("%d refusal records, want 1: %q", n, ts.logs.all())
	}
	// Its connection stays usable.
	if _, err := c2.CreateStream(testCtx(t)); err != nil {
		t.Errorf("createStream after BadName: %v", err)
	}
}

// TestCloseExactlyOnce ends a publish in every way a client can, alone
// and combined: OnClose runs once, with the first reason.
func TestCloseExactlyOnce(t *testing.T) {
	tests := []struct {
		name string
		end  func(c *client.Conn, id uint32)
		why  CloseReason
	}{
		{"FCUnpublish", func(c *client.Conn, id uint32) { c.FCUnpublish("cam") }, CloseUnpublish},
		{"deleteStream", func(c *client.Conn, id uint32) { c.DeleteStream(id) }, CloseUnpublish},
		{"closeStream", func(c *client.Conn, id uint32) { c.CloseStream(id) }, CloseUnpublish},
		{"disconnect", func(c *client.Conn, id uint32) { c.Close() }, CloseDisconnect},
		{"FCUnpublish then deleteStream (ffmpeg)", func(c *client.Conn, id uint32) {
			c.FCUnpublish("cam")
			c.DeleteStream(id)
		}, CloseUnpublish},
		{"closeStream then deleteStream", func(c *client.Conn, id uint32) {
			c.CloseStream(id)
			c.DeleteStream(id)
		}, CloseUnpublish},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := newEventLog()
			ts := startServer(t, testConfig("live"), Options{Modules: []Module{
				&testModule{name: "a", log: ev}, &testModule{name: "b", log: ev, noPublish: true}}})
			c, id := publishClient(t, ts.addr, "live", "cam")
			tt.end(c, id)
			ev.waitLine(t, "a:close "+string(tt.why))
			waitGone(t, ts, "live", "cam")
			if tt.why == CloseUnpublish {
				waitStatus(t, c, "NetStream.Unpublish.Success")
			}
			c.Close()
			waitSessions(t, ts, 0)
			lines := ev.snapshot()
			closes := slices.DeleteFunc(slices.Clone(lines), func(l string) bool { return !strings.Contains(l, ":close") })
			if want := []string{"b:close " + string(tt.why), "a:close " + string(tt.why)}; !slices.Equal(closes, want) {
				t.Errorf("closes %q, want %q", closes, want)
			}
		})
	}
}

// TestRepublishSameConnection: after an unpublish the connection may
// publish again; each publish gets its own OnClose.
func TestRepublishSameConnection(t *testing.T) {
	ev := newEventLog()
	ts := startServer(t, testConfig("live"), Options{Modules: []Module{&testModule{name: "m", log: ev}}})
	c, id := publishClient(t, ts.addr, "live", "cam")
	c.FCUnpublish("cam")
	ev.waitLine(t, "m:close unpublish")
	waitStatus(t, c, "NetStream.Unpublish.Success")
	if st, err := c.Publish(testCtx(t), id, "cam2", "record"); err != nil {
		t.Fatalf("second publish: %+v %v", st, err)
	}
	if ts.Registry().Lookup("live", "cam2") == nil {
		t.Error("cam2 not registered")
	}
	c.Close()
	lines := ev.waitLine(t, "m:close disconnect")
	if n := count(lines, "m:close unpublish") + count(lines, "m:close disconnect"); n != 2 {
		t.Errorf("%d closes for two publishes: %q", n, lines)
	}
}

func TestShutdownRunsOnClose(t *testing.T) {
	ev := newEventLog()
	ts := startServer(t, testConfig("live"), Options{Modules: []Module{&testModule{name: "m", log: ev}}})
	c, _ := publishClient(t, ts.addr, "live", "cam")
	idle := dialClient(t, ts.addr, "live") // connected, not publishing
	if err := ts.Shutdown(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	lines := ev.snapshot()
	if count(lines, "m:close shutdown deadline") != 1 {
		t.Errorf("events %q, want one close with reason shutdown and a deadline", lines)
	}
	waitDone(t, c)
	waitDone(t, idle)
	if n := len(ts.Registry().Sessions()); n != 0 {
		t.Errorf("%d sessions after Shutdown", n)
	}
	if _, err := client.Dial(testCtx(t), ts.addr, client.Options{}); err == nil {
		t.Error("dial after Shutdown succeeded")
	}
}

func TestShutdownGivesUp(t *testing.T) {
	ev := newEventLog()
	block := make(chan struct{})
	defer close(block)
	mod := &testModule{name: "m", log: ev}
	slow := &blockingCloser{release: block}
	ts := startServer(t, testConfig("live"), Options{Modules: []Module{mod, slow}})
	publishClient(t, ts.addr, "live", "cam")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := ts.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want DeadlineExceeded", err)
	}
	if !slow.sawCancel() {
		t.Error("OnClose context was not cancelled when Shutdown gave up")
	}
}

// blockingCloser's OnClose waits for its context or release.
type blockingCloser struct {
	release  chan struct{}
	canceled chan struct{}
}

func (b *blockingCloser) Name() string { return "blocking" }
func (b *blockingCloser) Hook(*Session) Hooks {
	b.canceled = make(chan struct{})
	return Hooks{Close: b}
}

func (b *blockingCloser) OnClose(ctx context.Context, why CloseReason) {
	select {
	case <-ctx.Done():
		close(b.canceled)
	case <-b.release:
	}
}

func (b *blockingCloser) sawCancel() bool {
	select {
	case <-b.canceled:
		return true
	case <-time.After(5 * time.Second):
		return false
	}
}

func TestSendStatusFromAnotherGoroutine(t *testing.T) {
	ev := newEventLog()
	sent := make(chan struct{})
	mods := []Module{&testModule{name: "m", log: ev, keepAV: true, onAV: func(s *Session, f *Frame) {
		go func() {
			s.SendStatus("status", "NetStream.Record.Start", "rec")
			close(sent)
		}()
	}}}
	ts := startServer(t, testConfig("live"), Options{Modules: mods})
	c, id := publishClient(t, ts.addr, "live", "cam")
	if err := c.WriteMedia(TypeVideo, id, 0, []byte{0x17, 0, 0, 0, 0, 1}); err != nil {
		t.Fatal(err)
	}
	<-sent
	st := waitStatus(t, c, "NetStream.Record.Start")
	if st.Code != "NetStream.Record.Start" || st.Description != "rec" || st.StreamID != id {
		t.Errorf("status %+v", st)
	}
}

func TestDropFromControl(t *testing.T) {
	ev := newEventLog()
	ts := startServer(t, testConfig("live"), Options{Modules: []Module{&testModule{name: "m", log: ev}}})
	c, _ := publishClient(t, ts.addr, "live", "cam")
	s := ts.Registry().Lookup("live", "cam")
	s.Drop(CloseDrop)
	s.Drop(CloseIdle) // the first reason wins
	ev.waitLine(t, "m:close drop")
	waitDone(t, c)
	waitSessions(t, ts, 0)
}
