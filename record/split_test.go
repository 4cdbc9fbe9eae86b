package record

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format/mp4"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// checkPieces asserts that the rig's closed files together hold every
// media frame of in, in order and byte for byte (no frame lost at a
// split), that each file starts with the sequence headers at 0 and then
// a break frame, and that each file's timestamps start at its first frame.
// It returns the files.
func checkPieces(t *testing.T, r *rig, in []media.Frame, hdrs ...[]byte) []*flv.File {
	t.Helper()
	return checkEvents(t, r.doneEvents(), ReasonUnpublish, in, hdrs...)
}

// checkEvents is checkPieces on events; the last file closed for last.
// An mp4 or fmp4 file is checked by kind (checkISOPiece), and its entry
// in the returned slice is nil.
func checkEvents(t *testing.T, evs []Event, last Reason, in []media.Frame, hdrs ...[]byte) []*flv.File {
	t.Helper()
	var want []media.Frame
	for _, f := range in {
		if !f.SeqHeader {
			want = append(want, f)
		}
	}
	var out []*flv.File
	k := 0
	wantV, wantA := splitKinds(in)
	kv, ka := 0, 0
	for i, ev := range evs {
		if isISO(ev.Path) { // mp4, fmp4: no tags to read, samples by kind
			nv, na := checkISOPiece(t, ev, wantV, wantA, kv, ka)
			kv, ka, k = kv+nv, ka+na, k+nv+na
			out = append(out, nil)
			checkReason(t, i, ev, len(evs), last)
			continue
		}
		f := readFLV(t, ev.Path)
		out = append(out, f)
		checkHeaders(t, f, hdrs...)
		m := f.Tags[len(hdrs):]
		if len(m) == 0 {
			t.Fatalf("file %d %s has no media", i, ev.Path)
		}
		if k+len(m) > len(want) {
			t.Fatalf("file %d has %d media tags, only %d frames left", i, len(m), len(want)-k)
		}
		first := want[k]
		if first.Type == media.TypeVideo && !first.Keyframe {
			t.Errorf("file %d starts with a video inter frame", i)
		}
		checkMedia(t, m, want[k:k+len(m)], first.Time)
		if ev.VideoFrames+ev.AudioFrames != int64(len(m)) || ev.FirstTime != first.Time {
			t.Errorf("event %d: %d+%d frames first %d, file has %d from %d", i, ev.VideoFrames, ev.AudioFrames, ev.FirstTime, len(m), first.Time)
		}
		checkReason(t, i, ev, len(evs), last)
		k += len(m)
	}
	if k != len(want) {
		t.Fatalf("files hold %d media frames, published %d", k, len(want))
	}
	return out
}

// checkReason: every file but the last of n closed for a split.
func checkReason(t *testing.T, i int, ev Event, n int, last Reason) {
	t.Helper()
	want := ReasonSplit
	if i == n-1 {
		want = last
	}
	if ev.Reason != want {
		t.Errorf("event %d reason %q, want %q", i, ev.Reason, want)
	}
}

// TestRecordMaxSizeSplitLosesNoFrame: record_max_size splits at the next
// key frame after the limit, and the new file starts with it: nothing is
// dropped while waiting for it (nginx-rtmp drops media until then). In
// every format; an mp4's moov room is sized for the limit, not an hour.
func TestRecordMaxSizeSplitLosesNoFrame(t *testing.T) {
	for _, format := range recordFormats {
		t.Run(format, func(t *testing.T) {
			rc := formatRecorder(t, format, all)
			rc.MaxSize = 1500
			r := newRig(t, rc)
			in := stream{dur: 4000, gop: 25, audio: true, headers: true}.frames()
			r.feed(in...)
			r.close(rtmp.CloseUnpublish)
			fs := checkPieces(t, r, in, aacSeqPayload, avcSeqPayload(0))
			if len(fs) != 4 {
				t.Fatalf("%d files, want one per key frame (4)", len(fs))
			}
			// The overshoot bound: one second of tags, and an mp4's moov
			// room, which is sized for the limit.
			gopBytes := int64(25*30 + 44*25)
			if format == "mp4" {
				gopBytes += mp4.RoomForBytes(rc.MaxSize)
			}
			for i, ev := range r.doneEvents() {
				if ev.Size < rc.MaxSize && i < 3 || ev.Size > rc.MaxSize+gopBytes {
					t.Errorf("file %d size %d for max %d", i, ev.Size, rc.MaxSize)
				}
			}
		})
	}
}

