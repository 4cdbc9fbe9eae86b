package record

import (
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/media"
)

// TestExpectKeyframes: the documented sizing rule of the metadata
// reserve.
func TestExpectKeyframes(t *testing.T) {
	gop2s := gopStats{ms: 2000, frames: 60 + 86, bytes: 675 << 10} // 2 s of a 2.7 Mbit/s stream
	tests := []struct {
		name string
		rec  conf.Recorder
		gop  gopStats
		want int
	}{
		{"no limits", conf.Recorder{}, gop2s, maxExpectKeys},
		{"no limits, GOP unknown", conf.Recorder{}, gopStats{}, maxExpectKeys},
		{"interval 10m", conf.Recorder{Interval: 10 * time.Minute, IntervalSet: true}, gop2s, 300 + 75 + 4},
		{"interval 10m, GOP unknown", conf.Recorder{Interval: 10 * time.Minute, IntervalSet: true}, gopStats{}, 600 + 150 + 4},
		{"interval 0", conf.Recorder{IntervalSet: true}, gop2s, 4},
		{"max size 10M", conf.Recorder{MaxSize: 10 << 20}, gop2s, 15 + 3 + 4},
		{"max size 1K, GOP unknown", conf.Recorder{MaxSize: 1 << 10}, gopStats{}, 4},
		{"max frames 2k", conf.Recorder{MaxFrames: 2048}, gop2s, 14 + 3 + 4},
		{"least wins", conf.Recorder{Interval: time.Hour, IntervalSet: true, MaxSize: 10 << 20}, gop2s, 22},
		{"day-long interval", conf.Recorder{Interval: 24 * time.Hour, IntervalSet: true}, gop2s, maxExpectKeys},
	}
	for _, tt := range tests {
		if got := expectKeyframes(&tt.rec, tt.gop); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}

//END

// TestWriterOptionsTellTheMuxer: a new file's muxer learns whether the
// recorder records video, the codec state at the open and the key frames
// the file is expected to hold (flv.TestIndexRoomOnlyWhenVideoIsKnown
// sizes the FLV index room from them).
func TestWriterOptionsTellTheMuxer(t *testing.T) {
	for _, tt := range []struct {
		flags conf.RecordFlags
		video bool
	}{{all, true}, {conf.RecordAudio, false}, {conf.RecordKeyframes, true}} {
		r := newRig(t, newRecorder(t, "", tt.flags))
		r.src.media.Media(media.TypeVideo, 0, avcSeqPayload(0))
		o := r.h.nodes[0].writerOptions()
		if o.Video != tt.video || o.Codec != r.src.Codec() || o.ExpectKeys != maxExpectKeys ||
			o.Buffer != defaultBuffer || o.FlushPeriod != defaultFlush {
			t.Errorf("flags %v: options %+v", tt.flags, o)
		}
	}
}
