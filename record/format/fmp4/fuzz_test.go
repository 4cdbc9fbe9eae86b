package fmp4

import (
	"bytes"
	"errors"
	"testing"

	"github.com/rtmprecd/rtmprecd/media"
)

// memFile is an in-memory File for the muxer.
type memFile struct{ b []byte }

func (f *memFile) Writev(bufs [][]byte) (int64, error) {
	var n int64
	for _, b := range bufs {
		f.b = append(f.b, b...)
		n += int64(len(b))
	}
	return n, nil
}
func (f *memFile) WriteAt(p []byte, off int64) (int, error) { return copy(f.b[off:], p), nil }
func (f *memFile) Datasync() error                          { return nil }
func (f *memFile) Truncate(n int64) error                   { f.b = f.b[:n]; return nil }
func (f *memFile) Seek(off int64, _ int) (int64, error)     { return off, nil } // writes append

// seedFile writes a small file of ours: an AAC track, three fragments;
// closed adds the durations and (for video) the mfra.
func seedFile(t testing.TB, closed bool) []byte {
	f := &memFile{}
	m := New(f, Options{FragmentMS: 100})
	tr := &media.Track{Kind: media.KindAudio, Codec: media.CodecAAC, Config: []byte{0x12, 0x10}, SampleRate: 44100}
	var p media.Parser
	fr := p.Media(media.TypeAudio, 0, []byte{0xaf, 0, 0x12, 0x10})
	if len(fr.Units) == 1 {
		tr = fr.Units[0].Track
	}
	if _, err := m.AddTrack(tr); err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		if err := m.Write(0, int64(i)*23, 0, true, []byte{1, 2, 3, byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Flush(); err != nil {
		t.Fatal(err)
	}
	if closed {
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return f.b
}

// FuzzScan: the reader of existing fMP4 files (shared by repair and
// record_append) never panics, never reads past the file, reads no more
// than its bounds, and what it accepts is consistent: the whole
// fragments end inside the file, tracks are within bounds, timelines are
// not negative.
func FuzzScan(f *testing.F) {
	f.Add(seedFile(f, false))
	f.Add(seedFile(f, true))
	open := seedFile(f, false)
	f.Add(open[:len(open)-7])
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		sc, err := Scan(r, int64(len(b)))
		if err != nil {
			if !errors.Is(err, errDamaged) && !errors.Is(err, ErrNotFragmented) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if sc.End > int64(len(b)) || len(sc.Tracks) == 0 || len(sc.Tracks) > maxTracks {
			t.Fatalf("accepted %+v of a %d-byte file", sc, len(b))
		}
		for _, tr := range sc.Tracks {
			if tr.LastDTS < -1 || tr.Samples < 0 || tr.Timescale%1000 != 0 || (tr.Samples > 0) != (tr.FirstDTS >= 0) {
				t.Fatalf("track %+v", tr)
			}
		}
		_ = sc.EndMS()
		_ = sc.Finished()
		NeedsRepair(r, int64(len(b)))
	})
}

// TestScanSeed: the scan of a file the muxer wrote reads back its
// tracks, fragments and timeline (flushed but not closed, the last of the
// 12 samples is still in memory: its duration is known only from the next
// sample or at close); closing it makes it finished.
func TestScanSeed(t *testing.T) {
	b := seedFile(t, false)
	sc, err := Scan(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	tr := sc.Tracks[0]
	if len(sc.Tracks) != 1 || tr.Samples != 11 || sc.Fragments != 3 || sc.Seq != 3 || sc.End != int64(len(b)) ||
		sc.Tail != TailNone || sc.Finished() || tr.FirstDTS != 0 || tr.LastDTS != 10*23*int64(tr.Timescale/1000) {
		t.Fatalf("scan %+v, track %+v", sc, tr)
	}
	if sc.EndMS() != 11*23 {
		t.Fatalf("timeline ends at %d ms, want %d", sc.EndMS(), 11*23)
	}
	c := seedFile(t, true)
	sc, err = Scan(bytes.NewReader(c), int64(len(c)))
	if err != nil || !sc.Finished() || sc.DurationMS != 12*23 {
		t.Fatalf("closed: %+v, %v", sc, err)
	}
}