// TestRecordMaxFramesSplitLosesNoFrame: record_max_frames splits at the
// next key frame, dropping nothing, and counts audio and video media tags
// (as nginx-rtmp's code does, whatever its documentation says).
func TestRecordMaxFramesSplitLosesNoFrame(t *testing.T) {
	for _, format := range recordFormats {
		t.Run(format, func(t *testing.T) {
			rc := formatRecorder(t, format, all)
			rc.MaxFrames = 20
			r := newRig(t, rc)
			in := stream{dur: 2000, gop: 10, audio: true, headers: true}.frames()
			r.feed(in...)
			r.close(rtmp.CloseUnpublish)
			checkPieces(t, r, in, aacSeqPayload, avcSeqPayload(0))
			// 10 video + 18 audio frames pass 20 within the first 400 ms
			// GOP: the split comes at the key frame of 400 ms, not at 800
			// ms as a video count would give.
			evs := r.doneEvents()
			if len(evs) != 5 || evs[0].LastTime >= 400 || evs[1].FirstTime != 400 {
				t.Fatalf("%d files, first ends at %d, second starts at %d; want 5, <400, 400", len(evs), evs[0].LastTime, evs[1].FirstTime)
			}
		})
	}
}

// TestRecordIntervalSplitLosesNoFrame: record_interval rotates by the wall
// clock (the injected one), at a key frame, losing nothing.
func TestRecordIntervalSplitLosesNoFrame(t *testing.T) {
	for _, format := range recordFormats {
		t.Run(format, func(t *testing.T) {
			rc := formatRecorder(t, format, all)
			rc.Interval, rc.IntervalSet = 1500*time.Millisecond, true
			r := newRig(t, rc)
			in := stream{dur: 4000, gop: 25, audio: true, headers: true}.frames()
			t0 := r.clk.Now()
			for _, f := range in {
				r.clk.t = t0.Add(time.Duration(f.Time) * time.Millisecond)
				r.feed(f)
			}
			r.close(rtmp.CloseUnpublish)
			checkPieces(t, r, in, aacSeqPayload, avcSeqPayload(0))
			evs := r.doneEvents()
			if len(evs) != 2 || evs[1].FirstTime != 2000 || !evs[1].Start.Equal(t0.Add(2*time.Second)) {
				t.Fatalf("%d files, second from %d opened %v; want 2 files, split at the 2000 ms key frame", len(evs), evs[1].FirstTime, evs[1].Start)
			}
		})
	}
}

// TestRecordIntervalIsWallClock: media time alone never rotates; wall
// time does, at the next key frame.
func TestRecordIntervalIsWallClock(t *testing.T) {
	rc := newRecorder(t, "", all)
	rc.Interval, rc.IntervalSet = time.Second, true
	r := newRig(t, rc)
	in := stream{dur: 3000, gop: 25, audio: true, headers: true}.frames()
	r.feed(in[:100]...) // 1.4 s of media, no wall time
	if n := len(r.doneEvents()); n != 0 {
		t.Fatalf("%d files closed without wall time passing", n)
	}
	r.clk.Advance(1001 * time.Millisecond)
	r.feed(in[100:]...)
	r.close(rtmp.CloseUnpublish)
	checkPieces(t, r, in, aacSeqPayload, avcSeqPayload(0))
	if evs := r.doneEvents(); len(evs) != 2 || evs[1].FirstTime != 2000 {
		t.Fatalf("%d files; want the split at the first key frame after the clock moved (2000)", len(evs))
	}
}

// TestRecordIntervalZero: record_interval 0 rotates at every key frame
// once the clock has moved.
func TestRecordIntervalZero(t *testing.T) {
	rc := newRecorder(t, "", all)
	rc.IntervalSet = true
	r := newRig(t, rc)
	in := stream{dur: 3000, gop: 25, audio: true, headers: true}.frames()
	for _, f := range in {
		r.clk.Advance(time.Millisecond)
		r.feed(f)
	}
	r.close(rtmp.CloseUnpublish)
	if fs := checkPieces(t, r, in, aacSeqPayload, avcSeqPayload(0)); len(fs) != 3 {
		t.Fatalf("%d files, want one per GOP (3)", len(fs))
	}
}

