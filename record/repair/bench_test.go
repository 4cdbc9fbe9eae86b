package repair

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/format/fmp4"
	"github.com/rtmprecd/rtmprecd/record/format/mp4"
)

// clipTracks returns the clip's video and audio tracks and the FLV tags
// that defined them.
func clipTracks(b *testing.B) (v, a *media.Track, vTag, aTag []byte) {
	f, err := flv.ReadFile(testmedia.ClipVariant(b, testmedia.AV))
	if err != nil {
		b.Fatal(err)
	}
	var p media.Parser
	for _, tg := range f.Tags {
		fr := p.Media(tg.Type, 0, tg.Data)
		if !fr.SeqHeader || len(fr.Units) == 0 {
			continue
		}
		if tg.Type == media.TypeVideo && v == nil {
			v, vTag = fr.Units[0].Track, tg.Data
		} else if tg.Type == media.TypeAudio && a == nil {
			a, aTag = fr.Units[0].Track, tg.Data
		}
	}
	return v, a, vTag, aTag
}

// hourOfSamples calls write for one hour of 30 fps video (a key frame
// every second) and 50 fps audio, in decode order, 16 bytes each.
func hourOfSamples(write func(track int, ms int64, key bool) error) error {
	for ms := int64(0); ms < 3600_000; ms++ {
		if ms%100 == 0 || ms%100 == 33 || ms%100 == 66 {
			if err := write(0, ms, ms%1000 == 0); err != nil {
				return err
			}
		}
		if ms%20 == 0 {
			if err := write(1, ms, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// unfinishedHour writes an hour-long recording of the named format and
// leaves it as a crash would (flushed, not closed).
func unfinishedHour(b *testing.B, name, path string) {
	v, a, vTag, aTag := clipTracks(b)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	s := format.NewOSSink(f)
	data := make([]byte, 16)
	switch name {
	case "fmp4":
		m := fmp4.New(s, fmp4.Options{})
		m.AddTrack(v)
		m.AddTrack(a)
		err = hourOfSamples(func(i int, ms int64, key bool) error { return m.Write(i, ms, 0, key, data) })
		if err == nil {
			err = m.Flush()
		}
	case "mp4":
		var m *mp4.Muxer
		m, err = mp4.New(s, mp4.Options{Room: mp4.RoomFor(time.Hour, 30, 50), Journal: mp4.JournalPath(path)})
		if err != nil {
			b.Fatal(err)
		}
		m.AddTrack(v, media.TypeVideo, vTag)
		m.AddTrack(a, media.TypeAudio, aTag)
		err = hourOfSamples(func(i int, ms int64, key bool) error { return m.Write(i, ms, 0, key, data) })
		if err == nil {
			err = m.Flush()
		}
	}
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRepairHour: finishing an hour-long recording a crash left
// (108,000 video and 180,000 audio samples): the mp4 from its journal,
// the fmp4 by reading its 3,600 fragments' moofs.
func BenchmarkRepairHour(b *testing.B) {
	for _, name := range []string{"mp4", "fmp4"} {
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			live := filepath.Join(dir, "live.mp4")
			unfinishedHour(b, name, live)
			want := int64(288_000)
			if name == "fmp4" {
				want -= 2 // each track's last sample waits in the muxer for its duration
			}
			for b.Loop() {
				b.StopTimer()
				p := crashCopy(b, live, dir, "crashed.mp4")
				b.StartTimer()
				res, err := File(p)
				if err != nil || !res.Repaired || int64(res.Samples) != want {
					b.Fatalf("%+v, %v", res, err)
				}
			}
		})
	}
}
