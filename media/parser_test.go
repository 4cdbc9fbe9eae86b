package media

import (
	"bytes"
	"testing"
)

// TestConfigsParse: each codec's configuration fills the track: picture
// size and frame rate, sample rate and channels, and the typed config.
func TestConfigsParse(t *testing.T) {
	tests := []struct {
		name           string
		typ            uint8
		msgs           [][]byte
		w, h, rate, ch int
		check          func(*Track) bool
	}{
		{"AVC", TypeVideo, [][]byte{cat([]byte{0x17, 0, 0, 0, 0}, avcRecord(0x42))}, 640, 128, 0, 0,
			func(t *Track) bool {
				return t.AVC.Profile == 0x42 && t.AVC.Level == 0x1E && t.AVC.LengthSize == 4 && len(t.AVC.PPS) == 1
			}},
		{"HEVC", TypeVideo, [][]byte{exVideo(1, 0, "hvc1", hevcRecord())}, 320, 240, 0, 0,
			func(t *Track) bool { return len(t.HEVC.VPS) == 1 && len(t.HEVC.SPS) == 1 && t.FrameRate == 25 }},
		{"AV1", TypeVideo, [][]byte{exVideo(1, 0, "av01", av1Record())}, 320, 240, 0, 0,
			func(t *Track) bool { return bytes.Equal(t.AV1.SequenceHeader, av1Seq) }},
		{"VP9 size from the first key frame", TypeVideo, [][]byte{exVideo(1, 0, "vp09", vp9Record()), exVideo(1, 1, "vp09", vp9Key)}, 320, 240, 0, 0,
			func(t *Track) bool { return t.VP9.Level == 10 && t.VP9.BitDepth == 8 }},
		{"AAC", TypeAudio, [][]byte{cat([]byte{0xAF, 0}, aacASC)}, 0, 0, 44100, 2,
			func(t *Track) bool { return t.AAC.ObjectType == 2 && bytes.Equal(t.Config, aacASC) }},
		{"Opus", TypeAudio, [][]byte{exAudio(0, "Opus", opusHead())}, 0, 0, 48000, 2,
			func(t *Track) bool { return t.Opus.PreSkip == 312 && t.Opus.InputSampleRate == 48000 }},
		{"FLAC", TypeAudio, [][]byte{exAudio(0, "fLaC", flacHead)}, 0, 0, 44100, 2,
			func(t *Track) bool { return t.FLAC.BitDepth == 16 && t.FLAC.MaxBlockSize == 4608 }},
		{"MP3 from its first frame", TypeAudio, [][]byte{cat([]byte{0x2F}, mp3Frame)}, 0, 0, 44100, 2,
			func(t *Track) bool { return t.MP3.Layer == 3 && !t.MP3.MPEG2 }},
		{".mp3 FourCC", TypeAudio, [][]byte{exAudio(1, ".mp3", mp3Frame)}, 0, 0, 44100, 2, func(t *Track) bool { return t.MP3 != nil }},
		{"AC-3 from its first frame", TypeAudio, [][]byte{exAudio(1, "ac-3", ac3Frame)}, 0, 0, 48000, 2,
			func(t *Track) bool { return t.AC3.Acmod == 2 && t.AC3.Bsid == 8 }},
		{"E-AC-3 from its first frame", TypeAudio, [][]byte{exAudio(1, "ec-3", eac3Frm)}, 0, 0, 48000, 2,
			func(t *Track) bool { return t.EAC3.Bsid == 16 }},
		{"Speex from the legacy flags", TypeAudio, [][]byte{{0xB2, 1}}, 0, 0, 16000, 1, func(t *Track) bool { return t.SoundFlags == 0xB2 }},
		{"G.711 decodes at 8 kHz", TypeAudio, [][]byte{{0x72, 1}}, 0, 0, 8000, 1, func(t *Track) bool { return t.LegacyID == 7 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Parser
			var f *Frame
			for _, m := range tt.msgs {
				if f = p.Media(tt.typ, 0, m); f.Err != nil {
					t.Fatal(f.Err)
				}
			}
			tr := f.Units[0].Track
			if tr.Width != tt.w || tr.Height != tt.h || tr.SampleRate != tt.rate || tr.Channels != tt.ch || !tt.check(tr) {
				t.Errorf("track %+v", tr)
			}
			if !tr.HasParams() {
				t.Error("no parameters")
			}
		})
	}
}

// TestParameterRule: an identical sequence start is a resend that leaves
// the state alone (even when wrapped differently: legacy or FourCC,
// another composition time field); a new SPS is a change that replaces
// the track; a header after a codec-only track is new.
func TestParameterRule(t *testing.T) {
	var p Parser
	seq := func(profile byte) []byte { return cat([]byte{0x17, 0, 0, 0, 0}, avcRecord(profile)) }
	if f := p.Media(TypeVideo, 0, []byte{0x17, 1, 0, 0, 0, 1}); f.Units[0].Param != ParamNone {
		t.Fatalf("frame param %v", f.Units[0].Param)
	}
	steps := []struct {
		name string
		body []byte
		want Param
		same bool // the state is the one before
	}{
		{"first header", seq(0x42), ParamNew, false},
		{"same bytes again", seq(0x42), ParamResend, true},
		{"same record, another composition time field", cat([]byte{0x17, 0, 0, 0, 9}, avcRecord(0x42)), ParamResend, true},
		{"another profile", seq(0x4D), ParamChange, false},
		{"back to the first", seq(0x42), ParamChange, false},
	}
	for _, s := range steps {
		before := p.State()
		f := p.Media(TypeVideo, 40, s.body)
		u := f.Units[0]
		if u.Param != s.want || (p.State() == before) != s.same || u.Track != p.State().Video() {
			t.Errorf("%s: param %v, state kept %v; want %v %v", s.name, u.Param, p.State() == before, s.want, s.same)
		}
	}
	// The same AVC parameters signalled with an avc1 FourCC are a new
	// codec signalling, so a change of track, not a resend.
	f := p.Media(TypeVideo, 80, exVideo(1, 0, "avc1", avcRecord(0x42)))
	if f.Units[0].Param != ParamChange || p.State().Video().FourCC != FourCCAVC {
		t.Errorf("FourCC header: %v", f.Units[0].Param)
	}
	if g := p.Media(TypeVideo, 120, exVideo(1, 0, "avc1", avcRecord(0x42))); g.Units[0].Param != ParamResend {
		t.Errorf("FourCC resend: %v", g.Units[0].Param)
	}
}

