package hls

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
)

// crashRecording records the FLV clip with f as the recorder does (a
// Flush about every half second of video, as its flush timer) and stops
// without Close: the directory is what a crash leaves, the last segment
// written up to the last flush and unlisted.
func crashRecording(t *testing.T, f Format, clip string) string {
	t.Helper()
	file, err := flv.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	m, dir := openMuxer(t, f, t0)
	var p media.Parser
	frames := 0
	for _, tag := range file.Tags {
		typ := media.TypeAudio
		switch tag.Type {
		case flv.TagVideo:
			typ = media.TypeVideo
			frames++
		case flv.TagAudio:
		default:
			continue
		}
		fr := p.Media(typ, int64(tag.Timestamp), tag.Data)
		if len(fr.Units) == 0 {
			continue // a sequence end
		}
		u := &fr.Units[0]
		if err := m.Write(format.Sample{Track: u.Track, Unit: u, Time: int64(tag.Timestamp), Key: fr.Keyframe}); err != nil {
			t.Fatal(err)
		}
		if frames%12 == 0 && tag.Type == flv.TagVideo {
			if err := m.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := m.Flush(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// copyCut copies the recording directory src, the file torn cut to x
// bytes: the state of the disk at a crash during that segment's writes.
func copyCut(t *testing.T, src, torn string, x int64) string {
	t.Helper()
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == torn {
			b = b[:x]
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// byStream splits packets into video and audio, each in decode order.
func byStream(ps []testmedia.Packet) (streams [2][]testmedia.Packet) {
	for _, p := range ps {
		i := 0
		if p.Video {
			i = 1
		}
		streams[i] = append(streams[i], p)
	}
	for i := range streams {
		slices.SortStableFunc(streams[i], func(a, b testmedia.Packet) int { return int(a.DTS - b.DTS) })
	}
	return streams
}

// unit is one frame of the torn segment as ffprobe reads it and the
// byte range its whole unit (fMP4 fragment, MPEG-TS PES packet) ends at.
type unit struct {
	testmedia.Packet
	start, end int64
}

// tornUnits reads the uncut torn segment with ffprobe: its frames and
// where the unit holding each ends. fMP4: the mdat the frame's data lies
// in, found by walking the top-level boxes; MPEG-TS: where the next PES
// packet (any stream) starts, since our packetizer writes each PES
// packet's transport packets together. TS times lose the 100 ms offset.
func tornUnits(t *testing.T, dir, torn, initURI string) []unit {
	t.Helper()
	seg, err := os.ReadFile(filepath.Join(dir, torn))
	if err != nil {
		t.Fatal(err)
	}
	if initURI == "" {
		ps := testmedia.PlacedPackets(t, filepath.Join(dir, torn))
		starts := []int64{int64(len(seg))}
		for _, p := range ps {
			starts = append(starts, p.Pos)
		}
		slices.Sort(starts)
		var us []unit
		for _, p := range ps {
			i, _ := slices.BinarySearch(starts, p.Pos+1)
			p.PTS, p.DTS = p.PTS-100, p.DTS-100
			us = append(us, unit{p.Packet, p.Pos, starts[i]})
		}
		return us
	}
	init, err := os.ReadFile(filepath.Join(dir, initURI))
	if err != nil {
		t.Fatal(err)
	}
	joined := filepath.Join(t.TempDir(), "joined.mp4")
	if err := os.WriteFile(joined, append(init, seg...), 0o644); err != nil {
		t.Fatal(err)
	}
	mdats := boxes(t, seg, "mdat")
	var us []unit
	for _, p := range testmedia.PlacedPackets(t, joined) {
		pos := p.Pos - int64(len(init))
		i := slices.IndexFunc(mdats, func(b [2]int64) bool { return b[0] <= pos && pos < b[1] })
		if i < 0 {
			t.Fatalf("frame at %d outside every mdat %v", pos, mdats)
		}
		us = append(us, unit{p.Packet, mdats[i][0], mdats[i][1]})
	}
	return us
}

// boxes walks the top-level boxes of b and returns the [start, end) of
// those of type typ.
func boxes(t *testing.T, b []byte, typ string) [][2]int64 {
	t.Helper()
	var out [][2]int64
	for off := int64(0); off < int64(len(b)); {
		size := int64(binary.BigEndian.Uint32(b[off:]))
		if size < 8 || off+size > int64(len(b)) {
			t.Fatalf("box at %d of %d bytes in a %d-byte segment", off, size, len(b))
		}
		if string(b[off+4:off+8]) == typ {
			out = append(out, [2]int64{off, off + size})
		}
		off += size
	}
	return out
}

// checkFinished checks a repaired directory whose torn segment was cut at
// x: the playlist validates, ended, with the torn segment listed when a
// unit of it was whole; ffprobe reads every frame of the source up to
// the last whole unit and none after, with exact times; the segment's
// duration spans the frames kept.
func checkFinished(t *testing.T, dir, torn string, res Result, src [2][]testmedia.Packet, units []unit, x int64, ts bool) {
	t.Helper()
	var kept, all [2][]testmedia.Packet
	for _, u := range units {
		i := 0
		if u.Video {
			i = 1
		}
		all[i] = append(all[i], u.Packet)
		if u.end <= x {
			kept[i] = append(kept[i], u.Packet)
		}
	}
	p := readParsed(t, filepath.Join(dir, PlaylistName))
	if err := Validate(p, true); err != nil {
		t.Fatal(err)
	}
	last := p.Segments[len(p.Segments)-1]
	if len(kept[0])+len(kept[1]) == 0 {
		if res.Finished != "" || last.URI == torn || !slices.Contains(res.Removed, torn) {
			t.Fatalf("nothing whole, yet %+v, last listed %s", res, last.URI)
		}
	} else if res.Finished != torn || last.URI != torn || last.MS != res.FinishedMS {
		t.Fatalf("result %+v, last listed %+v", res, last)
	}
	if ts {
		checkTS(t, dir, p)
	}
	got := testmedia.Packets(t, filepath.Join(dir, PlaylistName))
	if ts {
		for i := range got {
			got[i].PTS, got[i].DTS = got[i].PTS-100, got[i].DTS-100
		}
	}
	gs := byStream(got)
	for i := range gs {
		n := len(kept[i])
		for _, s := range src[i] {
			if len(all[i]) > 0 && s.DTS < all[i][0].DTS {
				n++ // in a listed segment
			}
		}
		if !slices.Equal(gs[i], src[i][:n]) {
			t.Fatalf("stream %d: %d frames read, want the first %d of the source:\n%v\n%v", i, len(gs[i]), n, gs[i], src[i][:n])
		}
	}
	if res.Finished == "" {
		return
	}
	if want := keptMS(kept, src, ts); res.FinishedMS != want {
		t.Fatalf("finished segment of %d ms, its kept frames span %d ms", res.FinishedMS, want)
	}
}

// keptMS is the duration repair must give the frames kept: fMP4, the
// video's first decode time to the next source frame's (the muxer wrote
// the last kept frame's exact duration); MPEG-TS, the first kept decode
// time of any stream to the last video one plus the interval before it.
func keptMS(kept, src [2][]testmedia.Packet, ts bool) int64 {
	v := kept[1]
	last := v[len(v)-1].DTS
	if !ts {
		i := slices.IndexFunc(src[1], func(p testmedia.Packet) bool { return p.DTS > last })
		return src[1][i].DTS - v[0].DTS
	}
	first := v[0].DTS
	if len(kept[0]) > 0 {
		first = min(first, kept[0][0].DTS)
	}
	if len(v) > 1 {
		last += last - v[len(v)-2].DTS
	}
	return last - first
}

// TestRepairFinishesTornSegment: a recording stopped mid-segment (a
// crash) with its segment file cut at places a crash can leave it:
// inside a fragment's moof or mdat, between fragments, whole, inside the
// first fragment (fMP4); mid-packet, at a packet boundary inside a PES
// packet, right after the tables, whole (MPEG-TS). Repair keeps exactly
// the whole units, lists the segment with their duration, and removes it
// when none is whole.
func TestRepairFinishesTornSegment(t *testing.T) {
	clip := testmedia.Clip(t)
	src := byStream(testmedia.Packets(t, clip))
	for _, segType := range []string{SegmentFMP4, SegmentMPEGTS} {
		t.Run(segType, func(t *testing.T) {
			rec := crashRecording(t, Format{Segment: segType, Fragment: 2 * time.Second, MaxFragment: 4 * time.Second}, clip)
			p := readParsed(t, filepath.Join(rec, PlaylistName))
			torn, initURI := segmentName(len(p.Segments), ".ts"), ""
			if segType == SegmentFMP4 {
				torn, initURI = segmentName(len(p.Segments), ".m4s"), p.Segments[0].Map
			}
			seg, err := os.ReadFile(filepath.Join(rec, torn))
			if err != nil {
				t.Fatal(err)
			}
			units := tornUnits(t, rec, torn, initURI)
			for name, x := range cuts(t, seg, units, segType == SegmentMPEGTS) {
				t.Run(name, func(t *testing.T) {
					dir := copyCut(t, rec, torn, x)
					res, err := RepairDir(dir, nil)
					if err != nil {
						t.Fatal(err)
					}
					t.Logf("cut at %d of %d: %+v", x, len(seg), res)
					checkFinished(t, dir, torn, res, src, units, x, segType == SegmentMPEGTS)
					if again, err := RepairDir(dir, nil); err != nil || again.Closed || again.Finished != "" || len(again.Removed) > 0 {
						t.Fatalf("second repair: %+v, %v", again, err)
					}
				})
			}
		})
	}
}

// cuts are the places the torn segment seg is cut at.
func cuts(t *testing.T, seg []byte, units []unit, ts bool) map[string]int64 {
	t.Helper()
	size := int64(len(seg))
	if !ts {
		moofs, mdats := boxes(t, seg, "moof"), boxes(t, seg, "mdat")
		if len(moofs) < 3 {
			t.Fatalf("%d fragments in the torn segment, want 3 or more", len(moofs))
		}
		return map[string]int64{
			"in moof":          moofs[2][0] + 20,
			"in mdat":          (mdats[1][0] + mdats[1][1]) / 2,
			"between":          moofs[2][0],
			"whole":            size,
			"in first":         mdats[0][1] - 1,
			"torn header only": 5,
		}
	}
	// the last key frame's PES packet, of several transport packets
	mid := -1
	for i, u := range units {
		if u.Video && u.Key && u.end-u.start >= 3*tsPacketSize {
			mid = i
		}
	}
	if mid < 0 || size%tsPacketSize != 0 {
		t.Fatalf("no key frame of several packets in the torn segment (%d bytes)", size)
	}
	first := slices.MinFunc(units, func(a, b unit) int { return int(a.start - b.start) }).start
	return map[string]int64{
		"mid-packet":          size - 100,
		"mid-PES":             units[mid].end - tsPacketSize,
		"in first PES packet": first + 50,
		"after tables":        first,
		"whole":               size,
	}
}

// TestRepairFinishesFirstSegment: a crash before the first segment was
// listed leaves no playlist; repair makes one listing the finished
// segment (with its program date time and map) and ends it.
func TestRepairFinishesFirstSegment(t *testing.T) {
	clip := testmedia.Clip(t)
	src := byStream(testmedia.Packets(t, clip))
	for _, segType := range []string{SegmentFMP4, SegmentMPEGTS} {
		t.Run(segType, func(t *testing.T) {
			rec := crashRecording(t, Format{Segment: segType, Fragment: 10 * time.Second}, clip)
			if _, err := os.Stat(filepath.Join(rec, PlaylistName)); !os.IsNotExist(err) {
				t.Fatalf("a playlist before the first segment ended: %v", err)
			}
			torn, initURI := "000000.ts", ""
			if segType == SegmentFMP4 {
				torn, initURI = "000000.m4s", "init.mp4"
			}
			units := tornUnits(t, rec, torn, initURI)
			st, err := os.Stat(filepath.Join(rec, torn))
			if err != nil {
				t.Fatal(err)
			}
			res, err := RepairDir(rec, nil)
			if err != nil || !res.Closed || res.Segments != 1 {
				t.Fatalf("%+v, %v", res, err)
			}
			checkFinished(t, rec, torn, res, src, units, st.Size(), segType == SegmentMPEGTS)
			p := readParsed(t, filepath.Join(rec, PlaylistName))
			if s := p.Segments[0]; s.Map != initURI || s.PDT.IsZero() || time.Since(s.PDT) > time.Minute {
				t.Fatalf("first segment %+v", s)
			}
		})
	}
}

// TestRepairFinishesAppendedSegment: a crash in the first segment of an
// appended session (its playlist was ended when the session began):
// repair lists the finished segment after a discontinuity, with a
// program date time, and the duration of the frames that reached it.
func TestRepairFinishesAppendedSegment(t *testing.T) {
	for _, c := range []struct {
		segType string
		aac     []byte // the appended session's AAC configuration
		wantMS  int64
		firstAt time.Time // the first session's date (the clock was set back since)
	}{
		{SegmentFMP4, aacSeq, 37 * 40, t0},   // the last frame is held until the next one gives its duration
		{SegmentMPEGTS, aacSeq, 38 * 40, t0}, // every frame, the last lasting as long as the one before
		{SegmentFMP4, aacSeq48k, 37 * 40, t0},
		{SegmentMPEGTS, aacSeq, 38 * 40, time.Now().Add(24 * time.Hour)},
	} {
		t.Run(fmt.Sprintf("%s/%x/%s", c.segType, c.aac, c.firstAt.Format(time.DateOnly)), func(t *testing.T) {
			f := Format{Segment: c.segType, Fragment: 2 * time.Second, MaxFragment: 4 * time.Second}
			m, dir := openMuxer(t, f, c.firstAt)
			avSession(&feeder{t: t, m: m}, 0, 75, aacSeq)
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			first := readParsed(t, filepath.Join(dir, PlaylistName))
			m2, shift := appendMuxer(t, f, dir)
			avSession(&feeder{t: t, m: m2}, shift, 38, c.aac)
			if err := m2.Flush(); err != nil { // then the crash
				t.Fatal(err)
			}
			res, err := RepairDir(dir, nil)
			if err != nil || res.Closed || res.Finished == "" || res.Segments != len(first.Segments)+1 {
				t.Fatalf("%+v, %v", res, err)
			}
			p := readParsed(t, filepath.Join(dir, PlaylistName))
			if err := Validate(p, true); err != nil {
				t.Fatal(err)
			}
			last := p.Segments[len(p.Segments)-1]
			newMap := !bytes.Equal(c.aac, aacSeq) // new parameters: the session wrote init-1.mp4
			if last.URI != res.Finished || !last.Discontinuity || last.PDT.IsZero() || last.MS != c.wantMS ||
				last.NewMap != newMap || newMap && last.Map != initName(1) {
				t.Fatalf("appended segment %+v, want %d ms after a discontinuity, new map %v", last, c.wantMS, newMap)
			}
		})
	}
}

// aacSeq48k is an AAC sequence header with other parameters: 48 kHz.
var aacSeq48k = []byte{0xAF, 0x00, 0x11, 0x90}

// avSession feeds n frames of 25 fps video (a key frame every second)
// and AAC audio of configuration aac from time shift, sequence headers
// first.
func avSession(f *feeder, shift int64, n int, aac []byte) {
	f.feed(media.TypeVideo, shift, avcSeq())
	f.feed(media.TypeAudio, shift, aac)
	for i := range n {
		f.feed(media.TypeVideo, shift+int64(i)*40, avcFrame(i%25 == 0, i))
		f.feed(media.TypeAudio, shift+int64(i)*40+5, aacFrame(i))
	}
}

// appendMuxer opens a recording of f that continues the directory's
// playlist (record_append) and returns it with the time its media
// starts at.
func appendMuxer(t *testing.T, f Format, dir string) (format.Muxer, int64) {
	t.Helper()
	d, err := format.OpenOSDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, format.LockName))
	lock, err := d.Create(format.LockName)
	if err != nil {
		t.Fatal(err)
	}
	op, err := f.Open(lock, format.Options{Dir: d, Now: func() time.Time { return t0.Add(time.Hour) }, Path: dir, Append: true})
	if err != nil || !op.Appended {
		t.Fatalf("append: %+v, %v", op, err)
	}
	return op.Muxer, op.Shift
}

// TestRepairTornWithoutInit: a torn fMP4 segment whose init segment is
// gone cannot be read: it is removed as before, and the repair still
// ends the playlist.
func TestRepairTornWithoutInit(t *testing.T) {
	m, dir := openMuxer(t, Format{Fragment: 2 * time.Second, MaxFragment: 4 * time.Second}, t0)
	avSession(&feeder{t: t, m: m}, 0, 75, aacSeq)
	if err := m.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "init.mp4")); err != nil {
		t.Fatal(err)
	}
	res, err := RepairDir(dir, nil)
	if err != nil || res.Finished != "" || !res.Closed || !slices.Contains(res.Removed, "000001.m4s") {
		t.Fatalf("%+v, %v", res, err)
	}
}