// TestAudioOnlySplitsOnAudio: a recorder whose stream has no video
// splits on audio frames, even with record all.
func TestAudioOnlySplitsOnAudio(t *testing.T) {
	rc := newRecorder(t, "", all)
	rc.MaxFrames = 20
	r := newRig(t, rc)
	in := stream{dur: 2000, audio: true, headers: true}.frames()
	r.feed(in...)
	r.close(rtmp.CloseUnpublish)
	checkPieces(t, r, in, aacSeqPayload)
	evs := r.doneEvents()
	if len(evs) != 5 {
		t.Fatalf("%d files, want 5 (87 frames, 20 per file)", len(evs))
	}
	for _, ev := range evs[:4] {
		if ev.AudioFrames != 20 {
			t.Fatalf("file %s has %d frames, want exactly 20", ev.Path, ev.AudioFrames)
		}
	}
}

// TestLongTimeline: 64-bit timestamps past 2^31 ms are written
// exactly (no 24.8-day clamp) and a file is split before FLV's 32-bit
// timestamps would wrap (49.7 days).
func TestLongTimeline(t *testing.T) {
	const big = int64(3_000_000_000) // past 2^31 ms
	t.Run("past 2^31", func(t *testing.T) {
		r := newRig(t, newRecorder(t, "", conf.RecordVideo))
		r.feed(vSeq(1<<40), vKey(1<<40, 0), vInter(1<<40+40, 1), vKey(1<<40+big, 2), vInter(1<<40+big+40, 3))
		r.close(rtmp.CloseUnpublish)
		if got := r.paths(); len(got) != 1 {
			t.Fatalf("files %v, want 1", got)
		}
		f := readFLV(t, r.paths()[0])
		if got, want := tagsString(f.Tags), "V0h V0k V40 V3000000000k V3000000040"; got != want {
			t.Fatalf("tags %s, want %s", got, want)
		}
	})
	t.Run("split before the wrap", func(t *testing.T) {
		r := newRig(t, newRecorder(t, "", conf.RecordVideo))
		in := []media.Frame{vSeq(0), vKey(0, 0), vInter(40, 1), vKey(softTS+1, 2), vInter(softTS+41, 3)}
		r.feed(in...)
		r.close(rtmp.CloseUnpublish)
		checkPieces(t, r, in, avcSeqPayload(0))
		if n := len(r.paths()); n != 2 {
			t.Fatalf("%d files, want 2", n)
		}
	})
	t.Run("forced without key frame", func(t *testing.T) {
		r := newRig(t, newRecorder(t, "", conf.RecordVideo))
		r.feed(vSeq(0), vKey(0, 0), vInter(maxTS, 1), vInter(maxTS+1, 2), vKey(maxTS+41, 3))
		r.close(rtmp.CloseUnpublish)
		p := r.paths()
		if len(p) != 2 {
			t.Fatalf("files %v, want 2", p)
		}
		if got, want := tagsString(readFLV(t, p[0]).Tags), "V0h V0k V4294967295"; got != want {
			t.Errorf("first file %s, want %s", got, want)
		}
		if got, want := tagsString(readFLV(t, p[1]).Tags), "V0h V0 V40k"; got != want { // nothing lost (TestForcedSplitLosesNoFrame)
			t.Errorf("second file %s, want %s", got, want)
		}
	})
}

// TestNeverTruncates: an existing file is never truncated; the next
// free "-N" name is used, before the suffix.
func TestNeverTruncates(t *testing.T) {
	for _, format := range recordFormats {
		t.Run(format, func(t *testing.T) {
			rc := formatRecorder(t, format, all)
			sfx := rc.Suffix
			old := []byte("an earlier recording")
			if err := os.WriteFile(rc.Path+"/cam"+sfx, old, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(rc.Path+"/cam-1"+sfx, old, 0o644); err != nil {
				t.Fatal(err)
			}
			rc.MaxFrames = 20
			r := newRig(t, rc)
			in := stream{dur: 1200, gop: 10, audio: true, headers: true}.frames()
			r.feed(in...)
			r.close(rtmp.CloseUnpublish)
			checkPieces(t, r, in, aacSeqPayload, avcSeqPayload(0))
			want := []string{rc.Path + "/cam-2" + sfx, rc.Path + "/cam-3" + sfx, rc.Path + "/cam-4" + sfx}
			if got := r.paths(); len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
				t.Fatalf("paths %v, want %v", got, want)
			}
			for _, p := range []string{"/cam" + sfx, "/cam-1" + sfx} {
				if b, _ := os.ReadFile(rc.Path + p); !bytes.Equal(b, old) {
					t.Fatalf("%s was modified: %q", p, b)
				}
			}
		})
	}
}
