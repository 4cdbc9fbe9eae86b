package record

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
	"github.com/rtmprecd/rtmprecd/rtmp/amf"
)

// fuzzFrames decodes fuzz input into frames: per frame one byte of type
// and flags, two bytes of time delta (signed, so time can go back), one
// byte of payload length, then the payload.
func fuzzFrames(b []byte) []media.Frame {
	var out []media.Frame
	t := int64(0)
	for len(b) >= 4 {
		h, delta, n := b[0], int16(binary.BigEndian.Uint16(b[1:3])), int(b[3])
		b = b[4:]
		n = min(n, len(b))
		t += int64(delta)
		f := media.Frame{Type: media.TypeAudio, Time: t, Payload: b[:n], Keyframe: h&2 != 0, SeqHeader: h&4 != 0}
		if h&1 != 0 {
			f.Type = media.TypeVideo
		}
		if h&8 != 0 {
			t += 1 << 32 // jump far ahead: exercises the 32-bit split
		}
		out = append(out, f)
		b = b[n:]
	}
	return out
}

// FuzzRecordFrames: whatever a publisher sends, every file the recorder
// closes passes the strict FLV reader and holds exactly the frames its
// event counts, plus at most two header copies.
func FuzzRecordFrames(f *testing.F) {
	seed := func(frames ...media.Frame) []byte {
		var b []byte
		prev := int64(0)
		for _, fr := range frames {
			h := byte(0)
			if fr.Type == media.TypeVideo {
				h |= 1
			}
			if fr.Keyframe {
				h |= 2
			}
			if fr.SeqHeader {
				h |= 4
			}
			b = append(b, h)
			b = binary.BigEndian.AppendUint16(b, uint16(fr.Time-prev))
			b = append(b, byte(len(fr.Payload)))
			b = append(b, fr.Payload...)
			prev = fr.Time
		}
		return b
	}
	f.Add(seed(stream{dur: 400, gop: 5, audio: true, headers: true}.frames()...))
	f.Add(seed(aSeq(0), aRaw(10, 0), vSeq(20), vKey(30, 1), vInter(5, 2)))
	f.Fuzz(func(t *testing.T, b []byte) {
		rc := &conf.Recorder{Flags: all, Path: t.TempDir(), Suffix: ".flv", MaxFrames: 7, MaxSize: 400}
		r := newRig(t, rc)
		r.feed(fuzzFrames(b)...)
		r.close(rtmp.CloseUnpublish)
		for _, ev := range r.doneEvents() {
			fl := readFLV(t, ev.Path)
			if st, err := os.Stat(ev.Path); err != nil || st.Size() != ev.Size {
				t.Fatalf("event size %d, file %v %v", ev.Size, st, err)
			}
			// Every tag is a counted media frame or one of at most two
			// header copies.
			if copies := int64(len(fl.Tags)) - ev.VideoFrames - ev.AudioFrames; copies < 0 || copies > 2 {
				t.Fatalf("%s: %d tags for %d+%d frames", filepath.Base(ev.Path), len(fl.Tags), ev.VideoFrames, ev.AudioFrames)
			}
		}
	})
}

