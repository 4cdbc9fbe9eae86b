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
		c := f.Caps()
		// a directory recording (HLS) has no suffix by default
		if c.Name != name || (c.Suffix == "") != (c.Playlist != "") || c.Carries == nil {
			t.Errorf("record_format %s: caps %+v", name, c)
		}
		// conf applies the default suffix and warns about record_append
		if c.Suffix != conf.FormatSuffix(name) || c.Append != conf.FormatAppends(name) {
			t.Errorf("record_format %s: suffix %q append %v, conf says %q %v", name, c.Suffix, c.Append,
				conf.FormatSuffix(name), conf.FormatAppends(name))
		}
	}
	if len(formats) != len(conf.RecordFormats) {
		t.Errorf("%d formats, the configuration names %d", len(formats), len(conf.RecordFormats))
	}
}
