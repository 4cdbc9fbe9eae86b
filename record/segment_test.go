package record

import (
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// segmentLog subscribes to a module's segment events.
type segmentLog struct {
	ch    chan Segment
	unsub func()
}

func subscribeSegments(t *testing.T, m *Module, queue int) *segmentLog {
	t.Helper()
	l := &segmentLog{ch: make(chan Segment, 100)}
	l.unsub = m.Segments(func(s Segment) { l.ch <- s }, queue)
	t.Cleanup(l.unsub)
	return l
}

func (l *segmentLog) next(t *testing.T) Segment {
	t.Helper()
	select {
	case s := <-l.ch:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no segment event in 10 s")
	}
	return Segment{}
}

// TestSegmentEventsFollowAFile: a subscriber hears of a file when it
// opens (while it is written), when it closes (with the record-done
// event) and, for a file removed because it held no media, that it was
// discarded; in that order, with the path, recorder, stream and format.
func TestSegmentEventsFollowAFile(t *testing.T) {
	rc := newRecorder(t, "main", conf.RecordManual|all)
	r := newRig(t, rc)
	segs := subscribeSegments(t, r.m, 0)
	r.feed(vSeq(0), aSeq(0), vKey(0, 0))
	p, err := r.m.Start("live", "cam", "main")
	if err != nil {
		t.Fatal(err)
	}
	op := segs.next(t)
	if op.Kind != SegmentOpened || op.Path != p || op.Recorder != "main" || op.App != "live" || op.Name != "cam" ||
		op.Format != "flv" || !op.Time.Equal(r.clk.Now()) || op.Closed != nil {
		t.Fatalf("opened event %+v", op)
	}
	r.feed(vKey(40, 1), aRaw(45, 0))
	r.clk.Advance(time.Second)
	if _, err := r.m.Stop("live", "cam", "main"); err != nil {
		t.Fatal(err)
	}
	cl := segs.next(t)
	if cl.Kind != SegmentClosed || cl.Path != p || cl.Closed == nil || cl.Closed.Path != p || cl.Closed.VideoFrames != 1 ||
		!cl.Time.Equal(r.clk.Now()) {
		t.Fatalf("closed event %+v (record-done %+v)", cl, cl.Closed)
	}
	// A manual start stopped before any key frame: the file is removed.
	p2, err := r.m.Start("live", "cam", "main")
	if err != nil {
		t.Fatal(err)
	}
	if op := segs.next(t); op.Kind != SegmentOpened || op.Path != p2 {
		t.Fatalf("second opened event %+v", op)
	}
	r.feed(vInter(80, 2))
	r.close(rtmp.CloseUnpublish)
	if d := segs.next(t); d.Kind != SegmentDiscarded || d.Path != p2 || d.Closed != nil {
		t.Fatalf("discarded event %+v", d)
	}
	if evs := r.doneEvents(); len(evs) != 1 {
		t.Errorf("%d record-done events, want 1 (none for the discarded file)", len(evs))
	}
}

// TestSlowSegmentSubscriberNeverStallsRecording: a subscriber that does
// not read gets its queue's worth; further events are dropped, counted
// and logged once, and recording goes on.
func TestSlowSegmentSubscriberNeverStallsRecording(t *testing.T) {
	rc := newRecorder(t, "", all)
	rc.MaxFrames = 1 // a new file at every key frame
	r := newRig(t, rc)
	block, inHand := make(chan struct{}), make(chan struct{}, 100)
	got := make(chan Segment, 100)
	unsub := r.m.Segments(func(s Segment) { inHand <- struct{}{}; <-block; got <- s }, 2)
	r.feed(vSeq(0), vKey(0, 0))
	<-inHand // the subscriber holds the first event and does not come back
	for i := 1; i < 10; i++ {
		r.feed(vKey(int64(i*40), i))
	}
	r.close(rtmp.CloseUnpublish)
	if evs := r.doneEvents(); len(evs) != 10 {
		t.Fatalf("%d files recorded, want 10", len(evs))
	}
	// 20 events (10 opened, 10 closed): one being delivered, 2 queued.
	if d := r.m.SegmentDrops(); d != 17 {
		t.Errorf("%d events dropped, want 17", d)
	}
	if n := countLines(r.logs.String(), "segment event queue full"); n != 1 {
		t.Errorf("%d log lines about the full queue, want 1", n)
	}
	close(block)
	unsub()
	if len(got) != 3 {
		t.Errorf("%d events delivered, want 3", len(got))
	}
}
