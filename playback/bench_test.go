package playback

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
)

// Synthetic stream of the benchmark: 2.7 Mbit/s in all.
const (
	benchFrameBytes = 13000 // 25 fps: 2.6 Mbit/s of video
	benchAudioBytes = 280   // 44.1 kHz AAC, 43 frames a second
)

// benchRecord writes hours of a synthetic AVC+AAC stream as fmt files of
// fileLen with our muxer and returns their rows.
func benchRecord(b *testing.B, fmtName string, total, fileLen time.Duration) []recorded {
	dir := b.TempDir()
	var p media.Parser
	sps := []byte{0x67, 0x42, 0xC0, 0x1E, 0xD9, 0x00, 0xA0, 0x47, 0xFE, 0xC8}
	pps := []byte{0x68, 0xCE, 0x3C, 0x80}
	seq := append([]byte{0x17, 0, 0, 0, 0, 1, 0x42, 0xC0, 0x1E, 0xFF, 0xE1, 0, byte(len(sps))}, sps...)
	seq = append(append(seq, 1, 0, byte(len(pps))), pps...)
	p.Media(tagVideo, 0, seq)
	p.Media(tagAudio, 0, []byte{0xAF, 0, 0x12, 0x10})
	video := make([]byte, 5+4+benchFrameBytes)
	for i := 10; i < len(video); i++ { // the NAL unit after its header byte
		video[i] = 0x5a // not zeros: a NAL unit never ends in one (an MPEG-TS reader cuts them as padding)
	}
	audio := make([]byte, 2+benchAudioBytes)
	var out []recorded
	for start := time.Duration(0); start < total; start += fileLen {
		name := filepath.Join(dir, fmt.Sprintf("%d.%s", start/time.Second, fmtName))
		m := openMuxer(b, formats[fmtName], name, p.State(), fileLen)
		write := func(typ uint8, ms int64, body []byte) {
			fr := p.Media(typ, ms, body)
			u := &fr.Units[0]
			if err := m.Write(format.Sample{Track: u.Track, Unit: u, Time: ms, Key: u.Key}); err != nil {
				b.Fatal(err)
			}
		}
		aNext := int64(0)
		for ms := int64(0); ms < fileLen.Milliseconds(); ms += 40 {
			video[0], video[1], video[9] = 0x27, 1, 0x41
			if ms%2000 == 0 {
				video[0], video[9] = 0x17, 0x65
			}
			be.PutUint32(video[5:], benchFrameBytes)
			write(tagVideo, ms, video)
			for ; aNext < ms+40; aNext += 23 {
				audio[0], audio[1] = 0xAF, 1
				write(tagAudio, aNext, audio)
			}
		}
		if err := m.Close(); err != nil {
			b.Fatal(err)
		}
		out = append(out, recorded{Row: index.Recording{StreamPath: "live/bench", Format: strings.TrimSuffix(fmtName, "-ts"), Path: name,
			Status: index.StatusDone, Start: epoch.Add(start), End: epoch.Add(start + fileLen), Duration: fileLen}})
	}
	return out
}

// peakHeap samples the heap in use until stop is closed.
func peakHeap(stop chan struct{}) chan uint64 {
	res := make(chan uint64, 1)
	go func() {
		var ms runtime.MemStats
		var peak uint64
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				res <- peak
				return
			case <-t.C:
			}
		}
	}()
	return res
}

// BenchmarkExportHour exports one hour of a 2.7 Mbit/s stream recorded in
// 10-minute fMP4 files (page cache) as mp4, fmp4 and flv, and reports
// MB/s and the peak heap in use during the export.
func BenchmarkExportHour(b *testing.B) {
	benchExport(b, benchRecord(b, "fmp4", time.Hour, 10*time.Minute))
}

// BenchmarkExportHourTS is BenchmarkExportHour from HLS recordings with
// 2-second MPEG-TS segments: every sample is gathered from its transport
// packets (the mp4 export: in both passes over the index, then again
// for the media).
func BenchmarkExportHourTS(b *testing.B) {
	benchExport(b, benchRecord(b, "hls-ts", time.Hour, 10*time.Minute))
}

func benchExport(b *testing.B, rec []recorded) {
	st := newStore(b, rec)
	req := Request{StreamPath: "live/bench", Start: epoch, End: epoch.Add(time.Hour)}
	for _, out := range []string{"mp4", "fmp4", "flv"} {
		b.Run(out, func(b *testing.B) {
			runtime.GC()
			stop := make(chan struct{})
			peak := peakHeap(stop)
			var n int64
			var firstByte time.Duration // the slowest of the iterations
			for b.Loop() {
				began := time.Now()
				p, err := NewPlan(context.Background(), st, req)
				if err != nil {
					b.Fatal(err)
				}
				cw := &countWriter{}
				if err = exportDiscard(p, out, cw); err != nil {
					b.Fatal(err)
				}
				n, firstByte = cw.n, max(firstByte, cw.first.Sub(began))
			}
			close(stop)
			b.SetBytes(n)
			b.ReportMetric(float64(<-peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(firstByte.Microseconds())/1000, "first-byte-ms")
		})
	}
}

func exportDiscard(p *Plan, out string, cw *countWriter) error {
	var err error
	switch out {
	case "mp4":
		var f *MP4File
		if f, err = p.NewMP4File(); err == nil {
			_, err = io.Copy(cw, f)
			f.Close()
		}
	case "fmp4":
		_, err = p.WriteFMP4(cw)
	case "flv":
		_, err = p.WriteFLV(cw)
	}
	return err
}

// countWriter counts bytes and notes when the first came.
type countWriter struct {
	n     int64
	first time.Time
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.n == 0 {
		c.first = time.Now()
	}
	c.n += int64(len(p))
	return len(p), nil
}

// BenchmarkListFragmentsHour lists the fragments of one hour of 10-minute
// fMP4 files, what a playlist of that hour reads.
func BenchmarkListFragmentsHour(b *testing.B) {
	rec := benchRecord(b, "fmp4", time.Hour, 10*time.Minute)
	var n int
	for b.Loop() {
		n = 0
		for _, r := range rec {
			st, err := os.Stat(r.Row.Path)
			if err != nil {
				b.Fatal(err)
			}
			fl, err := ListFragments(r.Row.Path, st.Size())
			if err != nil {
				b.Fatal(err)
			}
			n += len(fl.Fragments)
		}
	}
	b.ReportMetric(float64(n), "fragments")
}
