package flv

import (
	"testing"

	"github.com/rtmprecd/rtmprecd/media"
)

// TestCaps: FLV carries every codec it is given (tags are copied), keeps
// new sequence headers in band (no new file on a parameter change),
// appends, and splits before its 32-bit timestamps overflow.
func TestCaps(t *testing.T) {
	c := Format{}.Caps()
	if c.Name != "flv" || c.Suffix != ".flv" || !c.Append || c.NewFileOnParamChange || c.MaxTimestamp != 1<<32-1 {
		t.Errorf("caps %+v", c)
	}
	for _, tr := range []*media.Track{{Kind: media.KindVideo, Codec: media.CodecAVC}, {Kind: media.KindAudio}} {
		if !c.Carries(tr) {
			t.Errorf("does not carry %+v", tr)
		}
	}
}
