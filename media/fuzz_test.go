package media

import (
	"bytes"
	"encoding/binary"
	"flag"
	"testing"

	"github.com/rtmprecd/rtmprecd/internal/fuzzseed"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite testdata/fuzz/FuzzClassify from the seeds")

// messages frames fuzz input as a publish: per message one type byte (odd:
// video, even: audio), a 16-bit length and the body.
func messages(b []byte, fn func(typ uint8, body []byte)) {
	for len(b) >= 3 {
		typ, n := TypeAudio, int(binary.BigEndian.Uint16(b[1:3]))
		if b[0]&1 == 1 {
			typ = TypeVideo
		}
		b = b[3:]
		n = min(n, len(b))
		fn(typ, b[:n])
		b = b[n:]
	}
}

func seedOf(msgs ...[]byte) []byte {
	var out []byte
	for _, m := range msgs {
		typ := byte(0)
		if m[0] == 'v' {
			typ = 1
		}
		out = append(out, typ)
		out = binary.BigEndian.AppendUint16(out, uint16(len(m)-1))
		out = append(out, m[1:]...)
	}
	return out
}

func v(b []byte) []byte { return cat([]byte{'v'}, b) }
func a(b []byte) []byte { return cat([]byte{'a'}, b) }

func classifySeeds() [][]byte {
	nal := []byte{0, 0, 0, 1, 0x65}
	return [][]byte{
		seedOf(v(cat([]byte{0x17, 0, 0, 0, 0}, avcRecord(0x42))), a(cat([]byte{0xAF, 0}, aacASC)), v(cat([]byte{0x17, 1, 0, 0, 40}, nal)), a([]byte{0xAF, 1, 1})),
		seedOf(v(exVideo(1, 0, "hvc1", hevcRecord())), v(exVideo(1, 1, "hvc1", u24(40), nal)), v(exVideo(1, 2, "hvc1"))),
		seedOf(v(exVideo(1, 0, "av01", av1Record())), v(exVideo(1, 0, "vp09", vp9Record())), v(exVideo(1, 1, "vp09", vp9Key))),
		seedOf(a(exAudio(0, "Opus", opusHead())), a(exAudio(1, "Opus", []byte{0xFC})), a(exAudio(0, "fLaC", flacHead))),
		seedOf(a(exAudio(1, "ac-3", ac3Frame)), a(exAudio(1, "ec-3", eac3Frm)), a(exAudio(1, ".mp3", mp3Frame)), a(cat([]byte{0x2F}, mp3Frame))),
		seedOf(v(cat([]byte{0x96, ManyTracksManyCodecs<<4 | 1}, fcc("avc1"), []byte{0}, u24(3+len(nal)), u24(40), nal, fcc("av01"), []byte{2}, u24(2), []byte{1, 2}))),
		seedOf(a(cat([]byte{0x95, ManyTracks<<4 | 0}, fcc("Opus"), []byte{0}, u24(19), opusHead(), []byte{1}, u24(19), opusHead()))),
		seedOf(v(cat([]byte{0x97, 2, 0x01, 0x86, 0x9F, 1}, fcc("hvc1"), u24(0), nal)), v([]byte{0xD1, 1}), v([]byte{0x57, 0})),
		seedOf(a([]byte{0xB2, 1}), a([]byte{0x72, 1}), a([]byte{0x82, 1})),
	}
}

// FuzzClassify runs arbitrary messages through the Parser: no panic; a
// body whose header Peek refuses does not classify; a unit's Tag is its message, or, for a track
// of a multitrack message, AppendTag rebuilds a body that classifies to
// the same codec, packet and payload; the state keeps one track per kind
// and id.
func FuzzClassify(f *testing.F) {
	seeds := classifySeeds()
	if *updateCorpus {
		fuzzseed.Write(f, "FuzzClassify", seeds)
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Parser
		messages(b, func(typ uint8, body []byte) {
			if _, err := Peek(typ, body); err != nil {
				if _, _, cerr := Classify(typ, body, nil); cerr == nil {
					t.Fatalf("Peek: %v, Classify: no error", err)
				}
			}
			fr := p.Media(typ, 7, body)
			for i := range fr.Units {
				checkUnit(t, typ, body, &fr.Units[i])
			}
		})
		seen := map[[2]uint8]bool{}
		for _, tr := range p.State().Tracks {
			k := [2]uint8{uint8(tr.Kind), tr.ID}
			if seen[k] {
				t.Fatalf("two %v tracks with id %d", tr.Kind, tr.ID)
			}
			seen[k] = true
		}
	})
}

func checkUnit(t *testing.T, typ uint8, body []byte, u *Unit) {
	if u.Track == nil || u.DTS != 7 {
		t.Fatalf("unit %+v", u)
	}
	if u.Tag != nil {
		if !bytes.Equal(u.Tag, body) {
			t.Fatal("Tag is not the message")
		}
		return
	}
	var q Parser
	g := q.Media(typ, 7, AppendTag(nil, u))
	if g.Err != nil || len(g.Units) != 1 {
		t.Fatalf("rebuilt tag of %v %v: %v", u.Track.Codec, u.Packet, g.Err)
	}
	r := g.Units[0]
	if r.Track.Codec != u.Track.Codec || r.Packet != u.Packet || r.PTS != u.PTS || !bytes.Equal(r.Data, u.Data) {
		t.Fatalf("rebuilt unit %+v, want %+v", r, u)
	}
}

// configCodecs are the codecs FuzzConfig feeds, chosen by the input's
// first byte.
var configCodecs = []Codec{CodecAVC, CodecHEVC, CodecAV1, CodecVP9, CodecAAC, CodecOpus, CodecFLAC, CodecMP3, CodecAC3, CodecEAC3}

func configSeeds() [][]byte {
	seeds := [][]byte{avcRecord(0x42), hevcRecord(), av1Record(), vp9Record(), aacASC, opusHead(), flacHead, mp3Frame, ac3Frame, eac3Frm}
	for i := range seeds {
		seeds[i] = append([]byte{byte(i)}, seeds[i]...)
	}
	return append(seeds, append([]byte{3}, vp9Key...))
}

// FuzzConfig feeds arbitrary bytes to every codec's configuration and
// frame-header parser (including the mediacommon ones): no panic, and
// what they report stays within what a real stream can have.
func FuzzConfig(f *testing.F) {
	seeds := configSeeds()
	if *updateCorpus {
		fuzzseed.Write(f, "FuzzConfig", seeds)
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		c := configCodecs[int(b[0])%len(configCodecs)]
		tr := &Track{Codec: c}
		configure(tr, b[1:])
		describe(tr, b[1:], true)
		if tr.Width < 0 || tr.Height < 0 || tr.Width > 1<<16 || tr.Height > 1<<16 || tr.SampleRate < 0 || tr.Channels < 0 || tr.Channels > 255 {
			t.Fatalf("%v track %+v", c, tr)
		}
		if tr.params == "" {
			t.Fatalf("%v: configure left no parameters", c)
		}
	})
}
