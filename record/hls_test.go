package record

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/internal/mp4check"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

func hlsRecorder(t *testing.T, segType string) *conf.Recorder {
	rc := newRecorder(t, "", all)
	rc.Format, rc.Suffix, rc.HLSSegmentType = "hls", "", segType
	rc.HLSFragment, rc.HLSMaxFragment = 2*time.Second, 4*time.Second
	return rc
}

// readPlaylist parses and validates a recording's playlist.
func readPlaylist(t *testing.T, path string, ended bool) *hls.Playlist {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := hls.Parse(b)
	if err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
	if err := hls.Validate(p, ended); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
	return p
}

// tsOffsetMS is what the MPEG-TS segments add to every timestamp.
func tsOffsetMS(segType string) int64 {
	if segType == hls.SegmentMPEGTS {
		return 100
	}
	return 0
}

// segmentProbe is a segment ffprobe can read on its own: a TS segment
// as it is, an fMP4 one after its init segment.
func segmentProbe(t *testing.T, dir string, s hls.Segment) string {
	t.Helper()
	if s.Map == "" {
		return filepath.Join(dir, s.URI)
	}
	var b []byte
	for _, n := range []string{s.Map, s.URI} {
		p, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, p...)
	}
	out := filepath.Join(t.TempDir(), "seg.mp4")
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRecordHLSEveryFrameExactTimes: an 8-second ffmpeg clip (a key
// frame a second) recorded as HLS with both segment types: ffprobe reads
// index.m3u8 from disk with every source packet at its exact times; the
// playlist validates (ended, target, program date time at the capture
// time); each segment starts with a key frame and lasts at most the
// target plus one GOP; the event names the directory and its playlist
// and its size is the directory's.
func TestRecordHLSEveryFrameExactTimes(t *testing.T) {
	src := testmedia.ClipLength(t, testmedia.AV, 8)
	want := sortedPackets(testmedia.Packets(t, src))
	for _, segType := range []string{hls.SegmentFMP4, hls.SegmentMPEGTS} {
		t.Run(segType, func(t *testing.T) {
			r := newRig(t, hlsRecorder(t, segType))
			start := r.clk.Now()
			r.feed(framesOf(t, src)...)
			r.close(rtmp.CloseUnpublish)
			evs := r.doneEvents()
			if len(evs) != 1 {
				t.Fatalf("%d events", len(evs))
			}
			ev := evs[0]
			if ev.Playlist != filepath.Join(ev.Path, "index.m3u8") {
				t.Fatalf("event path %q playlist %q", ev.Path, ev.Playlist)
			}
			got := sortedPackets(testmedia.Packets(t, ev.Playlist))
			if len(got) != len(want) {
				t.Fatalf("%d packets, source has %d", len(got), len(want))
			}
			off := tsOffsetMS(segType)
			for i := range want {
				g := got[i]
				g.PTS, g.DTS = g.PTS-off, g.DTS-off
				if g != want[i] {
					t.Fatalf("packet %d: %+v, source %+v", i, g, want[i])
				}
			}
			p := readPlaylist(t, ev.Playlist, true)
			if p.Target != 4 || len(p.Segments) != 4 {
				t.Fatalf("target %d, %d segments: want 4 and 4 (2 s each)", p.Target, len(p.Segments))
			}
			if d := p.Segments[0].PDT.Sub(start); d < -time.Second || d > time.Second {
				t.Fatalf("program date time %v, captured at %v", p.Segments[0].PDT, start)
			}
			if segType == hls.SegmentFMP4 {
				checkCMAFTimeline(t, ev.Path, p)
			} else {
				checkTSSegments(t, ev.Path, p)
			}
			var size int64
			for _, s := range p.Segments {
				if s.MS > int64(p.Target)*1000+1000 {
					t.Fatalf("segment %s lasts %d ms: above target + one GOP", s.URI, s.MS)
				}
				ps := testmedia.Packets(t, segmentProbe(t, ev.Path, s))
				if i := slices.IndexFunc(ps, func(p testmedia.Packet) bool { return p.Video }); i < 0 || !ps[i].Key {
					t.Fatalf("segment %s does not start with a key frame", s.URI)
				}
			}
			ents, _ := os.ReadDir(ev.Path)
			for _, e := range ents {
				st, _ := os.Stat(filepath.Join(ev.Path, e.Name()))
				size += st.Size()
				if strings.HasPrefix(e.Name(), ".") && e.Name() != format.LockName {
					t.Fatalf("left behind: %s", e.Name())
				}
			}
			if ev.Size != size {
				t.Fatalf("event size %d, directory holds %d", ev.Size, size)
			}
		})
	}
}

// checkCMAFTimeline: the init segment followed by every segment is one
// valid fragmented MP4 to the strict checker, so each track's timeline
// runs on exactly from segment to segment (no overlap, no gap at a seam).
func checkCMAFTimeline(t *testing.T, dir string, p *hls.Playlist) {
	t.Helper()
	var whole []byte
	for i, s := range p.Segments {
		if i == 0 {
			b, err := os.ReadFile(filepath.Join(dir, s.Map))
			if err != nil {
				t.Fatal(err)
			}
			whole = append(whole, b...)
		}
		b, err := os.ReadFile(filepath.Join(dir, s.URI))
		if err != nil {
			t.Fatal(err)
		}
		whole = append(whole, b...)
	}
	if _, err := mp4check.Check(whole); err != nil {
		t.Fatalf("init + segments: %v", err)
	}
}

// probeLock tries the lock file's lock from a new open file description,
// as another process's lockf probe would: true when it is held.
func probeLock(t *testing.T, dir string) bool {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, format.LockName), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK}
	err = unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk)
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
		return true
	}
	if err != nil {
		t.Fatal(err)
	}
	return false
}

