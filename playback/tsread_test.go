package playback

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
)

// tsClips are FLV clips of every codec pair MPEG-TS segments carry.
func tsClips(t *testing.T) map[string]string {
	t.Helper()
	v, a := testmedia.ERTMPTrack(t, testmedia.HEVC, 3), testmedia.ERTMPTrack(t, testmedia.Opus, 3)
	return map[string]string{
		"h264+aac":  testmedia.ClipLength(t, testmedia.AV, 5),
		"h264+mp3":  testmedia.ClipMP3(t, 3),
		"hevc+opus": writeFLV(t, testmedia.Interleave(v, a)),
	}
}

// writeFLV writes frames as an FLV file, as a publisher's tags.
func writeFLV(t *testing.T, frames []media.Frame) string {
	t.Helper()
	b := []byte{'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0}
	for _, f := range frames {
		n, ts := len(f.Payload), f.Time
		b = append(b, f.Type, byte(n>>16), byte(n>>8), byte(n), byte(ts>>16), byte(ts>>8), byte(ts), byte(ts>>24), 0, 0, 0)
		b = binary.BigEndian.AppendUint32(append(b, f.Payload...), uint32(11+n))
	}
	name := filepath.Join(t.TempDir(), "clip.flv")
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// sampleOf is what a source says of a sample, its bytes read through R.
type sampleOf struct {
	key      bool
	dts      int64
	cts      int32
	data     string
	nonEmpty bool
}

// readAll drains a source into its video and audio samples.
func readAll(t *testing.T, src Source) (video, audio []sampleOf, err error) {
	t.Helper()
	defer src.Close()
	for {
		s, err := src.Next()
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return video, audio, err
		}
		b := make([]byte, s.Size)
		if _, err := s.R.ReadAt(b, s.Off); err != nil && err != io.EOF {
			t.Fatalf("sample %+v: %v", s, err)
		}
		o := sampleOf{key: s.Key, dts: s.DTS, cts: s.CTS, data: string(b), nonEmpty: s.Size > 0}
		if s.Video {
			video = append(video, o)
		} else {
			audio = append(audio, o)
		}
	}
}

// TestTSSourceMatchesFLV records each codec pair as FLV and as HLS with
// MPEG-TS segments: the TS source must give every sample of the FLV
// source with the same key flag, decode and composition times and codec
// payload, byte for byte (start codes, delimiters, the parameter sets
// the writer adds, ADTS headers and Opus control headers taken off), and
// tracks of the same codec and picture or sampling.
func TestTSSourceMatchesFLV(t *testing.T) {
	for name, clip := range tsClips(t) {
		t.Run(name, func(t *testing.T) {
			flvRec := record(t, clip, "flv", t.TempDir(), time.Minute, epoch)
			tsRec := record(t, clip, "hls-ts", t.TempDir(), time.Minute, epoch)
			want, err := Open("flv", flvRec[0].Row.Path, flvRec[0].Row.Size)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Open("hls", tsRec[0].Row.Path, 0)
			if err != nil {
				t.Fatal(err)
			}
			wv, wa := want.Tracks()
			gv, ga := got.Tracks()
			if wa == nil { // the FLV source names MP3 (no sequence start) only with its first frame
				wa = &media.Track{Codec: media.CodecMP3, SampleRate: 44100, Channels: 1}
			}
			if gv == nil || ga == nil || gv.Codec != wv.Codec || ga.Codec != wa.Codec || gv.Width != wv.Width ||
				gv.Height != wv.Height || ga.SampleRate != wa.SampleRate || ga.Channels != wa.Channels {
				t.Fatalf("tracks %+v %+v, want %+v %+v", gv, ga, wv, wa)
			}
			v1, a1, err := readAll(t, want)
			if err != nil {
				t.Fatal(err)
			}
			v2, a2, err := readAll(t, got)
			if err != nil {
				t.Fatal(err)
			}
			compareSamples(t, "video", v2, v1)
			compareSamples(t, "audio", a2, a1)
		})
	}
}

// TestTSSourceMatchesFMP4Segments: the same stream recorded as HLS with
// fMP4 and with MPEG-TS segments reads as the same samples (times on the
// same timeline, same bytes).
func TestTSSourceMatchesFMP4Segments(t *testing.T) {
	clip := testmedia.ClipLength(t, testmedia.AV, 5)
	var v, a [2][]sampleOf
	for i, f := range []string{"hls", "hls-ts"} {
		rec := record(t, clip, f, t.TempDir(), time.Minute, epoch)
		src, err := Open("hls", rec[0].Row.Path, 0)
		if err != nil {
			t.Fatal(err)
		}
		if v[i], a[i], err = readAll(t, src); err != nil {
			t.Fatal(err)
		}
	}
	compareSamples(t, "video", v[1], v[0])
	compareSamples(t, "audio", a[1], a[0])
}

func compareSamples(t *testing.T, kind string, got, want []sampleOf) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d samples, want %d", kind, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.key != w.key || g.dts != w.dts || g.cts != w.cts || g.data != w.data || !g.nonEmpty {
			t.Fatalf("%s sample %d: key %v dts %d cts %d %d bytes, want key %v dts %d cts %d %d bytes (same bytes: %v)",
				kind, i, g.key, g.dts, g.cts, len(g.data), w.key, w.dts, w.cts, len(w.data), g.data == w.data)
		}
	}
}

