package record

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/mp4check"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// checkMedia asserts that tags are exactly the media frames want, byte for
// byte, with timestamps relative to epoch (earlier ones at 0).
func checkMedia(t *testing.T, tags []flv.Tag, want []media.Frame, epoch int64) {
	t.Helper()
	var wm []media.Frame
	for _, f := range want {
		if !f.SeqHeader {
			wm = append(wm, f)
		}
	}
	if len(tags) != len(wm) {
		t.Fatalf("got %d media tags, want %d:\n%s", len(tags), len(wm), tagsString(tags))
	}
	for i, f := range wm {
		tg := tags[i]
		ts := max(f.Time-epoch, 0)
		if tg.Type != f.Type || int64(tg.Timestamp) != ts || !bytes.Equal(tg.Data, f.Payload) {
			t.Fatalf("tag %d = %s (%x), want type %d ts %d (%x)", i, tagString(&tg), tg.Data, f.Type, ts, f.Payload)
		}
	}
}

// checkHeaders asserts that a file starts with the given sequence headers
// at timestamp 0, in any order (the first file gets them as they arrive).
func checkHeaders(t *testing.T, f *flv.File, want ...[]byte) {
	t.Helper()
	if len(f.Tags) < len(want) {
		t.Fatalf("file has %d tags, want %d headers first", len(f.Tags), len(want))
	}
	left := append([][]byte(nil), want...)
	for i := range want {
		tg := f.Tags[i]
		found := false
		for j, h := range left {
			if h != nil && bytes.Equal(tg.Data, h) {
				left[j], found = nil, true
				break
			}
		}
		if !tg.IsSeqHeader() || tg.Timestamp != 0 || !found {
			t.Fatalf("tag %d = %s %x, want one of the sequence headers %x at 0", i, tagString(&tg), tg.Data, want)
		}
	}
}

// TestRecordFileLayout: FLV header, the sequence headers, then the payloads
// byte for byte with timestamps relative to the first frame, as nginx-rtmp
// writes them.
func TestRecordFileLayout(t *testing.T) {
	r := newRig(t, newRecorder(t, "", all))
	in := stream{start: 5000, dur: 2000, gop: 25, audio: true, headers: true}.frames()
	r.feed(in...)
	r.close(rtmp.CloseUnpublish)

	f := readFLV(t, filepath.Join(r.dir, "cam.flv"))
	if f.Header.Flags != flv.FlagAudio|flv.FlagVideo {
		t.Errorf("header flags %#x, want audio|video", f.Header.Flags)
	}
	checkHeaders(t, f, avcSeqPayload(0), aacSeqPayload)
	checkMedia(t, f.Tags[2:], in, 5000)
}

// TestRecordFlags: every record flag (off, all, audio, video, keyframes,
// manual) and combination, in every format.
func TestRecordFlags(t *testing.T) {
	in := stream{dur: 2000, gop: 25, audio: true, headers: true}.frames()
	tests := []struct {
		name         string
		flags        conf.RecordFlags
		file         bool
		video, audio int
		hdrFlags     uint8
	}{
		{"all", all, true, 50, 87, flv.FlagAudio | flv.FlagVideo},
		{"audio", conf.RecordAudio, true, 0, 87, flv.FlagAudio},
		{"video", conf.RecordVideo, true, 50, 0, flv.FlagVideo},
		{"keyframes", conf.RecordKeyframes, true, 2, 0, flv.FlagVideo},
		{"audio keyframes", conf.RecordAudio | conf.RecordKeyframes, true, 2, 87, flv.FlagAudio | flv.FlagVideo},
		{"video keyframes", conf.RecordVideo | conf.RecordKeyframes, true, 50, 0, flv.FlagVideo},
		{"off", conf.RecordOff, false, 0, 0, 0},
		{"off all", conf.RecordOff | all, false, 0, 0, 0},
		{"manual", conf.RecordManual, false, 0, 0, 0},
		{"manual all", conf.RecordManual | all, false, 0, 0, 0},
		{"empty", 0, false, 0, 0, 0},
	}
	for _, format := range recordFormats {
		for _, tt := range tests {
			t.Run(format+"/"+tt.name, func(t *testing.T) {
				r := newRig(t, formatRecorder(t, format, tt.flags))
				r.feed(in...)
				r.close(rtmp.CloseUnpublish)
				got := files(t, r.dir)
				if !tt.file {
					if len(got) != 0 || len(r.doneEvents()) != 0 {
						t.Fatalf("files %v, events %d; want none", got, len(r.doneEvents()))
					}
					return
				}
				p := filepath.Join(r.dir, "cam"+suffixOf(format))
				if format != "flv" {
					checkModeISO(t, p, tt.video, tt.audio, tt.flags&conf.RecordVideo == 0)
					return
				}
				f := readFLV(t, p)
				m := mediaTags(f)
				if v, a := countTags(m); v != tt.video || a != tt.audio {
					t.Errorf("video %d audio %d, want %d %d", v, a, tt.video, tt.audio)
				}
				if f.Header.Flags != tt.hdrFlags {
					t.Errorf("header flags %#x, want %#x", f.Header.Flags, tt.hdrFlags)
				}
				if tt.flags&conf.RecordVideo == 0 {
					for _, tg := range m {
						if tg.Type == flv.TagVideo && !tg.IsKeyframe() {
							t.Fatalf("inter frame %s in a keyframes recording", tagString(&tg))
						}
					}
				}
			})
		}
	}
}