// TestRecordHLSLockAndPlaylistWhileRecording: while the recording runs
// its lock file is locked (a probe fails), the playlist on disk already
// lists the finished segments (an EVENT playlist without ENDLIST that
// ffprobe reads), and every update replaced it by rename (a new inode);
// after the close the lock is free.
func TestRecordHLSLockAndPlaylistWhileRecording(t *testing.T) {
	src := testmedia.ClipLength(t, testmedia.AV, 8)
	frames := framesOf(t, src)
	r := newRig(t, hlsRecorder(t, hls.SegmentFMP4))
	var dir string
	inodes := map[uint64]bool{}
	for i := range frames {
		r.feed(frames[i])
		if dir == "" {
			m, _ := filepath.Glob(filepath.Join(r.dir, "*", format.LockName))
			if len(m) == 1 {
				dir = filepath.Dir(m[0])
			}
		}
		var st unix.Stat_t
		if dir != "" && unix.Stat(filepath.Join(dir, "index.m3u8"), &st) == nil {
			inodes[st.Ino] = true
		}
	}
	if dir == "" || !probeLock(t, dir) {
		t.Fatalf("recording directory %q not locked while recording", dir)
	}
	p := readPlaylist(t, filepath.Join(dir, "index.m3u8"), false)
	if p.Ended || len(p.Segments) != 3 {
		t.Fatalf("while recording: ended %v, %d segments listed, want 3", p.Ended, len(p.Segments))
	}
	if len(inodes) != 3 {
		t.Fatalf("%d playlist inodes seen for 3 updates", len(inodes))
	}
	r.close(rtmp.CloseUnpublish)
	if probeLock(t, dir) {
		t.Fatal("lock still held after the recording closed")
	}
	readPlaylist(t, filepath.Join(dir, "index.m3u8"), true)
}

// TestRecordHLSAppendDiscontinuity: record_append continues the same
// playlist after #EXT-X-DISCONTINUITY with its own program date time;
// the same parameters keep the init segment, another resolution gets a
// second one (a new name) and a new #EXT-X-MAP. ffprobe reads every
// packet of the three sessions.
func TestRecordHLSAppendDiscontinuity(t *testing.T) {
	a := testmedia.ClipLength(t, testmedia.AV, 4)
	b := testmedia.ClipSized(t, testmedia.AV, 4, "320x240")
	rc := hlsRecorder(t, hls.SegmentFMP4)
	rc.Append = true
	wantPackets := 0
	var dirs []string
	for i, clip := range []string{a, a, b} {
		r := newRig(t, rc)
		r.clk.Advance(time.Duration(i) * time.Minute)
		r.feed(framesOf(t, clip)...)
		r.close(rtmp.CloseUnpublish)
		dirs = append(dirs, r.paths()...)
		wantPackets += len(testmedia.Packets(t, clip))
	}
	if len(dirs) != 3 || dirs[0] != dirs[1] || dirs[1] != dirs[2] {
		t.Fatalf("recordings %v: want one directory appended to", dirs)
	}
	pl := filepath.Join(dirs[0], "index.m3u8")
	p := readPlaylist(t, pl, true)
	var discs, maps []int
	for i, s := range p.Segments {
		if s.Discontinuity {
			discs = append(discs, i)
		}
		if s.NewMap {
			maps = append(maps, i)
		}
	}
	if len(discs) != 2 || len(maps) != 2 || maps[0] != 0 || maps[1] != discs[1] {
		t.Fatalf("discontinuities at %v, maps at %v: want 2 and a second map at the second discontinuity", discs, maps)
	}
	if p.Segments[discs[1]].Map != "init-1.mp4" || p.Segments[0].Map != "init.mp4" {
		t.Fatalf("maps %q and %q", p.Segments[0].Map, p.Segments[discs[1]].Map)
	}
	if got := len(testmedia.Packets(t, pl)); got != wantPackets {
		t.Fatalf("%d packets, sent %d", got, wantPackets)
	}
}

