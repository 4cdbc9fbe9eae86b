package control

import (
	"testing"

	"github.com/rtmprecd/rtmprecd/media"
)

// TestStatMetaEnhancedRTMP: /stat describes Enhanced RTMP codecs from the
// session's codec state: the FourCC's codec name, and an Opus track's
// rate and channels from its ID header; an unknown FourCC by its letters.
func TestStatMetaEnhancedRTMP(t *testing.T) {
	var p media.Parser
	p.Media(media.TypeVideo, 0, []byte{0x91, 'v', 'p', '0', '9', 0x82})
	p.Media(media.TypeAudio, 0, append([]byte{0x90, 'O', 'p', 'u', 's'},
		'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 2, 0x38, 0x01, 0x80, 0xBB, 0, 0, 0, 0, 0))
	m := metaOf(p.State())
	if m == nil || m.Video == nil || m.Audio == nil {
		t.Fatalf("meta %+v", m)
	}
	if m.Video.Codec != "VP9" || m.Audio.Codec != "Opus" || m.Audio.SampleRate != 48000 || m.Audio.Channels != 2 {
		t.Errorf("video %+v audio %+v", m.Video, m.Audio)
	}
	p.Media(media.TypeVideo, 40, []byte{0x91, 'x', 'y', 'z', '1', 0})
	if v := metaOf(p.State()).Video; v.Codec != "xyz1" {
		t.Errorf("unknown FourCC named %q", v.Codec)
	}
}
