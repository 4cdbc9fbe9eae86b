package mp4check

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

// ffmpegMP4 writes a 2-second H.264+AAC MP4 with ffmpeg (an independent
// writer) with the given -movflags and returns its bytes.
func ffmpegMP4(t *testing.T, movflags string, audioOnly bool) []byte {
	t.Helper()
	testmedia.RequireFFmpeg(t)
	out := filepath.Join(t.TempDir(), "x.mp4")
	args := []string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y"}
	if !audioOnly {
		args = append(args, "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=2")
	}
	args = append(args, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2")
	if !audioOnly {
		args = append(args, "-c:v", "libx264", "-g", "25", "-pix_fmt", "yuv420p")
	}
	args = append(args, "-c:a", "aac", "-t", "2", "-movflags", movflags, out)
	if b, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCheckAcceptsFFmpegFiles: ffmpeg's progressive MP4 (moov first and
// last) and its fragmented MP4 with an mfra pass, with the right sample
// counts.
func TestCheckAcceptsFFmpegFiles(t *testing.T) {
	for _, tc := range []struct {
		flags   string
		audio   bool
		top     string
		samples []int
	}{
		{"+faststart", false, "ftyp moov free mdat", []int{50, 95}},
		{"-faststart", false, "ftyp free mdat moov", []int{50, 95}},
		{"+frag_keyframe+empty_moov+default_base_moof", true, "ftyp moov moof mdat mfra", []int{95}},
	} {
		t.Run(tc.flags, func(t *testing.T) {
			rep, err := Check(ffmpegMP4(t, tc.flags, tc.audio))
			if err != nil {
				t.Fatal(err)
			}
			if top := strings.Join(rep.Top, " "); top != tc.top {
				t.Errorf("top %s, want %s", top, tc.top)
			}
			if len(rep.Tracks) != len(tc.samples) {
				t.Fatalf("tracks %+v", rep.Tracks)
			}
			for i, n := range tc.samples {
				if got := rep.Tracks[i].Samples; got < n || got > n+2 {
					t.Errorf("track %d: %d samples, want about %d", i, got, n)
				}
			}
		})
	}
}

// TestCheckRejectsDamage: one damaged field at a time in a valid file
// fails with a message that says what is wrong.
func TestCheckRejectsDamage(t *testing.T) {
	prog := ffmpegMP4(t, "+faststart", false)
	frag := ffmpegMP4(t, "+frag_keyframe+empty_moov+default_base_moof", true)
	at := func(b []byte, typ string) int {
		i := bytes.Index(b, []byte(typ))
		if i < 4 {
			t.Fatalf("no %s", typ)
		}
		return i - 4 // the box start
	}
	for _, tc := range []struct {
		name, want string
		src        []byte
		damage     func(b []byte) []byte
	}{
		{"trailing byte", "stray bytes", prog, func(b []byte) []byte { return append(b, 0) }},
		{"cut", "does not fit", prog, func(b []byte) []byte { return b[:len(b)-1] }},
		{"chunk past mdat", "not inside an mdat", prog, func(b []byte) []byte {
			o := at(b, "stco") + 16
			binary.BigEndian.PutUint32(b[o:], uint32(len(b)-10))
			return b
		}},
		{"stss zero", "stss entry 0", prog, func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[at(b, "stss")+16:], 0)
			return b
		}},
		{"stsz count", "stsz counts", prog, func(b []byte) []byte {
			o := at(b, "stsz") + 16
			binary.BigEndian.PutUint32(b[o:], binary.BigEndian.Uint32(b[o:])+1)
			return b
		}},
		{"child overruns parent", "does not fit", prog, func(b []byte) []byte {
			o := at(b, "mvhd")
			binary.BigEndian.PutUint32(b[o:], binary.BigEndian.Uint32(b[o:])+4)
			return b
		}},
		{"trun data outside mdat", "not inside the following mdat", frag, func(b []byte) []byte {
			o := at(b, "trun") + 16 // data_offset
			binary.BigEndian.PutUint32(b[o:], binary.BigEndian.Uint32(b[o:])+1<<20)
			return b
		}},
		{"tfra not at a moof", "is not a moof", frag, func(b []byte) []byte {
			o := at(b, "tfra") + 24 // version 1: time, then moof_offset
			binary.BigEndian.PutUint64(b[o+8:], binary.BigEndian.Uint64(b[o+8:])+1)
			return b
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Check(tc.damage(bytes.Clone(tc.src)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one with %q", err, tc.want)
			}
		})
	}
}

// FuzzCheck: any bytes give a report or an error, never a panic or a
// runaway allocation. The committed corpus (testdata/fuzz/FuzzCheck)
// holds ffmpeg's testdata/prog.mp4 and testdata/frag.mp4.
func FuzzCheck(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x08ftyp"))
	f.Fuzz(func(t *testing.T, b []byte) {
		Check(b)
	})
}

func TestMain(m *testing.M) { testmedia.Main(m) }
