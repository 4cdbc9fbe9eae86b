package record

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// TestRecordNotify: record_notify sends NetStream.Record.Start and .Stop
// with level "status" and the recorder name as description; never a level
// "error" (ffmpeg aborts the publish on it).
func TestRecordNotify(t *testing.T) {
	for _, format := range recordFormats {
		t.Run(format, func(t *testing.T) {
			named := formatRecorder(t, format, all)
			named.Name, named.Notify, named.MaxFrames = "rec1", true, 2
			quiet := formatRecorder(t, format, all)
			quiet.Name = "quiet"
			r := newRig(t, named, quiet)
			r.feed(vSeq(0), vKey(0, 0), vInter(40, 1), vKey(80, 2))
			r.close(rtmp.CloseUnpublish)
			want := []status{
				{"status", "NetStream.Record.Start", "rec1"},
				{"status", "NetStream.Record.Stop", "rec1"}, // split
				{"status", "NetStream.Record.Start", "rec1"},
				{"status", "NetStream.Record.Stop", "rec1"},
			}
			got := r.src.statuses()
			if len(got) != len(want) {
				t.Fatalf("statuses %v, want %v", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("status %d = %v, want %v", i, got[i], want[i])
				}
			}
		})
	}
}

// TestRecordDoneEvent: one event per closed file with every field, for
// each recorder in order (named blocks, then the inline one).
func TestRecordDoneEvent(t *testing.T) {
	for _, format := range recordFormats {
		t.Run(format, func(t *testing.T) { testRecordDoneEvent(t, format) })
	}
}

func testRecordDoneEvent(t *testing.T, format string) {
	named := formatRecorder(t, format, conf.RecordVideo)
	named.Name = "rec1"
	inline := formatRecorder(t, format, all)
	r := newRig(t, named, inline)
	r.src.conn = &rtmp.Connect{App: "live", Addr: "127.0.0.1"}
	r.h.OnPublish(t.Context(), &rtmp.Publish{Name: "cam", Args: "k=v"})
	t0 := r.clk.Now()
	in := []media.Frame{vSeq(1000), aSeq(1000), vKey(1000, 0), aRaw(1010, 0), vInter(1040, 1)}
	wantV, wantA := splitKinds(in)
	r.feed(in...)
	r.clk.Advance(3 * time.Second)
	r.close(rtmp.CloseDisconnect)
	evs := r.doneEvents()
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2", len(evs))
	}
	want := []Event{
		{Recorder: "rec1", Config: named, App: "live", Name: "cam", Args: "k=v", Session: 7, Connect: r.src.conn,
			Path: filepath.Join(named.Path, "cam"+suffixOf(format)), VideoFrames: 2, AudioFrames: 0,
			FirstTime: 1000, LastTime: 1040, Duration: 40 * time.Millisecond,
			Start: t0, End: t0.Add(3 * time.Second), Reason: ReasonDisconnect},
		{Recorder: "", Config: inline, App: "live", Name: "cam", Args: "k=v", Session: 7, Connect: r.src.conn,
			Path: filepath.Join(inline.Path, "cam"+suffixOf(format)), VideoFrames: 2, AudioFrames: 1,
			FirstTime: 1000, LastTime: 1040, Duration: 40 * time.Millisecond,
			Start: t0, End: t0.Add(3 * time.Second), Reason: ReasonDisconnect},
	}
	for i, ev := range evs {
		w := want[i]
		w.Size = fileSize(t, w.Path)
		if ev != w {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, ev, w)
		}
		if format != "flv" {
			checkISOPiece(t, ev, wantV, wantA[:ev.AudioFrames], 0, 0)
		}
	}
}

// TestRecordLogLines: one line per file opened and closed, with sid, app,
// name and rec attributes.
func TestRecordLogLines(t *testing.T) {
	r := newRig(t, newRecorder(t, "rec1", all))
	r.feed(vSeq(0), vKey(0, 0))
	r.close(rtmp.CloseUnpublish)
	logs := r.logs.String()
	for _, msg := range []string{`msg="record: file opened"`, `msg="record: file closed"`} {
		var line string
		for l := range strings.Lines(logs) {
			if strings.Contains(l, msg) {
				line = l
			}
		}
		for _, attr := range []string{"sid=7", "app=live", "name=cam", "rec=rec1", "path=" + r.dir} {
			if !strings.Contains(line, attr) {
				t.Errorf("%s line lacks %s: %q", msg, attr, line)
			}
		}
	}
	if n := strings.Count(logs, "\n"); n != 2 {
		t.Errorf("%d log lines, want 2:\n%s", n, logs)
	}
}

// TestCloseReasons: every way a publish ends reaches the record-done
// event as the matching Reason, redirect included (the publish moves to
// another name and the file closes as for an unpublish).
func TestCloseReasons(t *testing.T) {
	tests := []struct {
		why  rtmp.CloseReason
		want Reason
	}{
		{rtmp.CloseUnpublish, ReasonUnpublish},
		{rtmp.CloseDisconnect, ReasonDisconnect},
		{rtmp.CloseDrop, ReasonDrop},
		{rtmp.CloseIdle, ReasonIdle},
		{rtmp.CloseShutdown, ReasonShutdown},
		{rtmp.CloseRedirect, ReasonRedirect},
	}
	for _, tt := range tests {
		r := newRig(t, newRecorder(t, "", all))
		r.feed(vSeq(0), vKey(0, 0), vInter(40, 1))
		r.close(tt.why)
		evs := r.doneEvents()
		if len(evs) != 1 || evs[0].Reason != tt.want || evs[0].Err != nil {
			t.Errorf("%s: events %+v, want one with reason %s", tt.why, evs, tt.want)
			continue
		}
		checkMeta(t, evs[0].Path)
	}
}

// TestRedirectStartsNewFile: after a redirect the same session publishes
// under the new name at once; the old name's file closed with
// ReasonRedirect and the new one records from the next frame.
func TestRedirectStartsNewFile(t *testing.T) {
	r := newRig(t, newRecorder(t, "", all))
	r.feed(vSeq(0), vKey(0, 0), vInter(40, 1))
	r.close(rtmp.CloseRedirect)
	if err := r.h.OnPublish(t.Context(), &rtmp.Publish{Name: "cam2"}); err != nil {
		t.Fatal(err)
	}
	r.feed(vSeq(80), vKey(80, 2), vInter(120, 3))
	r.close(rtmp.CloseUnpublish)
	evs := r.doneEvents()
	if len(evs) != 2 || evs[0].Reason != ReasonRedirect || evs[0].Name != "cam" ||
		evs[1].Reason != ReasonUnpublish || evs[1].Name != "cam2" || evs[0].Path == evs[1].Path {
		t.Fatalf("events %+v", evs)
	}
	for _, ev := range evs {
		checkMeta(t, ev.Path)
	}
}
