package record

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/hub"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// source is what a hook needs from its session. sessionSource adapts
// *rtmp.Session; tests drive hooks with their own implementation.
type source interface {
	// Codec returns the current codec state; never nil.
	Codec() *media.State
	// SendStatus sends an onStatus to the publisher; it must not block.
	SendStatus(level, code, description string)
	// Connect returns the connect command; nil if unknown.
	Connect() *rtmp.Connect
	// Stream returns the publish's stream hub (its GOP cache); nil if none.
	Stream() *hub.Stream
}

type sessionSource struct{ s *rtmp.Session }

func (a sessionSource) Codec() *media.State                 { return a.s.Codec() }
func (a sessionSource) SendStatus(level, code, desc string) { a.s.SendStatus(level, code, desc) }
func (a sessionSource) Connect() *rtmp.Connect              { return a.s.Connect() }
func (a sessionSource) Stream() *hub.Stream                 { return a.s.Stream() }

// hook is one session's recorder state: a node per recorder of the
// application. OnAV runs on the session goroutine while Start and Stop
// come from control goroutines, so mu guards the nodes; it is uncontended
// in steady state. Statuses and events produced under mu are queued and
// delivered after it is released, so subscribers may call back into the
// module.
type hook struct {
	m   *Module
	src source
	sid uint64
	app *conf.Application

	mu     sync.Mutex
	key    streamKey
	args   string
	conn   *rtmp.Connect
	log    *slog.Logger
	nodes  []*node
	live   bool // between OnPublish and OnClose
	status []status
	done   []pendingEvent

	// deliver is held while queued statuses and events are delivered, so
	// that a flush returns only once everything queued before it was
	// delivered, even when another goroutine took the queue first (a
	// control Stop racing the publisher's frames), and deliveries never
	// interleave.
	deliver sync.Mutex

	// Multitrack: nodes record the default track (id 0) of each kind.
	// releaseGOP ends the hold on the hub's GOP cache that scheduled
	// recorders need; nil when none is held.
	releaseGOP func()

	others bool          // another track was seen and logged, once per publish
	view   media.Frame   // one default-track unit of a multitrack message
	unit   [1]media.Unit // view's unit
	tag    []byte        // view's single-track tag body
}

type status struct{ level, code, desc string }

func (m *Module) newHook(src source, sid uint64, app *conf.Application) *hook {
	return &hook{m: m, src: src, sid: sid, app: app}
}

// OnPublish prepares one node per recorder. It opens nothing: files are
// created at the first frame a node writes, so a publish that sends no
// media leaves no empty file, and one that a later hook or the registry
// rejects (a duplicate name) never touches a file.
func (h *hook) OnPublish(_ context.Context, p *rtmp.Publish) error {
	h.mu.Lock()
	if h.live { // a second publish without close: finish the first one's files
		h.closeAll(ReasonUnpublish)
	}
	oldKey, wasLive := h.key, h.live
	h.key = streamKey{h.app.Name, p.Name}
	h.args = p.Args
	h.conn = h.src.Connect()
	h.log = h.m.logger().With("sid", h.sid, "app", h.app.Name, "name", p.Name)
	h.nodes = h.nodes[:0]
	for i, rc := range h.app.Recorders {
		if n := h.nodeFor(rc, p.Name); n != nil {
			n.initEvent(i)
			h.nodes = append(h.nodes, n)
		}
	}
	h.live, h.others = true, false
	h.holdGOP()
	h.mu.Unlock()
	if wasLive {
		h.m.unregister(h, oldKey)
	}
	h.m.register(h, h.key)
	h.flush()
	return nil
}

// OnAV offers each default-track unit of an audio or video message to
// every node in recorder order. Messages that did not classify are not
// recorded: FLV has no empty tags, and data messages are not recorded
// (yet).
func (h *hook) OnAV(f *media.Frame) {
	if f.Type != media.TypeAudio && f.Type != media.TypeVideo || len(f.Units) == 0 {
		return
	}
	h.mu.Lock()
	if !h.live {
		h.mu.Unlock()
		return
	}
	codec := h.src.Codec()
	for i := range f.Units {
		u := &f.Units[i]
		if u.Track.ID != 0 {
			h.ignore(u)
			continue
		}
		v := h.single(f, u)
		for _, n := range h.nodes {
			n.onFrame(v, codec)
		}
	}
	pending := len(h.status) > 0 || len(h.done) > 0
	h.mu.Unlock()
	if pending {
		h.flush()
	}
}

