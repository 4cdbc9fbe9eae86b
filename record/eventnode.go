package record

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/media"
)

// An event recorder (`record ... event`) is a manual recorder that event
// requests start, with the recent media prepended: every frame the
// recorder would write also goes to its pre-roll spool, and an event
// opens a file that begins with the spool's media from trigger - before,
// then records live until the first break frame after trigger + after.
// A request while the file is open moves that end.

// eventState is the event side of a node; zero on other recorders.
type eventState struct {
	event   bool   // record ... event
	pre     *spool // the pre-roll; nil on other recorders
	evOn    bool   // an event is being recorded (or its file retried)
	evUntil int64  // media time after which the next break frame ends it
	evs     []activeEvent
	seen    int64 // media time of the newest frame offered: "now" on the media timeline
}

// activeEvent is an event whose span the current file covers; its row
// follows into the next file when a split falls inside it.
type activeEvent struct {
	mark    EventMark
	trigger int64 // media time
	until   int64
}

// initEvent prepares the pre-roll of an event recorder; i numbers the
// recorder in the application, naming its ring file.
func (n *node) initEvent(i int) {
	n.event = n.rec.Flags.Has(conf.RecordEvent)
	if !n.event || n.off {
		return
	}
	name := fmt.Sprintf("%d-%d-%d%s", os.Getpid(), n.h.sid, i, spoolSuffix)
	n.pre = newSpool(filepath.Join(n.rec.SpoolDir(), name), n.rec.SpoolMaxSize,
		n.rec.EventMaxBefore.Milliseconds(), n.log)
}

// eventFrame spools f and reports whether the node goes on to record it:
// while an event is on, or a file was started by hand. It ends the event
// at the first break frame after its end.
func (n *node) eventFrame(f *media.Frame, c *media.State, brk bool) bool {
	n.seen = f.Time
	n.spoolFrame(f, c, brk)
	if n.evOn && brk && f.Time > n.evUntil {
		n.evOn, n.evs = false, nil
		if n.w != nil {
			n.close(ReasonEvent, nil)
		}
		return false
	}
	return n.evOn || n.w != nil
}

// spoolFrame holds f in the pre-roll. A codec change empties it first:
// the pre-roll never reaches back across one, so its frames all match
// the codec state a file starts with.
func (n *node) spoolFrame(f *media.Frame, c *media.State, brk bool) {
	if f.SeqHeader && unitOf(f).Param == media.ParamChange {
		n.pre.reset()
	}
	var fl uint8
	if f.Keyframe {
		fl |= spoolKey
	}
	if f.SeqHeader {
		fl |= spoolSeq
	}
	if brk && fits(f, c) {
		fl |= spoolBreak
	}
	n.pre.add(f.Time, f.Type, fl, f.Payload)
}

// trigger is Module.Event on this node; the hook's mutex is held.
func (n *node) trigger(req *EventRequest) (EventResult, error) {
	before, clamped := n.rec.EventBefore, false
	if req.Before != nil {
		before = *req.Before
	}
	if before > n.rec.EventMaxBefore {
		before, clamped = n.rec.EventMaxBefore, true
	}
	after := n.rec.EventAfter
	if req.After != nil {
		after = *req.After
	}
	res := EventResult{Recorder: n.rec.Name, Before: before, After: after, Clamped: clamped, Trigger: n.now()}
	until := n.seen + after.Milliseconds()
	if n.w != nil {
		// an event file ends later; a file started by hand runs on until
		// record/stop, the event only gets its row
		res.Extended = true
		if n.evOn {
			n.evUntil = max(n.evUntil, until)
		}
	} else {
		n.evOn, n.evUntil, n.evs = true, until, nil
		if err := n.open(); err != nil {
			return res, err
		}
		n.preroll(n.seen - before.Milliseconds())
	}
	ev := activeEvent{trigger: n.seen, until: until, mark: EventMark{ID: req.ID, Name: req.Title, Desc: req.Desc,
		Level: req.Level, Trigger: res.Trigger, Before: before, After: after}}
	n.evs = append(n.evs, ev)
	if n.w != nil { // a write of the pre-roll may have failed
		res.Path, res.Offset = n.path, n.markEvent(ev)
	}
	n.log.Info("record: event", "id", req.ID, "path", res.Path, "before", before, "after", after,
		"clamped", clamped, "extended", res.Extended, "offset", res.Offset)
	return res, nil
}

// preroll writes the spooled frames from the last break frame at or
// before from into the file just opened. They go through a parser of
// their own, primed with the stream's sequence headers (the spool holds
// none older than the last codec change).
func (n *node) preroll(from int64) {
	c := n.h.src.Codec()
	var p media.Parser
	if h := headerOf(c.Video()); h != nil {
		p.Media(media.TypeVideo, 0, h)
	}
	if h := headerOf(c.Audio()); h != nil {
		p.Media(media.TypeAudio, 0, h)
	}
	err := n.pre.replay(from, func(r *spoolRecord) {
		f := p.Media(r.typ, r.time, r.payload)
		if n.w == nil || f.Err != nil || len(f.Units) == 0 {
			return // a write failed, or the frame does not classify
		}
		n.write(f, p.State(), r.flags&spoolBreak != 0)
	})
	if err != nil {
		n.log.Warn("record: pre-roll spool unreadable; the event file starts now", "err", err)
	}
	n.waitBreak = n.frames == 0
}

// markEvent queues the index row of ev in the current file and returns
// its offset into the file's media.
func (n *node) markEvent(ev activeEvent) time.Duration {
	var off time.Duration
	if n.frames > 0 && ev.trigger > n.first {
		off = time.Duration(ev.trigger-n.first) * time.Millisecond
	}
	m := ev.mark
	m.Offset = off
	n.h.done = append(n.h.done, pendingEvent{file: &FileEvent{Kind: FileEventMarked, Recorder: n.rec.Name,
		App: n.h.key.app, Name: n.h.key.name, Path: n.path, Time: m.Trigger, Format: n.format(), Event: &m}})
	return off
}

// carryEvents gives the file just opened by a split the rows of the
// events it continues, at offset 0.
func (n *node) carryEvents() {
	if !n.event || !n.evOn {
		return
	}
	kept := n.evs[:0]
	for _, ev := range n.evs {
		if ev.until >= n.seen {
			kept = append(kept, ev)
			n.markEvent(ev)
		}
	}
	n.evs = kept
}

// endPublish removes the pre-roll at the end of the publish.
func (n *node) endPublish() {
	if n.pre != nil {
		n.pre.close()
	}
	n.evOn, n.evs = false, nil
}
