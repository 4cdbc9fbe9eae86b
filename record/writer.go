package record

import (
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/format/flv"
	"github.com/rtmprecd/rtmprecd/record/format/fmp4"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
	"github.com/rtmprecd/rtmprecd/record/format/mp4"
)

// formats are the containers a recorder can write, by record_format
// name: the one list of them (conf.RecordFormats names the same ones).
var formats = map[string]format.Format{
	"flv":  flv.Format{},
	"mp4":  mp4.Format{},
	"fmp4": fmp4.Format{},
	"hls":  hls.Format{}, // formatOf applies the recorder's record_hls_* settings
}

// formatOf returns the format of a recorder; an unknown name (conf does
// not let one through) falls back to FLV, nginx-rtmp's only format.
func formatOf(rc *conf.Recorder) format.Format {
	if rc.Format == "hls" {
		return hls.Format{Segment: rc.HLSSegmentType, Fragment: rc.HLSFragment, MaxFragment: rc.HLSMaxFragment}
	}
	if f, ok := formats[rc.Format]; ok {
		return f
	}
	return formats["flv"]
}

// sink is the file under a muxer (format.Sink); the module wraps it for
// the Observer and tests wrap it to inject faults.
type sink = format.Sink

// newOSSink is the sink of an open file.
var newOSSink = format.NewOSSink

// Buffering defaults (Module.BufferSize, Module.FlushPeriod).
const (
	defaultBuffer = 64 << 10
	defaultFlush  = time.Second
)