// TestTSExportCodecs exports each codec pair's TS recording whole to
// every output: ffprobe reads every sample the walk wrote, per stream,
// with its presentation time and key flag; mp4check accepts the MP4s.
// (TestTSSourceMatchesFLV shows the walk's samples are the source's.)
func TestTSExportCodecs(t *testing.T) {
	for name, clip := range tsClips(t) {
		rec := record(t, clip, "hls-ts", t.TempDir(), time.Minute, epoch)
		for _, out := range []string{"fmp4", "mp4", "flv"} {
			t.Run(name+"-to-"+out, func(t *testing.T) {
				p, err := NewPlan(context.Background(), newStore(t, rec), Request{StreamPath: "live/cam", Start: epoch, End: epoch.Add(time.Minute)})
				if err != nil {
					t.Fatal(err)
				}
				var walked [2][]testmedia.Packet
				if _, err := p.Walk(func(o *Out) error {
					k := 1
					if o.Video {
						k = 0
					}
					walked[k] = append(walked[k], testmedia.Packet{Video: o.Video, PTS: o.DTS + int64(o.CTS), DTS: o.DTS, Key: o.Key})
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				p.Close()
				file, wk := exportTo(t, p, out)
				if out != "flv" {
					checkMP4(t, file, wk)
				}
				// ffprobe lists Enhanced RTMP sequence starts (HEVC, Opus) as
				// packets, and reads no composition time or key flag from
				// HEVC frames (with an FLV source as well): there our reader
				// checks the video times.
				enhanced := out == "flv" && strings.HasPrefix(name, "hevc")
				if v, a := testmedia.ProbePackets(t, file); int64(v) != wk.Video+b2i(enhanced) || int64(a) != wk.Audio+b2i(enhanced) {
					t.Fatalf("ffprobe: %d video %d audio packets, walk %+v", v, a, wk)
				}
				got := splitPackets(testmedia.Packets(t, file))
				if enhanced {
					got[0], got[1] = readBackFLV(t, file), got[1][1:]
				}
				for k, kind := range []string{"video", "audio"} {
					if len(got[k]) != len(walked[k]) || len(got[k]) == 0 {
						t.Fatalf("%s: %d packets, the walk %d", kind, len(got[k]), len(walked[k]))
					}
					for i := range got[k] {
						if g, w := got[k][i], walked[k][i]; g.PTS != w.PTS || g.Key != w.Key {
							t.Fatalf("%s packet %d: %+v, the walk's %+v", kind, i, g, w)
						}
					}
				}
			})
		}
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// readBackFLV reads an exported FLV's video with our reader.
func readBackFLV(t *testing.T, name string) []testmedia.Packet {
	t.Helper()
	st, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	src, err := Open("flv", name, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out []testmedia.Packet
	for {
		s, err := src.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if s.Video {
			out = append(out, testmedia.Packet{Video: true, PTS: s.DTS + int64(s.CTS), DTS: s.DTS, Key: s.Key})
		}
	}
}

// splitPackets splits ffprobe's packets into video and audio.
func splitPackets(ps []testmedia.Packet) (out [2][]testmedia.Packet) {
	for _, p := range ps {
		if p.Video {
			out[0] = append(out[0], p)
		} else {
			out[1] = append(out[1], p)
		}
	}
	return out
}

// appendSession continues the HLS recording in dir with the clip's
// frames as a publisher coming back under record_append does: the muxer
// opened with Append, the times after its Shift.
func appendSession(t *testing.T, dir, clip string) {
	t.Helper()
	f, err := flv.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	var p media.Parser
	var m format.Muxer
	var shift, start int64
	for _, tag := range f.Tags {
		if tag.Type != flv.TagAudio && tag.Type != flv.TagVideo {
			continue
		}
		ts := int64(tag.Timestamp)
		fr := p.Media(tag.Type, ts, tag.Data)
		if len(fr.Units) != 1 || fr.Units[0].Packet == media.PacketSeqStart {
			continue
		}
		u := &fr.Units[0]
		if m == nil {
			if !fr.Keyframe || u.Track.Kind != media.KindVideo {
				continue
			}
			d, err := format.OpenOSDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			lock, err := os.OpenFile(filepath.Join(dir, format.LockName), os.O_WRONLY, 0) // the recorder's lock file, kept
			if err != nil {
				t.Fatal(err)
			}
			sink := format.NewOSSink(lock)
			o, err := formats["hls-ts"].Open(sink, format.Options{Buffer: 256 << 10, FlushPeriod: time.Second, Now: time.Now,
				Codec: p.State(), Video: true, Audio: true, SpanDuration: time.Minute, ExpectKeys: 60, Append: true, Path: dir, Dir: d})
			if err != nil || !o.Appended {
				t.Fatalf("append: %+v, %v", o, err)
			}
			m, shift, start = o.Muxer, o.Shift, ts
			for _, tr := range []*media.Track{p.State().Video(), p.State().Audio()} {
				if err := m.Write(format.Sample{Track: tr, Time: shift}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := m.Write(format.Sample{Track: u.Track, Unit: u, Time: shift + ts - start, Key: u.Key}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestTSAppend continues an HLS MPEG-TS recording under record_append:
// with the same parameters the source reads on through the
// discontinuity, the second session's samples after the first's; with
// another picture size (new parameter sets) it gives the first session's
// samples, then ErrCodecChange, and an export of the whole range ends
// at the change, a valid file.
func TestTSAppend(t *testing.T) {
	clip := testmedia.ClipLength(t, testmedia.AV, 4)
	for _, c := range []struct {
		name, second string
		change       bool
	}{
		{"same parameters", clip, false},
		{"other parameters", testmedia.ClipSized(t, testmedia.AV, 4, "320x240"), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := record(t, clip, "hls-ts", t.TempDir(), time.Minute, epoch)[0]
			first, err := Open("hls", rec.Row.Path, 0)
			if err != nil {
				t.Fatal(err)
			}
			wantV, wantA, err := readAll(t, first)
			if err != nil || len(wantV) != 100 {
				t.Fatalf("first session: %d video samples, %v", len(wantV), err)
			}
			appendSession(t, rec.Row.Path, c.second)
			pl, err := os.ReadFile(filepath.Join(rec.Row.Path, "index.m3u8"))
			if err != nil || !strings.Contains(string(pl), "#EXT-X-DISCONTINUITY") {
				t.Fatalf("playlist after the append (%v):\n%s", err, pl)
			}
			src, err := Open("hls", rec.Row.Path, 0)
			if err != nil {
				t.Fatal(err)
			}
			v, a, err := readAll(t, src)
			if c.change {
				if !errors.Is(err, ErrCodecChange) || len(v) != len(wantV) || len(a) != len(wantA) {
					t.Fatalf("%d video %d audio samples then %v; want %d %d then a codec change", len(v), len(a), err, len(wantV), len(wantA))
				}
				rec.Row.Duration, rec.Row.End = 8*time.Second, rec.Row.Start.Add(8*time.Second)
				p, err := NewPlan(context.Background(), newStore(t, []recorded{rec}), Request{StreamPath: "live/cam", Start: epoch, End: epoch.Add(8 * time.Second)})
				if err != nil {
					t.Fatal(err)
				}
				name, wk := exportTo(t, p, "mp4")
				if wk.ChangeAt.IsZero() || wk.Video != int64(len(wantV)) {
					t.Fatalf("walk %+v: want the %d video frames before the change, and where it is", wk, len(wantV))
				}
				checkMP4(t, name, wk)
				return
			}
			if err != nil || len(v) != 2*len(wantV) || len(a) < 2*len(wantA)-1 {
				t.Fatalf("%d video %d audio samples, %v; want both sessions' %d video and about %d audio", len(v), len(a), err, 2*len(wantV), 2*len(wantA))
			}
			for i := 1; i < len(v); i++ { // the second session follows where the playlist's media ended
				if d := v[i].dts - v[i-1].dts; d != 40 && (i != len(wantV) || d < 40 || d > 100) {
					t.Fatalf("video sample %d at %d ms after %d: want the second session right after the first", i, v[i].dts, v[i-1].dts)
				}
			}
		})
	}
}

// TestTSTimesGoingBack joins the segments of two recordings whose times
// both start at 0 into one playlist (not what the recorder writes: an
// append shifts the second): the source stops where the time would run
// backwards, as at a codec change, and never gives a sample out of order.
func TestTSTimesGoingBack(t *testing.T) {
	clip := testmedia.ClipLength(t, testmedia.AV, 4)
	a := record(t, clip, "hls-ts", t.TempDir(), time.Minute, epoch)[0]
	b := record(t, clip, "hls-ts", t.TempDir(), time.Minute, epoch)[0]
	first, err := Open("hls", a.Row.Path, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantV, wantA, err := readAll(t, first)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := os.ReadFile(filepath.Join(a.Row.Path, "index.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	body := strings.TrimSuffix(string(pl), "#EXT-X-ENDLIST\n")
	pb, err := os.ReadFile(filepath.Join(b.Row.Path, "index.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	next := strings.Count(body, "#EXTINF")
	body += "#EXT-X-DISCONTINUITY\n"
	lines := strings.Split(string(pb), "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "#EXTINF") {
			continue
		}
		name := strconv.Itoa(1000000 + next)[1:] + ".ts"
		next++
		data, err := os.ReadFile(filepath.Join(b.Row.Path, lines[i+1]))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(a.Row.Path, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		body += l + "\n" + name + "\n"
	}
	if err := os.WriteFile(filepath.Join(a.Row.Path, "index.m3u8"), []byte(body+"#EXT-X-ENDLIST\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := Open("hls", a.Row.Path, 0)
	if err != nil {
		t.Fatal(err)
	}
	v, au, err := readAll(t, src)
	if !errors.Is(err, ErrCodecChange) || len(v) != len(wantV) || len(au) != len(wantA) {
		t.Fatalf("%d video %d audio samples then %v; want %d %d then the stop", len(v), len(au), err, len(wantV), len(wantA))
	}
}

// TestTSPayloadReadInPieces reads a key frame through its ReaderAt in
// small pieces, as an HTTP range reader of the mp4 export does: the
// pieces make the whole sample, and reads past it end with io.EOF.
func TestTSPayloadReadInPieces(t *testing.T) {
	rec := record(t, testmedia.ClipLength(t, testmedia.AV, 2), "hls-ts", t.TempDir(), time.Minute, epoch)
	src, err := Open("hls", rec[0].Row.Path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	s, err := src.Next()
	if err != nil || !s.Key || s.Size < 1000 {
		t.Fatalf("first sample %+v, %v: want a key frame", s, err)
	}
	whole := make([]byte, s.Size)
	if n, err := s.R.ReadAt(whole, s.Off); n != len(whole) || err != nil {
		t.Fatalf("read %d of %d: %v", n, len(whole), err)
	}
	var pieces []byte
	for off := int64(0); off < int64(s.Size); off += 100 {
		b := make([]byte, min(100, int64(s.Size)-off))
		if _, err := s.R.ReadAt(b, s.Off+off); err != nil {
			t.Fatalf("piece at %d: %v", off, err)
		}
		pieces = append(pieces, b...)
	}
	if !bytes.Equal(pieces, whole) {
		t.Fatal("the pieces differ from the whole sample")
	}
	if n, err := s.R.ReadAt(make([]byte, 10), s.Off+int64(s.Size)-5); n != 5 || err != io.EOF {
		t.Fatalf("read over the end: %d, %v", n, err)
	}
}