// TestRecordHLSEmptyLeavesNothing: a recording that got no media frame
// leaves no directory behind.
func TestRecordHLSEmptyLeavesNothing(t *testing.T) {
	rc := hlsRecorder(t, hls.SegmentFMP4)
	rc.Flags |= conf.RecordManual
	r := newRig(t, rc)
	r.feed(vSeq(0), aSeq(0))
	if _, err := r.m.Start("live", "cam", ""); err != nil {
		t.Fatal(err)
	}
	r.feed(media.Frame{Type: media.TypeAudio, Time: 10, Payload: aacPayload(1)})
	r.close(rtmp.CloseUnpublish)
	if ents, _ := os.ReadDir(rc.Path); len(ents) != 0 {
		t.Fatalf("left behind: %v", ents)
	}
}

// TestRecordHLSRepairKilledRecording: a snapshot of a recording's
// directory taken mid-recording (what a kill -9 leaves: no ENDLIST, the
// segment in progress unlisted, the lock free) is closed by
// hls.RepairDir: the segment in progress is finished and listed, the
// playlist ends and validates, and ffprobe reads every frame that
// reached the disk.
func TestRecordHLSRepairKilledRecording(t *testing.T) {
	for _, segType := range []string{hls.SegmentFMP4, hls.SegmentMPEGTS} {
		t.Run(segType, func(t *testing.T) {
			src := testmedia.ClipLength(t, testmedia.AV, 8)
			frames := framesOf(t, src)
			r := newRig(t, hlsRecorder(t, segType))
			r.feed(frames[:len(frames)*5/8]...)
			r.h.mu.Lock()
			for _, n := range r.h.nodes {
				n.w.Flush() // the unlisted segment reaches the disk, as the flush period would
			}
			r.h.mu.Unlock()
			m, _ := filepath.Glob(filepath.Join(r.dir, "*", format.LockName))
			if len(m) != 1 {
				t.Fatalf("lock files %v", m)
			}
			killed := filepath.Join(t.TempDir(), "killed")
			if out, err := exec.Command("cp", "-a", filepath.Dir(m[0]), killed).CombinedOutput(); err != nil {
				t.Fatalf("cp: %v: %s", err, out)
			}
			res, err := hls.RepairDir(killed, r.m.logger())
			if err != nil || !res.Closed || len(res.Removed) != 0 || res.Segments != 3 || res.Finished == "" {
				t.Fatalf("repair: %+v, %v", res, err)
			}
			readPlaylist(t, filepath.Join(killed, "index.m3u8"), true)
			// the segment being written is finished, not removed: every
			// frame fed is read, but (fMP4) the last of each track, which
			// the fragment writer holds until the next gives its duration
			end := frames[len(frames)*5/8].Time
			want := 0
			for _, p := range testmedia.Packets(t, src) {
				if p.DTS < end {
					want++
				}
			}
			if segType == hls.SegmentFMP4 {
				want -= 2
			}
			if n := len(testmedia.Packets(t, filepath.Join(killed, "index.m3u8"))); n != want {
				t.Fatalf("ffprobe reads %d frames after the repair, want %d", n, want)
			}
			if again, err := hls.RepairDir(killed, nil); err != nil || again.Closed || len(again.Removed) != 0 || again.Finished != "" {
				t.Fatalf("second repair: %+v, %v", again, err)
			}
			if live, err := hls.RepairDir(filepath.Dir(m[0]), nil); err != nil || live.Skipped != "live" {
				t.Fatalf("repair of the live recording: %+v, %v", live, err)
			}
			r.close(rtmp.CloseUnpublish)
		})
	}
}

// feedAt feeds frames with the rig's clock at each frame's time after
// base, as a real-time publisher would.
func feedAt(r *rig, base time.Time, frames []media.Frame) {
	for _, f := range frames {
		if d := base.Add(time.Duration(f.Time) * time.Millisecond).Sub(r.clk.Now()); d > 0 {
			r.clk.Advance(d)
		}
		r.feed(f)
	}
}