// FuzzAppendPoint: any existing file is either refused (not FLV, or
// damaged before its tail) or yields an append point at the end of its
// last whole tag: cut there, the file is whole, and an index read or
// rebuilt from it points inside. Only a torn tail is ever cut: what is
// cut off holds no whole tag, and a file with an intact tail loses nothing.
func FuzzAppendPoint(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00"))
	f.Add([]byte("FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00\x09\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x17\x00\x00\x00\x0c"))
	ours := seedFile(f)
	f.Add(ours)
	f.Add(ours[:len(ours)-5])
	damaged := bytes.Clone(ours[:len(ours)-5])
	damaged[len(damaged)/2] ^= 0xFF
	f.Add(damaged)
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "x.flv")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		fd, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer fd.Close()
		ap, err := findAppendPoint(newOSSink(fd), int64(len(b)))
		if err != nil {
			return
		}
		if ap.offset > int64(len(b)) || ap.offset+ap.torn > int64(len(b)) || ap.shift < 0 || ap.shift > maxTS {
			t.Fatalf("append point %+v for %d bytes", ap, len(b))
		}
		if cut := b[len(b)-int(ap.torn):]; ap.torn > 0 && (lastTag(newOSSink(fd), int64(len(b))) || wholeTagIn(append([]byte{0}, cut...)) >= 0) {
			t.Fatalf("cut %d bytes holding a whole tag, or from an intact tail", ap.torn)
		}
		if ap.offset > 0 { // idempotent: the prefix is whole
			if err := fd.Truncate(ap.offset); err != nil {
				t.Fatal(err)
			}
			again, err := findAppendPoint(newOSSink(fd), ap.offset)
			if err != nil || again.offset != ap.offset || again.torn != 0 {
				t.Fatalf("prefix of %d bytes: %+v, %v", ap.offset, again, err)
			}
		}
		if ap.ours != nil {
			for _, pos := range ap.ours.index.pos {
				if pos >= ap.offset || pos < flvHeaderLen {
					t.Fatalf("index position %d outside %d", pos, ap.offset)
				}
			}
		}
	})
}

// FuzzCodecConfig: sequence headers and publisher metadata are untrusted.
// Whatever they hold, the picture size and audio parameters decode
// without panicking, and the onMetaData we build from them always fits
// the reserve sized for it and reads back strictly and with go-flv.
func FuzzCodecConfig(f *testing.F) {
	f.Add(avcSeqPayload(0), aacSeqPayload, []byte(nil))
	f.Add(hevcExSeqPayload(), []byte{0x2F}, amfMetaSeed())
	f.Fuzz(func(t *testing.T, video, audio, meta []byte) {
		var p media.Parser
		p.Media(media.TypeVideo, 0, video)
		p.Media(media.TypeAudio, 0, audio)
		p.SetMetadata(meta)
		fields := fieldsFromCodec(p.State())
		fields.video(p.State().Video())
		fields.audio(p.State().Audio())
		d := metaDoc{f: &fields, final: true, duration: 1, filesize: 1, times: []int64{0, 40}, pos: []int64{13, 99}}
		body, ok := d.fit(reserveFor(&fields, 2))
		if !ok {
			t.Fatal("metadata does not fit its reserve")
		}
		tag := flv.Tag{Type: flv.TagScript, Data: body}
		if name, m, err := tag.Metadata(); err != nil || name != "onMetaData" || m["metadatacreator"] != creator {
			t.Fatalf("metadata reads back as %q %v: %v", name, m, err)
		}
		if m := goFLVMeta(t, body); m["metadatacreator"] != creator {
			t.Fatalf("go-flv reads %v", m)
		}
	})
}

// amfMetaSeed is a publisher's onMetaData as OBS sends it.
func amfMetaSeed() []byte {
	b, _ := amf.Append(nil, "onMetaData", amf.ECMAArray{{Key: "width", Value: 1280.0}, {Key: "height", Value: 720.0},
		{Key: "framerate", Value: 30.0}, {Key: "encoder", Value: "obs-output module"}, {Key: "duration", Value: 0.0}})
	return b
}

// seedFile is a small finished file of ours: metadata with a 2-entry
// index, then a few tags.
func seedFile(f *testing.F) []byte {
	p := filepath.Join(f.TempDir(), "seed.flv")
	fd, err := os.Create(p)
	if err != nil {
		f.Fatal(err)
	}
	var fields metaFields
	w, err := newFLVWriter(newOSSink(fd), flvOptions{limit: 1024, meta: &metaPlan{reserve: reserveFor(&fields, 2), index: newKeyIndex(4, 2)}})
	if err != nil {
		f.Fatal(err)
	}
	for i, fr := range []media.Frame{vSeq(0), vKey(0, 0), aRaw(10, 0), vInter(40, 1), vKey(80, 2)} {
		if err := w.Write(sample{Type: fr.Type, Time: fr.Time, Payload: fr.Payload, Keyframe: fr.Keyframe, SeqHeader: i == 0}); err != nil {
			f.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		f.Fatal(err)
	}
	return b
}