// checkModeISO checks an mp4/fmp4 recording of a record mode: its sample
// counts, no track of a kind it does not record, and only key frames when
// keysOnly.
func checkModeISO(t *testing.T, path string, video, audio int, keysOnly bool) {
	t.Helper()
	v, a := isoSamples(t, path)
	if len(v) != video || len(a) != audio {
		t.Errorf("video %d audio %d, want %d %d", len(v), len(a), video, audio)
	}
	for _, s := range v {
		if keysOnly && !s.key {
			t.Fatalf("inter frame at %d in a keyframes recording", s.ms)
		}
	}
	rep, err := mp4check.File(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := min(video, 1) + min(audio, 1); len(rep.Tracks) != want {
		t.Errorf("%d tracks, want %d", len(rep.Tracks), want)
	}
}

func countTags(tags []flv.Tag) (video, audio int) {
	for _, tg := range tags {
		switch tg.Type {
		case flv.TagVideo:
			video++
		case flv.TagAudio:
			audio++
		}
	}
	return video, audio
}

// TestVideoWaitsForHeaderAndKeyframe: video before its sequence header and
// before the first key frame is not written, so that a file starts
// decodable.
func TestVideoWaitsForHeaderAndKeyframe(t *testing.T) {
	r := newRig(t, newRecorder(t, "", conf.RecordVideo))
	r.feed(vInter(0, 0), vKey(40, 1), vSeq(80), vInter(120, 2), vKey(160, 3), vInter(200, 4))
	r.close(rtmp.CloseUnpublish)
	f := readFLV(t, filepath.Join(r.dir, "cam.flv"))
	if got, want := tagsString(f.Tags), "V0h V80k V120"; got != want {
		t.Fatalf("tags %s, want %s", got, want)
	}
}

// TestAudioNotHeldBackForKeyframe: audio is written before the first video
// key frame, as nginx-rtmp (arut#99).
func TestAudioNotHeldBackForKeyframe(t *testing.T) {
	r := newRig(t, newRecorder(t, "", all))
	r.feed(vSeq(0), aSeq(0), aRaw(0, 0), vInter(10, 0), aRaw(23, 1), vKey(40, 1), aRaw(46, 2))
	r.close(rtmp.CloseUnpublish)
	f := readFLV(t, filepath.Join(r.dir, "cam.flv"))
	if got, want := tagsString(f.Tags), "V0h A0h A0 A23 V40k A46"; got != want {
		t.Fatalf("tags %s, want %s", got, want)
	}
}

// TestSequenceHeaderWrittenOnce: the publisher's own header message is
// not written again after its copy (nginx-rtmp writes the AAC one twice);
// a changed header is written in place.
func TestSequenceHeaderWrittenOnce(t *testing.T) {
	r := newRig(t, newRecorder(t, "", all))
	changed := media.Frame{Type: media.TypeVideo, Time: 80, Payload: avcSeqPayload(1), Keyframe: true, SeqHeader: true}
	r.feed(aSeq(0), vSeq(0), vKey(0, 0), aRaw(20, 0), aSeq(40), vSeq(40), changed, vKey(80, 1))
	r.close(rtmp.CloseUnpublish)
	f := readFLV(t, filepath.Join(r.dir, "cam.flv"))
	if got, want := tagsString(f.Tags), "A0h V0h V0k A20 V80h V80k"; got != want {
		t.Fatalf("tags %s, want %s", got, want)
	}
}

// TestEarlyFrameWrittenAtZero: a frame older than the file's first
// (A/V skew at the start) is written at 0, as nginx-rtmp does.
func TestEarlyFrameWrittenAtZero(t *testing.T) {
	r := newRig(t, newRecorder(t, "", all))
	r.feed(vSeq(1000), aSeq(1000), vKey(1000, 0), aRaw(980, 0), aRaw(1003, 1), vInter(1040, 1))
	r.close(rtmp.CloseUnpublish)
	f := readFLV(t, filepath.Join(r.dir, "cam.flv"))
	if got, want := tagsString(f.Tags), "V0h A0h V0k A0 A3 V40"; got != want {
		t.Fatalf("tags %s, want %s", got, want)
	}
}

// TestEnhancedRTMP: E-RTMP video (hvc1, av01): key frames and sequence
// starts recognised (nginx-rtmp never sees their key frames and writes no
// video), the sequence start written at the start of every file, tags
// byte for byte.
func TestEnhancedRTMP(t *testing.T) {
	for _, tc := range []struct {
		name    string
		seq     []byte
		payload func(bool, int) []byte
	}{
		{"hvc1", hevcExSeqPayload(), hevcExPayload},
		{"av01", av1ExSeqPayload(), av1ExPayload},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := newRecorder(t, "", all)
			rc.MaxFrames = 3
			r := newRig(t, rc)
			var in []media.Frame
			in = append(in, aSeq(0), media.Frame{Type: media.TypeVideo, Payload: tc.seq, Keyframe: true, SeqHeader: true})
			for i := range 8 {
				key := i%4 == 0
				in = append(in, media.Frame{Type: media.TypeVideo, Time: int64(i) * 40, Payload: tc.payload(key, i), Keyframe: key})
			}
			r.feed(in...)
			r.close(rtmp.CloseUnpublish)
			got := r.paths()
			if len(got) != 2 {
				t.Fatalf("files %v, want 2 (split at the second key frame)", got)
			}
			for i, p := range got {
				f := readFLV(t, p)
				checkHeaders(t, f, aacSeqPayload, tc.seq)
				if !f.Tags[2].IsKeyframe() {
					t.Errorf("file %d starts with %s, want a key frame", i, tagString(&f.Tags[2]))
				}
				checkMedia(t, f.Tags[2:], in[2+4*i:6+4*i], int64(160*i))
			}
		})
	}
}

// TestEndOfSequenceIsNotABreakFrame: ffmpeg's final end-of-sequence tag
// has the key frame type; it stays in the current file instead of
// starting a new one with nothing in it.
func TestEndOfSequenceIsNotABreakFrame(t *testing.T) {
	rc := newRecorder(t, "", conf.RecordVideo)
	rc.MaxFrames = 2
	r := newRig(t, rc)
	eos := media.Frame{Type: media.TypeVideo, Time: 80, Payload: []byte{0x17, 0x02, 0, 0, 0}, Keyframe: true}
	r.feed(vSeq(0), vKey(0, 0), vInter(40, 1), eos)
	r.close(rtmp.CloseUnpublish)
	p := r.paths()
	if len(p) != 1 {
		t.Fatalf("files %v, want 1", p)
	}
	if got, want := tagsString(readFLV(t, p[0]).Tags), "V0h V0k V40 V80k"; got != want {
		t.Fatalf("tags %s, want %s", got, want)
	}
}