// TestOpusSequenceStartKept: an E-RTMP Opus sequence start is kept in the
// state as the audio header, byte for byte, and survives coded frames.
func TestOpusSequenceStartKept(t *testing.T) {
	var p Parser
	head := exAudio(0, "Opus", opusHead())
	f := p.Media(TypeAudio, 0, head)
	if !f.SeqHeader || f.Keyframe {
		t.Errorf("seq %v key %v", f.SeqHeader, f.Keyframe)
	}
	p.Media(TypeAudio, 20, exAudio(1, "Opus", []byte{0xFC, 1, 2}))
	a := p.State().Audio()
	if a == nil || !bytes.Equal(a.Header, head) || a.Codec != CodecOpus || a.Opus == nil {
		t.Fatalf("audio track %+v", a)
	}
}

// TestMultitrackTracksKept: every track of a multitrack stream is kept
// with its id; units carry their track, DTS and PTS; AppendTag rebuilds
// a single-track body that classifies to the same unit.
func TestMultitrackTracksKept(t *testing.T) {
	var p Parser
	nal := []byte{0, 0, 0, 1, 0x65}
	seq := cat([]byte{0x90 | exMultitrackV, ManyTracks<<4 | 0}, fcc("hvc1"),
		[]byte{0}, u24(len(hevcRecord())), hevcRecord(), []byte{1}, u24(len(hevcRecord())), hevcRecord())
	if f := p.Media(TypeVideo, 0, seq); f.Err != nil || len(f.Units) != 2 {
		t.Fatalf("%v %d units", f.Err, len(f.Units))
	}
	frame := cat([]byte{0x90 | exMultitrackV, ManyTracksManyCodecs<<4 | 1}, fcc("hvc1"), []byte{0}, u24(3+len(nal)), u24(40), nal,
		fcc("hvc1"), []byte{1}, u24(3+len(nal)), u24(80), nal)
	f := p.Media(TypeVideo, 1000, frame)
	st := p.State()
	if len(st.Tracks) != 2 || st.Track(KindVideo, 1) == nil || st.Video().Width != 320 {
		t.Fatalf("state %+v", st.Tracks)
	}
	for i, u := range f.Units {
		if u.Track != st.Track(KindVideo, uint8(i)) || u.DTS != 1000 || u.PTS != 1000+40*int64(i+1) || !u.Key || u.Tag != nil {
			t.Errorf("unit %d: %+v", i, u)
		}
		var q Parser
		g := q.Media(TypeVideo, 1000, AppendTag(nil, &u))
		if g.Err != nil || g.Units[0].PTS != u.PTS || !bytes.Equal(g.Units[0].Data, nal) || g.Units[0].Track.ID != 0 {
			t.Errorf("unit %d rebuilt: %v %+v", i, g.Err, g.Units)
		}
	}
	if h := st.Video().Header; !bytes.Equal(h, exVideo(1, 0, "hvc1", hevcRecord())) {
		t.Errorf("default track header %x", h)
	}
}

// TestCodecChangeMakesNewTrack: a new codec on a track replaces the
// track, dropping the old codec's header.
func TestCodecChangeMakesNewTrack(t *testing.T) {
	var p Parser
	p.Media(TypeAudio, 0, cat([]byte{0xAF, 0}, aacASC))
	p.Media(TypeAudio, 20, cat([]byte{0x2F}, mp3Frame))
	if a := p.State().Audio(); a.Codec != CodecMP3 || a.Header != nil || a.SampleRate != 44100 {
		t.Fatalf("audio %+v", a)
	}
	before := p.State()
	p.Media(TypeAudio, 40, cat([]byte{0x2F}, mp3Frame))
	if p.State() != before {
		t.Error("a frame of the same codec replaced the state")
	}
}

// TestStateSnapshotsAreImmutable: a state read earlier does not change.
func TestStateSnapshotsAreImmutable(t *testing.T) {
	var p Parser
	p.Media(TypeVideo, 0, cat([]byte{0x17, 0, 0, 0, 0}, avcRecord(0x42)))
	old := p.State()
	p.Media(TypeVideo, 0, cat([]byte{0x17, 0, 0, 0, 0}, avcRecord(0x4D)))
	if old.Video().AVC.Profile != 0x42 || p.State().Video().AVC.Profile != 0x4D {
		t.Error("old state changed")
	}
	p.SetMetadata([]byte{2, 0, 1, 'x'})
	if old.Metadata != nil || p.State().Video() == nil || Empty.Tracks != nil {
		t.Error("metadata leaked into an older state")
	}
	p.Reset()
	if p.State() != Empty {
		t.Error("Reset kept the state")
	}
}