// single returns f as a frame of unit u alone: f itself for a
// single-track message, else u rebuilt as a single-track tag (an FLV
// file holds one track of each kind). The frame is reused.
func (h *hook) single(f *media.Frame, u *media.Unit) *media.Frame {
	if u.Tag != nil {
		return f
	}
	h.unit[0] = *u
	h.tag = media.AppendTag(h.tag[:0], u)
	h.unit[0].Tag = h.tag
	h.view = media.Frame{Type: f.Type, Time: u.DTS, Payload: h.tag, Keyframe: f.Keyframe,
		SeqHeader: u.Packet == media.PacketSeqStart, Units: h.unit[:]}
	return &h.view
}

// ignore logs, once per publish, that tracks other than the default ones
// are not recorded.
func (h *hook) ignore(u *media.Unit) {
	if !h.others {
		h.others = true
		h.log.Info("record: recording the default track of each kind only, ignoring the others",
			"kind", u.Track.Kind.String(), "track", u.Track.ID)
	}
}

// OnClose closes every node's file, manual ones included.
func (h *hook) OnClose(_ context.Context, why rtmp.CloseReason) {
	h.mu.Lock()
	if !h.live {
		h.mu.Unlock()
		return
	}
	h.closeAll(Reason(why))
	h.live = false
	if h.releaseGOP != nil {
		h.releaseGOP()
		h.releaseGOP = nil
	}
	k := h.key
	h.mu.Unlock()
	h.m.unregister(h, k)
	h.flush()
}

// nodeFor is recorder rc's node for stream name, nil when its
// record_streams does not select the name.
func (h *hook) nodeFor(rc *conf.Recorder, name string) *node {
	captures, ok := rc.Streams.Match(name)
	if !ok {
		return nil
	}
	n := newNode(h, rc)
	n.vars = nameVars{app: h.app.Name, name: name, recorder: rc.Name, captures: captures}
	if len(rc.Schedules) > 0 {
		n.sched = &schedule{windows: rc.Schedules, loc: rc.Zone()}
	}
	return n
}

// holdGOP keeps the hub's GOP cache while a scheduled recorder may need
// it (see openFromGOP); the caller holds mu.
func (h *hook) holdGOP() {
	if h.releaseGOP != nil { // a second publish on the session: a new stream
		h.releaseGOP()
		h.releaseGOP = nil
	}
	st := h.src.Stream()
	if st == nil {
		return
	}
	for _, n := range h.nodes {
		if n.sched != nil {
			h.releaseGOP = st.HoldGOP()
			return
		}
	}
}

func (h *hook) closeAll(r Reason) {
	for _, n := range h.nodes {
		n.close(r, nil)
		n.endPublish()
	}
}

// flush delivers the statuses and events queued under mu, in order.
func (h *hook) flush() {
	h.deliver.Lock()
	defer h.deliver.Unlock()
	h.mu.Lock()
	st, done := h.status, h.done
	h.status, h.done = nil, nil
	h.mu.Unlock()
	for _, s := range st {
		h.src.SendStatus(s.level, s.code, s.desc)
	}
	for _, p := range done {
		if p.file != nil {
			h.m.emitFile(*p.file)
		} else {
			h.m.emit(p.done)
		}
	}
}

func (h *hook) node(rec string) *node {
	for _, n := range h.nodes {
		if n.rec.Name == rec {
			return n
		}
	}
	return nil
}

func (h *hook) start(rec string) (string, error) {
	defer h.flush()
	h.mu.Lock()
	defer h.mu.Unlock()
	n, err := h.control(rec)
	if err != nil {
		return "", err
	}
	return n.start()
}

func (h *hook) stop(rec string) (string, error) {
	defer h.flush()
	h.mu.Lock()
	defer h.mu.Unlock()
	n, err := h.control(rec)
	if err != nil {
		return "", err
	}
	return n.stop()
}

// control finds recorder rec for Start or Stop; the caller holds mu.
func (h *hook) control(rec string) (*node, error) {
	if !h.live {
		return nil, fmt.Errorf("record %s/%s: %w", h.key.app, h.key.name, ErrNoStream)
	}
	n := h.node(rec)
	if n == nil {
		return nil, fmt.Errorf("record %s/%s: recorder %q: %w", h.key.app, h.key.name, rec, ErrNoRecorder)
	}
	if n.rec.Flags.Has(conf.RecordOff) {
		return nil, fmt.Errorf("record %s/%s: recorder %q is off: %w", h.key.app, h.key.name, rec, ErrNoRecorder)
	}
	if !n.audio && !n.keys { // "record manual;" alone: a file would get no media
		return nil, fmt.Errorf("record %s/%s: recorder %q records no media (record manual without all, audio, video or keyframes): %w",
			h.key.app, h.key.name, rec, ErrNoRecorder)
	}
	return n, nil
}