// TestRecordHLSDiskFull: a write that fails mid-segment (ENOSPC) ends
// the recording: the segment in progress is removed, the playlist lists
// every finished segment and ends, the event carries the error; once the
// disk has room again the recorder opens a new directory by itself, at a
// key frame after the back-off.
func TestRecordHLSDiskFull(t *testing.T) {
	var f *faults
	frames := framesOf(t, testmedia.ClipLength(t, testmedia.AV, 12))
	cut := func(ms int64) int { return slices.IndexFunc(frames, func(f media.Frame) bool { return f.Time >= ms }) }
	rc := hlsRecorder(t, hls.SegmentMPEGTS)
	r := newRigWith(t, func(m *Module) { f = injectFaults(m) }, rc)
	base := r.clk.Now()
	feedAt(r, base, frames[:cut(5200)]) // two segments listed, a third started
	f.set(true, 100, syscall.ENOSPC)
	feedAt(r, base, frames[cut(5200):cut(6500)])
	evs := r.doneEvents()
	if len(evs) != 1 || !errors.Is(evs[0].Err, syscall.ENOSPC) || evs[0].Reason != ReasonError {
		t.Fatalf("events %+v, want one ENOSPC error", evs)
	}
	// the disk was full for the playlist's end too: the playlist on disk
	// is the last complete one, which the repair at start closes
	p := readPlaylist(t, evs[0].Playlist, false)
	ents, _ := os.ReadDir(evs[0].Path)
	if len(p.Segments) != 2 || len(ents) != 4 { // 2 segments, playlist, lock
		t.Fatalf("%d segments listed, directory holds %d files", len(p.Segments), len(ents))
	}
	if res, err := hls.RepairDir(evs[0].Path, nil); err != nil || !res.Closed {
		t.Fatalf("repair: %+v, %v", res, err)
	}
	checkTSSegments(t, evs[0].Path, readPlaylist(t, evs[0].Playlist, true))
	f.set(false, 0, nil)
	feedAt(r, base, frames[cut(6500):])
	r.close(rtmp.CloseUnpublish)
	evs = r.doneEvents()
	if len(evs) != 2 || evs[1].Err != nil || evs[1].Path == evs[0].Path {
		t.Fatalf("events after the disk recovered: %+v", evs)
	}
	checkTSSegments(t, evs[1].Path, readPlaylist(t, evs[1].Playlist, true))
}

// TestRecordHLSMaxSizeNewDirectory: record_max_size splits a recording
// into directories (at a key frame, nothing lost): every frame is in one
// of the playlists.
func TestRecordHLSMaxSizeNewDirectory(t *testing.T) {
	src := testmedia.ClipLength(t, testmedia.AV, 8)
	wantV, wantA := testmedia.ProbePackets(t, src)
	rc := hlsRecorder(t, hls.SegmentFMP4)
	st, _ := os.Stat(src)
	rc.MaxSize = st.Size() / 3
	r := newRig(t, rc)
	r.feed(framesOf(t, src)...)
	r.close(rtmp.CloseUnpublish)
	evs := r.doneEvents()
	if len(evs) < 2 {
		t.Fatalf("%d recordings, want a split", len(evs))
	}
	var video, audio int
	for _, ev := range evs {
		readPlaylist(t, ev.Playlist, true)
		v, a := testmedia.ProbePackets(t, ev.Playlist)
		// the event also counts the end-of-sequence message the last
		// recording gets, which is no frame
		if d := ev.VideoFrames - int64(v); d < 0 || d > 1 || int64(a) != ev.AudioFrames {
			t.Fatalf("%s: ffprobe reads %d/%d frames, the event says %d/%d", ev.Path, v, a, ev.VideoFrames, ev.AudioFrames)
		}
		video, audio = video+v, audio+a
	}
	if video != wantV || audio != wantA {
		t.Fatalf("%d/%d frames in all, sent %d/%d", video, audio, wantV, wantA)
	}
}

// TestRecordHLSObserver: the metrics hear an HLS recording's segment,
// init segment and playlist writes (bytes within the directory's size),
// its flushes and, with record_fsync, its syncs: one per segment at least.
func TestRecordHLSObserver(t *testing.T) {
	o := &countingObserver{}
	rc := hlsRecorder(t, hls.SegmentFMP4)
	rc.Fsync = true
	r := newRigWith(t, func(m *Module) { m.Observer = o }, rc)
	r.feed(framesOf(t, testmedia.ClipLength(t, testmedia.AV, 8))...)
	r.close(rtmp.CloseUnpublish)
	evs := r.doneEvents()
	if len(evs) != 1 {
		t.Fatalf("events %+v", evs)
	}
	p := readPlaylist(t, evs[0].Playlist, true)
	n := int64(len(p.Segments))
	if o.opened.Load() != 1 || o.flushes.Load() < n || o.syncs.Load() < 2*n {
		t.Errorf("opened %d, flushes %d, syncs %d for %d segments", o.opened.Load(), o.flushes.Load(), o.syncs.Load(), n)
	}
	if got := o.bytes.Load(); got < evs[0].Size/2 || got > 2*evs[0].Size {
		t.Errorf("observed %d bytes written, the directory holds %d", got, evs[0].Size)
	}
}
