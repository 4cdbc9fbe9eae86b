// Package playbacktest writes recordings split like a recorder's, in every
// format, with their index rows, for the tests of playback and its API.
package playbacktest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/index/sqlite"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
	fflv "github.com/rtmprecd/rtmprecd/record/format/flv"
	"github.com/rtmprecd/rtmprecd/record/format/fmp4"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
	"github.com/rtmprecd/rtmprecd/record/format/mp4"
)

// Epoch is the wall clock of the fixtures' first recording.
var Epoch = time.Date(2025, 3, 1, 14, 0, 0, 0, time.UTC)

// Formats are the recording formats by name.
// "hls-ts" is HLS with MPEG-TS segments, indexed as "hls".
var Formats = map[string]format.Format{"flv": fflv.Format{}, "mp4": mp4.Format{}, "fmp4": fmp4.Format{},
	"hls": hls.Format{Fragment: 2 * time.Second}, "hls-ts": hls.Format{Fragment: 2 * time.Second, Segment: hls.SegmentMPEGTS}}

// Recorded is one file a fixture wrote.
type Recorded struct {
	Row          index.Recording
	Video, Audio int // coded frames in it
}

// Record writes the FLV clip's frames into files of fmt split at the
// first key frame at or after every `every` of media, the way a recorder
// with record_interval does, and returns one index row per file, the
// first starting at start. Each file's timeline starts at 0.
func Record(t testing.TB, clip, fmtName, dir string, every time.Duration, start time.Time) []Recorded {
	t.Helper()
	return RecordLead(t, clip, fmtName, dir, every, start, 0)
}

// RecordLead is Record where each file after the first starts with the
// audio frames of up to lead before its key frame (the recorder's files
// of a publish whose audio runs ahead of its video look like this): the
// file's timeline starts at the first of them, its video later.
func RecordLead(t testing.TB, clip, fmtName, dir string, every time.Duration, start time.Time, lead time.Duration) []Recorded {
	t.Helper()
	f, err := flv.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	var p media.Parser
	var out []Recorded
	var m format.Muxer
	var cur *Recorded
	var fileStart int64
	closeFile := func(endTS int64) {
		if m == nil {
			return
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		cur.Row.Duration = time.Duration(endTS-fileStart) * time.Millisecond
		cur.Row.End = cur.Row.Start.Add(cur.Row.Duration)
		st, err := os.Stat(cur.Row.Path)
		if err != nil {
			t.Fatal(err)
		}
		cur.Row.Size = st.Size()
		out = append(out, *cur)
		m = nil
	}
	splits := splitKeys(t, f, every)
	var held []media.Unit // audio frames of the next file's lead
	write := func(u *media.Unit) {
		if err := m.Write(format.Sample{Track: u.Track, Unit: u, Time: u.DTS - fileStart, Key: u.Key}); err != nil {
			t.Fatal(err)
		}
		if u.Track.Kind == media.KindVideo {
			cur.Video++
		} else {
			cur.Audio++
		}
	}
	flushBefore := func(ts int64) { // writes the held audio older than ts
		n := 0
		for ; n < len(held) && held[n].DTS < ts; n++ {
			write(&held[n])
		}
		held = held[n:]
	}
	for _, tag := range f.Tags {
		if tag.Type != flv.TagAudio && tag.Type != flv.TagVideo {
			continue
		}
		ts := int64(tag.Timestamp)
		fr := p.Media(tag.Type, ts, tag.Data)
		if len(fr.Units) != 1 {
			continue
		}
		u := fr.Units[0]
		if u.Packet == media.PacketSeqStart {
			continue
		}
		if fr.Keyframe && u.Track.Kind == media.KindVideo && (m == nil || ts-fileStart >= every.Milliseconds()) {
			closeFile(ts)
			fileStart = ts
			if len(held) > 0 && m == nil && len(out) > 0 {
				fileStart = held[0].DTS
			}
			name := filepath.Join(dir, fmtName+"-"+time.Duration(ts*int64(time.Millisecond)).String()+suffix(fmtName))
			m = OpenMuxer(t, Formats[fmtName], name, p.State(), every)
			cur = &Recorded{Row: index.Recording{StreamPath: "live/cam", App: "live", Name: "cam", Format: strings.TrimSuffix(fmtName, "-ts"),
				Path: name, Status: index.StatusDone, Start: start.Add(time.Duration(fileStart) * time.Millisecond)}}
			for _, tr := range []*media.Track{p.State().Video(), p.State().Audio()} {
				if tr != nil {
					if err := m.Write(format.Sample{Track: tr, Time: 0}); err != nil {
						t.Fatal(err)
					}
				}
			}
			flushBefore(ts + 1)
		}
		if m == nil {
			continue
		}
		if u.Track.Kind == media.KindAudio && leads(splits, ts, lead) {
			held = append(held, u) // the next file's
			continue
		}
		write(&u)
	}
	last := int64(f.Tags[len(f.Tags)-1].Timestamp)
	closeFile(last + 40)
	return out
}

// splitKeys lists the times of the key frames where Record starts a
// file after the first.
func splitKeys(t testing.TB, f *flv.File, every time.Duration) []int64 {
	t.Helper()
	var p media.Parser
	var keys []int64
	start := int64(-1)
	for _, tag := range f.Tags {
		if tag.Type != flv.TagVideo {
			continue
		}
		ts := int64(tag.Timestamp)
		fr := p.Media(tag.Type, ts, tag.Data)
		if len(fr.Units) != 1 || fr.Units[0].Packet != media.PacketFrame || !fr.Keyframe {
			continue
		}
		if start < 0 {
			start = ts
		} else if ts-start >= every.Milliseconds() {
			keys, start = append(keys, ts), ts
		}
	}
	return keys
}

// leads reports whether an audio frame at ts is within lead before one
// of the split key frames.
func leads(splits []int64, ts int64, lead time.Duration) bool {
	for _, k := range splits {
		if ts < k && ts >= k-lead.Milliseconds() {
			return true
		}
	}
	return false
}

// OpenMuxer opens a muxer of f writing name (a directory for HLS, made
// here with its lock file, as the recorder does).
func OpenMuxer(t testing.TB, f format.Format, name string, st *media.State, every time.Duration) format.Muxer {
	t.Helper()
	opts := format.Options{Buffer: 256 << 10, FlushPeriod: time.Second,
		Now: time.Now, Codec: st, Video: true, Audio: true, SpanDuration: 2 * every, ExpectKeys: int(2 * every / time.Second),
		Path: name}
	var sink format.Sink
	if f.Caps().Playlist != "" {
		if err := os.Mkdir(name, 0o755); err != nil {
			t.Fatal(err)
		}
		d, err := format.OpenOSDir(name)
		if err != nil {
			t.Fatal(err)
		}
		if sink, err = d.Create(format.LockName); err != nil {
			t.Fatal(err)
		}
		opts.Dir = d
	} else {
		file, err := os.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		sink = format.NewOSSink(file)
	}
	o, err := f.Open(sink, opts)
	if err != nil {
		t.Fatal(err)
	}
	return o.Muxer
}

// NewStore returns a SQLite index in a temporary directory with rows.
func NewStore(t testing.TB, rows ...[]Recorded) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, rs := range rows {
		for i := range rs {
			if err := st.Put(context.Background(), &rs[i].Row); err != nil {
				t.Fatal(err)
			}
		}
	}
	return st
}

// suffix is the file name suffix the recorder gives a format.
func suffix(fmtName string) string {
	if s := Formats[fmtName].Caps().Suffix; s != "" {
		return s
	}
	return "." + fmtName
}
