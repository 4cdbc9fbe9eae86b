package bench

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rtmprecd/rtmprecd/internal/mp4check"
)

// RecordFormat is how the benchmark finds and reads the recordings of one
// rtmprecd record format.
type RecordFormat struct {
	// Record is the record_format value ("" is the Formats key itself);
	// Directives are more lines of the application block (the segment
	// type of an hls variant).
	Record     string
	Directives []string
	Suffix     string
	// Count reads a recording strictly and counts its media frames.
	Count func(path string) (FileCount, error)
}

// Formats are the record formats the benchmark can measure, by their
// record_format name. An hls recording is a directory per stream, read
// through its playlist: "hls" with fMP4 segments (the default segment
// type), "hls-ts" with MPEG-TS ones.
var Formats = map[string]RecordFormat{
	"flv":    {Suffix: ".flv", Count: CountFile},
	"mp4":    {Suffix: ".mp4", Count: countMP4},
	"fmp4":   {Suffix: ".mp4", Count: countMP4},
	"hls":    {Suffix: "", Count: countHLS},
	"hls-ts": {Record: "hls", Directives: []string{"record_hls_segment_type mpegts"}, Count: countHLSTS},
}

// FormatNames lists the Formats keys, sorted, for usage texts.
func FormatNames() string {
	return strings.Join(slices.Sorted(maps.Keys(Formats)), ", ")
}

// configLines is the application block's directives that make rtmprecd
// record in format name, one a line, each ended by ";".
func configLines(name string) (string, error) {
	f, ok := Formats[name]
	if !ok {
		return "", fmt.Errorf("bench: no record format %q", name)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "record_format %s;", cmp.Or(f.Record, name))
	for _, d := range f.Directives {
		fmt.Fprintf(&b, "\n            %s;", d)
	}
	return b.String(), nil
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
	if err != nil {
		return FileCount{}, err
	}
	return tally(rep), nil
}

// tally counts a checked MP4's samples by kind.
func tally(rep mp4check.Report) FileCount {
	var c FileCount
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
	return c
}
