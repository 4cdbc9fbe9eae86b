package bench

import (
	"github.com/rtmprecd/rtmprecd/internal/mp4check"
)

// RecordFormat is how the benchmark finds and reads the recordings of one
// rtmprecd record format.
type RecordFormat struct {
	Suffix string
	// Count reads a recording strictly and counts its media frames.
	Count func(path string) (FileCount, error)
}

// Formats are the record formats the benchmark can measure, by their
// record_format name. HLS joins here (a segment directory per stream and
// a counter over its playlist) once it records.
var Formats = map[string]RecordFormat{
	"flv":  {Suffix: ".flv", Count: CountFile},
	"mp4":  {Suffix: ".mp4", Count: countMP4},
	"fmp4": {Suffix: ".mp4", Count: countMP4},
}

// ServerName is the results' name of rtmprecd recording format: plain
// "rtmprecd" for FLV, as in tables before the format axis.
func ServerName(format string) string {
	if format == "" || format == "flv" {
		return RTMPRecd
	}
	return RTMPRecd + " " + format
}

// countMP4 checks an mp4 or fmp4 recording with the strict checker and
// counts its samples. The sequence headers live in the sample entries:
// they are counted as present when the file has tracks.
func countMP4(path string) (FileCount, error) {
	rep, err := mp4check.File(path)
	var c FileCount
	if err != nil {
		return c, err
	}
	for _, tr := range rep.Tracks {
		switch tr.Handler {
		case "vide":
			c.Video += tr.Samples
		case "soun":
			c.Audio += tr.Samples
		}
		c.Headers++
	}
	c.Size = rep.Size
	return c, nil
}
