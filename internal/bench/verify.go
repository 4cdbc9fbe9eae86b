package bench

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/bench/load"
)

// FileCount is what a recording holds, read with the strict FLV reader.
type FileCount struct {
	// Video and Audio count media tags; sequence headers are counted in
	// Headers, script tags in Script.
	Video, Audio, Headers, Script int
	// Size is the file size in bytes.
	Size int64
}

// CountFile strictly reads the FLV file at path and counts its tags.
func CountFile(path string) (FileCount, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileCount{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return FileCount{}, err
	}
	c := FileCount{Size: st.Size()}
	r := flv.NewReader(bufio.NewReaderSize(f, 1<<20))
	for {
		t, err := r.Next()
		if err == io.EOF {
			return c, nil
		}
		if err != nil {
			return c, fmt.Errorf("%s: %w", path, err)
		}
		switch {
		case t.Type == flv.TagScript:
			c.Script++
		case t.IsSeqHeader():
			c.Headers++
		case t.Type == flv.TagVideo:
			c.Video++
		default:
			c.Audio++
		}
	}
}

// Completeness compares the recordings in dir with what the streams sent.
type Completeness struct {
	// Files is the number of streams whose file exists; Complete the
	// number whose file holds exactly the media frames sent, behind
	// sequence headers, and reads clean.
	Files, Complete int
	// Bytes is the size of every file in dir.
	Bytes int64
	// Problems describes the first few incomplete files.
	Problems []string
}

// maxProblems bounds Completeness.Problems.
const maxProblems = 5

// CheckRecordings checks that each stream of rep has dir/NAME.SUFFIX (of
// format, a Formats key; "" is FLV) holding its frames. Both servers keep every audio and video message of such a
// stream with `record all` (nginx-rtmp's record module writes every
// message once its sequence headers are known and a key frame was seen,
// which our clips give at once); sequence headers may appear more than
// once (nginx writes the AAC one twice), so only their presence counts.
func CheckRecordings(dir string, rep *load.Report, headers int, format string) (Completeness, error) {
	var c Completeness
	f, ok := Formats[cmp.Or(format, "flv")]
	if !ok {
		return c, fmt.Errorf("bench: no record format %q", format)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return c, fmt.Errorf("bench: recordings: %w", err)
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			c.Bytes += info.Size()
		}
	}
	for _, s := range rep.Streams {
		problem := checkStream(filepath.Join(dir, s.Name+f.Suffix), f.Count, &s, headers, &c)
		if problem == "" {
			c.Complete++
		} else if len(c.Problems) < maxProblems {
			c.Problems = append(c.Problems, s.Name+": "+problem)
		}
	}
	return c, nil
}

func checkStream(path string, count func(string) (FileCount, error), s *load.StreamReport, headers int, c *Completeness) string {
	if _, err := os.Stat(path); err != nil {
		return "no recording"
	}
	c.Files++
	got, err := count(path)
	var problems []string
	if err != nil {
		problems = append(problems, err.Error())
	}
	if got.Video != s.Video || got.Audio != s.Audio {
		problems = append(problems, fmt.Sprintf("%d video and %d audio frames recorded, %d and %d sent", got.Video, got.Audio, s.Video, s.Audio))
	}
	if got.Headers < headers {
		problems = append(problems, fmt.Sprintf("%d sequence headers, want at least %d", got.Headers, headers))
	}
	if s.Err != nil {
		problems = append(problems, "publisher: "+s.Err.Error())
	}
	return strings.Join(problems, "; ")
}
