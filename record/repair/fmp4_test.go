package repair

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtmprecd/rtmprecd/internal/mp4check"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/record/format"
)

// lastFragment returns where the last moof starts and its mdat's
// payload starts, read with the independent box checker.
func lastFragment(t *testing.T, path string) (moof, payload int64) {
	t.Helper()
	rep, err := mp4check.File(path)
	if err != nil {
		t.Fatal(err)
	}
	var off int64
	for i, typ := range rep.Top {
		b := rep.Boxes[i]
		if typ == "moof" {
			moof, payload = b.Off, b.Off+b.Size+8
		}
		off = b.Off + b.Size
	}
	if moof == 0 || off == 0 {
		t.Fatalf("no fragment in %v", rep.Top)
	}
	return moof, payload
}

// TestRepairFMP4TornTail: an fMP4 recording cut by a crash at several
// points of its last fragment (inside the moof's header, inside the
// moof, between moof and mdat, inside the mdat's header and payload, one
// byte short) is repaired to its whole fragments: the torn one is cut,
// durations and an mfra are written, the box checker and ffprobe accept
// it, and its packets are the source's up to the cut fragment. Uncut, no
// sample that reached the file is lost (each track's last sample waits in
// the muxer for its duration, so a crash loses at most those).
func TestRepairFMP4TornTail(t *testing.T) {
	clip := testmedia.ClipVariant(t, testmedia.AV)
	want := testmedia.Packets(t, clip)
	dir := t.TempDir()
	live := filepath.Join(dir, "live.mp4")
	m := writeRecording(t, "fmp4", clip, live, format.Options{})
	defer m.Close()
	st, _ := os.Stat(live)
	moof, payload := lastFragment(t, live)
	whole := crashCopy(t, live, dir, "whole.mp4")
	if err := os.Truncate(whole, moof); err != nil {
		t.Fatal(err)
	}
	before := len(testmedia.Packets(t, whole)) // the source's packets in the whole fragments
	flushed := len(testmedia.Packets(t, crashCopy(t, live, dir, "flushed.mp4")))
	if flushed < len(want)-2 {
		t.Fatalf("%d of the source's %d packets reached the file: more than each track's last is missing", flushed, len(want))
	}
	cuts := map[string]int64{"moof header": moof + 3, "moof": moof + 40, "mdat header": payload - 4,
		"before mdat": payload - 8, "mdat payload": payload + 10, "one byte short": st.Size() - 1, "uncut": st.Size()}
	for what, at := range cuts {
		t.Run(what, func(t *testing.T) {
			p := crashCopy(t, live, t.TempDir(), "cut.mp4")
			if err := os.Truncate(p, at); err != nil {
				t.Fatal(err)
			}
			res, err := File(p)
			if err != nil || !res.Repaired || res.Format != "fmp4" {
				t.Fatalf("repair: %+v, %v", res, err)
			}
			n := before
			if at == st.Size() {
				n = flushed
			}
			if res.Cut != at-moof && at != st.Size() || at == st.Size() && res.Cut != 0 {
				t.Fatalf("cut %d bytes, want %d", res.Cut, at-moof)
			}
			got := checkPlays(t, p)
			if len(got) != n {
				t.Fatalf("%d packets, want %d", len(got), n)
			}
			for i := range got {
				if got[i] != sortedLike(got, want)[i] {
					t.Fatalf("packet %d: %+v, source %+v", i, got[i], sortedLike(got, want)[i])
				}
			}
			rep, _ := mp4check.File(p)
			if rep.Top[len(rep.Top)-1] != "mfra" || rep.RandomAccess == 0 {
				t.Fatalf("boxes %v, %d random access entries", rep.Top, rep.RandomAccess)
			}
			if again, err := File(p); err != nil || again.Repaired {
				t.Fatalf("second repair: %+v, %v", again, err)
			}
			if Unfinished(p) {
				t.Fatal("a repaired file still reads as unfinished")
			}
		})
	}
}

// sortedLike returns the source packets in the order ffprobe lists the
// recording's (by kind then decode time for both), cut to its length.
func sortedLike(got, want []testmedia.Packet) []testmedia.Packet {
	return filterLike(got, want)
}

// filterLike keeps, for each kind, the first packets of want that the
// recording holds, in the recording's interleaving.
func filterLike(got, want []testmedia.Packet) []testmedia.Packet {
	var v, a []testmedia.Packet
	for _, p := range want {
		if p.Video {
			v = append(v, p)
		} else {
			a = append(a, p)
		}
	}
	out := make([]testmedia.Packet, 0, len(got))
	for _, p := range got {
		src := &a
		if p.Video {
			src = &v
		}
		if len(*src) == 0 {
			panic(fmt.Sprintf("more %v packets than the source", p.Video))
		}
		out, *src = append(out, (*src)[0]), (*src)[1:]
	}
	return out
}

// TestRepairFMP4TornMfra: a crash while close wrote the mfra (durations
// already in place) leaves a torn mfra: the file reads as unfinished, and
// repair cuts it and writes a whole one.
func TestRepairFMP4TornMfra(t *testing.T) {
	clip := testmedia.ClipVariant(t, testmedia.AV)
	dir := t.TempDir()
	live := filepath.Join(dir, "live.mp4")
	m := writeRecording(t, "fmp4", clip, live, format.Options{})
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	rep, err := mp4check.File(live)
	if err != nil {
		t.Fatal(err)
	}
	mfra := rep.Boxes[len(rep.Boxes)-1]
	if mfra.Type != "mfra" {
		t.Fatalf("boxes %v", rep.Top)
	}
	if Unfinished(live) {
		t.Fatal("a closed file reads as unfinished")
	}
	if err := os.Truncate(live, mfra.Off+mfra.Size/2); err != nil {
		t.Fatal(err)
	}
	if !Unfinished(live) {
		t.Fatal("a file with a torn mfra reads as finished")
	}
	res, err := File(live)
	if err != nil || !res.Repaired || res.Cut != mfra.Size/2 {
		t.Fatalf("repair %+v, %v", res, err)
	}
	checkPlays(t, live)
	if rep, _ := mp4check.File(live); rep.RandomAccess != 4 {
		t.Fatalf("%d random access entries, the clip has 4 key frames", rep.RandomAccess)
	}
}
