package record

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/hub"
	"github.com/rtmprecd/rtmprecd/internal/testserver"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// fakeSource stands in for the session: feed runs each frame through
// the session's classifier (media.Parser), which updates the codec state
// before the hooks see the frame, as the session does.
type fakeSource struct {
	mu     sync.Mutex
	feedMu sync.Mutex // one frame at a time through the parser and hooks
	media  media.Parser
	status []status
	conn   *rtmp.Connect
	stream *hub.Stream // set by withHub: frames go through a real stream hub
}

func (s *fakeSource) Codec() *media.State { return s.media.State() }

func (s *fakeSource) SendStatus(level, code, desc string) {
	s.mu.Lock()
	s.status = append(s.status, status{level, code, desc})
	s.mu.Unlock()
}

func (s *fakeSource) Connect() *rtmp.Connect { return s.conn }

func (s *fakeSource) Stream() *hub.Stream { return s.stream }

func (s *fakeSource) statuses() []status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]status(nil), s.status...)
}

// setMetadata keeps the publisher's onMetaData, as the session does.
func (s *fakeSource) setMetadata(body []byte) { s.media.SetMetadata(body) }

// clock is an injected wall clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// rig is one module with one publishing hook.
type rig struct {
	t      testing.TB
	m      *Module
	h      *hook
	src    *fakeSource
	clk    *clock
	dir    string
	logs   *testserver.LogBuffer
	mu     sync.Mutex
	events []Event
}

// newRecorder returns recorder settings with record_path in a temp dir.
func newRecorder(t testing.TB, name string, flags conf.RecordFlags) *conf.Recorder {
	t.Helper()
	return &conf.Recorder{Name: name, Flags: flags, Path: t.TempDir(), Suffix: ".flv"}
}

const all = conf.RecordAudio | conf.RecordVideo

// newRig makes a module with an injected clock and publishes "cam" on app
// "live" with the given recorders.
func newRig(t testing.TB, recs ...*conf.Recorder) *rig {
	t.Helper()
	return newRigWith(t, nil, recs...)
}

// newRigWith is newRig with setup run on the module before the publish
// (test hooks, buffer settings).
func newRigWith(t testing.TB, setup func(*Module), recs ...*conf.Recorder) *rig {
	t.Helper()
	r := &rig{t: t, src: &fakeSource{},
		clk: &clock{t: time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)}, logs: &testserver.LogBuffer{}}
	r.m = &Module{Now: r.clk.Now, Logger: slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	r.m.Events(func(ev Event) {
		r.mu.Lock()
		r.events = append(r.events, ev)
		r.mu.Unlock()
	})
	// No flush ticks unless a test sends them: the injected clock drives
	// flushing, and a tick at a random moment would make counts racy.
	r.m.tick = func(time.Duration) (<-chan time.Time, func()) { return nil, func() {} }
	if setup != nil {
		setup(r.m)
	}
	if len(recs) > 0 {
		r.dir = recs[0].Path
	}
	app := &conf.Application{Name: "live", Recorders: recs}
	r.h = r.m.newHook(r.src, 7, app)
	if err := r.h.OnPublish(context.Background(), &rtmp.Publish{Name: "cam", Type: "live"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.h.OnClose(context.Background(), rtmp.CloseDisconnect) })
	return r
}

// feed hands frames to the hook as the session would.
func (r *rig) feed(frames ...media.Frame) {
	for i := range frames {
		f := &frames[i]
		r.src.feedMu.Lock()
		if r.src.stream != nil {
			r.src.stream.Write(r.src.media.Media(f.Type, f.Time, f.Payload))
		} else {
			r.h.OnAV(r.src.media.Media(f.Type, f.Time, f.Payload))
		}
		r.src.feedMu.Unlock()
	}
}

// onAV classifies f and hands it to the hook, as the session does,
// without feed's locking (for allocation counts).
func (r *rig) onAV(f *media.Frame) {
	r.h.OnAV(r.src.media.Media(f.Type, f.Time, f.Payload))
}

func (r *rig) close(why rtmp.CloseReason) {
	r.h.OnClose(context.Background(), why)
}

func (r *rig) doneEvents() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// paths returns the closed files' paths in closing order.
func (r *rig) paths() []string {
	var out []string
	for _, ev := range r.doneEvents() {
		out = append(out, ev.Path)
	}
	return out
}

// files lists the regular files under dir, sorted, relative to dir.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// readFLV reads a file with the strict reader and returns its media
// tags: a leading onMetaData tag (checked by checkMeta) is left out.
func readFLV(t *testing.T, path string) *flv.File {
	t.Helper()
	f, err := flv.ReadFile(path)
	if err != nil {
		t.Fatalf("strict flv read: %v", err)
	}
	if len(f.Tags) > 0 && f.Tags[0].Type == flv.TagScript {
		if name, _, err := f.Tags[0].Metadata(); err != nil || name != "onMetaData" {
			t.Fatalf("%s: first script tag %q: %v", path, name, err)
		}
	}
	return stripMeta(f)
}

// stripMeta drops a leading script tag.
func stripMeta(f *flv.File) *flv.File {
	if len(f.Tags) > 0 && f.Tags[0].Type == flv.TagScript {
		f.Tags = f.Tags[1:]
	}
	return f
}

// mediaTags returns the file's tags without sequence headers.
func mediaTags(f *flv.File) []flv.Tag {
	var out []flv.Tag
	for _, tg := range f.Tags {
		if !tg.IsSeqHeader() {
			out = append(out, tg)
		}
	}
	return out
}

// tagsString summarises tags as "A0 V0k ..." for readable failures:
// type, timestamp, k for key frames, h for sequence headers.
func tagsString(tags []flv.Tag) string {
	var b strings.Builder
	for i, tg := range tags {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(tagString(&tg))
	}
	return b.String()
}

func tagString(tg *flv.Tag) string {
	s := map[uint8]string{8: "A", 9: "V", 18: "D"}[tg.Type] + itoa(int64(tg.Timestamp))
	if tg.IsSeqHeader() {
		s += "h"
	} else if tg.IsKeyframe() {
		s += "k"
	}
	return s
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

var slogDiscard = slog.New(slog.DiscardHandler)

func runtimeGosched() { runtime.Gosched() }

// FLV's layout and limits, as the tests check files: the 13-byte file
// header, and the 32-bit timestamps that force a split (softTS is where
// the recorder splits at a break frame before that).
const (
	flvHeaderLen = 13
	flvTagHeader = 11
	creator      = "rtmprecd" // the metadatacreator of our files
	minIndex     = 2          // the fewest keyframes written as a keyframes object
	padKey       = "padding"  // the property that fills the reserved room
	maxTS        = 1<<32 - 1
	softTS       = maxTS - softMargin
)
