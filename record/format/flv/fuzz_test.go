package flv

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	flvfile "github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/rtmp/amf"
)

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
		ap, err := findAppendPoint(format.NewOSSink(fd), int64(len(b)))
		if err != nil {
			return
		}
		if ap.offset > int64(len(b)) || ap.offset+ap.torn > int64(len(b)) || ap.shift < 0 || ap.shift > maxTS {
			t.Fatalf("append point %+v for %d bytes", ap, len(b))
		}
		if cut := b[len(b)-int(ap.torn):]; ap.torn > 0 && (lastTag(format.NewOSSink(fd), int64(len(b))) || wholeTagIn(append([]byte{0}, cut...)) >= 0) {
			t.Fatalf("cut %d bytes holding a whole tag, or from an intact tail", ap.torn)
		}
		if ap.offset > 0 { // idempotent: the prefix is whole
			if err := fd.Truncate(ap.offset); err != nil {
				t.Fatal(err)
			}
			again, err := findAppendPoint(format.NewOSSink(fd), ap.offset)
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
		st := flvfile.Tag{Type: flvfile.TagScript, Data: body}
		if name, m, err := st.Metadata(); err != nil || name != "onMetaData" || m["metadatacreator"] != creator {
			t.Fatalf("metadata reads back as %q %v: %v", name, m, err)
		}
		if m := testmedia.GoFLVMeta(t, body); m["metadatacreator"] != creator {
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
	w, err := newFLVWriter(format.NewOSSink(fd), flvOptions{limit: 1024, meta: &metaPlan{reserve: reserveFor(&fields, 2), index: newKeyIndex(4, 2)}})
	if err != nil {
		f.Fatal(err)
	}
	for _, tg := range []tag{
		{Type: media.TypeVideo, Time: 0, Payload: avcSeqPayload(0), Keyframe: true, SeqHeader: true},
		{Type: media.TypeVideo, Time: 0, Payload: avcPayload(true, 0), Keyframe: true},
		{Type: media.TypeAudio, Time: 10, Payload: aacPayload(0)},
		{Type: media.TypeVideo, Time: 40, Payload: avcPayload(false, 1)},
		{Type: media.TypeVideo, Time: 80, Payload: avcPayload(true, 2), Keyframe: true},
	} {
		if err := w.write(tg); err != nil {
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
