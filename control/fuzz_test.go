package control

import (
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/media"
)

// FuzzSelector feeds untrusted query strings to the control API's parser:
// it must never panic and what it accepts must respect the limits.
func FuzzSelector(f *testing.F) {
	f.Add("app=live&name=cam1&rec=man&srv=0")
	f.Add("clientid=18446744073709551615&addr=127.0.0.1")
	f.Add("app=%zz")
	cfg := &conf.Config{Servers: []*conf.Server{{}}}
	f.Fuzz(func(t *testing.T, q string) {
		sel, err := parseSelector(q, cfg)
		if err != nil {
			return
		}
		if sel.srv != 0 || len(sel.app) > maxName || len(sel.name) > maxName || len(sel.newName) > maxName {
			t.Fatalf("accepted %q as %+v", q, sel)
		}
	})
}

// FuzzMeta feeds untrusted codec headers and metadata to /stat's codec
// description, through the session's classifier: it must never panic.
// vid and aid replace the legacy codec id of the headers.
func FuzzMeta(f *testing.F) {
	f.Add(avcHeader, aacHeader, []byte("\x02\x00\x0aonMetaData\x08\x00\x00\x00\x01\x00\x05width\x00\x40\x74\x00\x00\x00\x00\x00\x00\x00\x00\x09"), uint8(7), uint8(10))
	f.Add([]byte{0x17, 0}, []byte{0xaf, 0}, []byte{}, uint8(7), uint8(10))
	f.Fuzz(func(t *testing.T, video, audio, md []byte, vid, aid uint8) {
		var p media.Parser
		if len(video) > 0 && video[0]&0x80 == 0 {
			video[0] = video[0]&0xF0 | vid&0x0F
		}
		if len(audio) > 0 {
			audio[0] = aid<<4 | audio[0]&0x0F
		}
		p.Media(media.TypeVideo, 0, video)
		p.Media(media.TypeAudio, 0, audio)
		p.SetMetadata(md)
		if m := metaOf(p.State()); m != nil && m.Audio != nil && (m.Audio.Channels < 0 || m.Audio.SampleRate < 0) {
			t.Fatalf("audio %+v", m.Audio)
		}
	})
}
