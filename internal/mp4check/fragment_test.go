package mp4check

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format/fmp4"
)

// memFile is an in-memory file for the fMP4 muxer.
type memFile struct{ b []byte }

func (f *memFile) Writev(bufs [][]byte) (int64, error) {
	var n int64
	for _, b := range bufs {
		f.b = append(f.b, b...)
		n += int64(len(b))
	}
	return n, nil
}
func (f *memFile) WriteAt(p []byte, off int64) (int, error) { return copy(f.b[off:], p), nil }
func (f *memFile) Datasync() error                          { return nil }
func (f *memFile) Truncate(n int64) error                   { f.b = f.b[:n]; return nil }
func (f *memFile) Seek(off int64, _ int) (int64, error)     { return off, nil }

func TestMain(m *testing.M) { testmedia.Main(m) }

// fragmented writes a closed fMP4 file of the clip's AVC track: 3 fragments of
// 4 frames, each starting with a key frame.
func fragmented(t *testing.T) []byte {
	t.Helper()
	clip, err := flv.ReadFile(testmedia.ClipVariant(t, testmedia.VideoOnly))
	if err != nil {
		t.Fatal(err)
	}
	var p media.Parser
	var fr *media.Frame
	for _, tg := range clip.Tags {
		if tg.Type == flv.TagVideo && tg.IsSeqHeader() {
			fr = p.Media(tg.Type, 0, tg.Data)
			break
		}
	}
	if fr == nil || len(fr.Units) != 1 {
		t.Fatal("no video sequence header in the clip")
	}
	f := &memFile{}
	m := fmp4.New(f, fmp4.Options{})
	if _, err := m.AddTrack(fr.Units[0].Track); err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		if err := m.Write(0, int64(i)*40, 0, i%4 == 0, []byte{0, 0, 0, 1, 0x65, byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	return f.b
}

// at returns the offset of the first box type typ after from.
func at(b []byte, typ string, from int) int { return from + strings.Index(string(b[from:]), typ) - 4 }

// TestCheckerFragments: a closed fMP4 of ours passes; a run outside its
// mdat, an mfra entry that points at no moof, a box after the mfra and a
// decode time that goes back are reported.
func TestCheckerFragments(t *testing.T) {
	rep, err := checkBytes(t, fragmented(t))
	if err != nil || !rep.Fragmented || rep.Fragments != 3 || rep.RandomAccess != 3 || rep.Samples[1] != 12 {
		t.Fatalf("valid file: %+v, %v", rep, err)
	}
	for _, c := range []struct {
		name string
		edit func(b []byte) []byte
		want string
	}{
		{"data outside the mdat", func(b []byte) []byte {
			trun := at(b, "trun", 0)
			binary.BigEndian.PutUint32(b[trun+16:], 5000)
			return b
		}, "outside the mdat"},
		{"mfra entry to nowhere", func(b []byte) []byte {
			tfra := at(b, "tfra", 0)
			off := tfra + 8 + 4 + 12 + 8 // first entry's moof offset
			binary.BigEndian.PutUint64(b[off:], binary.BigEndian.Uint64(b[off:])+1)
			return b
		}, "no moof there"},
		{"box after the mfra", func(b []byte) []byte {
			return append(b, 0, 0, 0, 8, 'f', 'r', 'e', 'e')
		}, "mfra is not the last box"},
		{"decode time going back", func(b []byte) []byte {
			tfdt := at(b, "tfdt", at(b, "moof", at(b, "moof", 0)+8))
			binary.BigEndian.PutUint64(b[tfdt+12:], 0)
			return b
		}, "not after the previous fragment"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := checkBytes(t, c.edit(fragmented(t))); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
}
