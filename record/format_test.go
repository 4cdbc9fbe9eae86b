package record

import (
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
)

// TestEveryConfiguredFormatHasAMuxer: each record_format the
// configuration accepts names a format of the recorder's table, which
// declares what it carries under that name.
func TestEveryConfiguredFormatHasAMuxer(t *testing.T) {
	for _, name := range conf.RecordFormats {
		f, ok := formats[name]
		if !ok {
			t.Errorf("record_format %s has no format", name)
			continue
		}
		if c := f.Caps(); c.Name != name || c.Suffix == "" || c.Carries == nil {
			t.Errorf("record_format %s: caps %+v", name, c)
		}
	}
	if len(formats) != len(conf.RecordFormats) {
		t.Errorf("%d formats, the configuration names %d", len(formats), len(conf.RecordFormats))
	}
}
