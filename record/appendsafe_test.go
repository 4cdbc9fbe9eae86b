package record

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// TestRecordAppendSeamNoTrackStepsBack: ffmpeg ends every FLV with a video
// end-of-sequence tag older than its last audio frame. Appending to such
// a file shifts the new part by the file's largest timestamp, not by the
// last tag's, so neither track steps back at the seam.
func TestRecordAppendSeamNoTrackStepsBack(t *testing.T) {
	clip, err := os.ReadFile(testmedia.Clip(t))
	if err != nil {
		t.Fatal(err)
	}
	old, err := flv.Decode(clip)
	if err != nil {
		t.Fatal(err)
	}
	last := old.Tags[len(old.Tags)-1]
	lastA := lastOf(old.Tags, flv.TagAudio)
	if !last.IsEndOfSeq() || last.Timestamp >= lastA {
		t.Fatalf("the clip does not end as ffmpeg's FLVs do: last tag %s, last audio at %d", tagString(&last), lastA)
	}
	for _, ours := range []bool{false, true} {
		rc := newRecorder(t, "", all)
		rc.Append = true
		p := filepath.Join(rc.Path, "cam.flv")
		if ours { // our own recording of the same push, closed cleanly
			r := newRig(t, rc)
			r.feed(clipFrames(t, testmedia.AV)...)
			r.close(rtmp.CloseUnpublish)
		} else {
			writeFile(t, p, clip)
		}
		before := readFLV(t, p)
		r := newRig(t, rc)
		r.feed(vSeq(0), aSeq(0), vKey(0, 0), aRaw(0, 0), aRaw(23, 1), vInter(40, 1))
		r.close(rtmp.CloseUnpublish)
		after := readFLV(t, p)
		seam := len(before.Tags)
		for _, typ := range []uint8{flv.TagAudio, flv.TagVideo} {
			prev := lastOf(after.Tags[:seam], typ)
			for _, tg := range after.Tags[seam:] {
				if tg.Type == typ && tg.Timestamp < prev {
					t.Fatalf("ours %v: track %d steps back at the seam: %d after %d\n%s", ours, typ, tg.Timestamp, prev,
						tagsString(after.Tags[seam-3:]))
				}
			}
		}
		if first := after.Tags[seam]; first.Timestamp != lastA {
			t.Fatalf("ours %v: appended part starts at %d, want the largest timestamp %d", ours, first.Timestamp, lastA)
		}
	}
}

// lastOf returns the timestamp of the last tag of type typ.
func lastOf(tags []flv.Tag, typ uint8) uint32 {
	for i := len(tags) - 1; i >= 0; i-- {
		if tags[i].Type == typ {
			return tags[i].Timestamp
		}
	}
	return 0
}

// TestRecordAppendNeverDestroysValidData: a 4 MB FLV with one damaged tag
// header near the start is not cut back to the damage (that threw 3.9 MB
// of valid tags away): it is not appended to at all, it stays byte for
// byte as it was, a warning names the offset, and the next free name is
// used. Only a torn last tag is ever cut (TestAppendTornTail).
func TestRecordAppendNeverDestroysValidData(t *testing.T) {
	crashed, closed := bigRecording(t)
	foreign := nginxBytes(t, closed)
	// damage returns whole without its last cut bytes and with the header
	// of its second media tag damaged, and that tag's offset.
	damage := func(whole []byte, cut int, how string) ([]byte, int64) {
		at := readFLVRawBytes(t, whole).Tags[3].Offset
		if whole[flvHeaderLen] != 18 {
			at = readFLVRawBytes(t, whole).Tags[2].Offset
		}
		b := bytes.Clone(whole[:len(whole)-cut])
		switch how {
		case "type":
			b[at] = 0x55
		case "size": // the tag now claims 16 MiB: it "runs past the end"
			b[at+1], b[at+2], b[at+3] = 0xFF, 0xFF, 0xFF
		case "stream id":
			b[at+10] = 7
		}
		return b, at
	}
	type damaged struct {
		name string
		old  []byte
		at   int64
	}
	with := func(name string, whole []byte, cut int, how string) damaged {
		b, at := damage(whole, cut, how)
		return damaged{name, b, at}
	}
	tests := []damaged{
		with("left by a crash, damaged type", crashed, 0, "type"),
		with("left by a crash, damaged size", crashed, 0, "size"),
		with("torn tail, damaged type", closed, 5, "type"),
		with("torn tail, damaged size", closed, 5, "size"),
		with("torn tail, damaged stream id", closed, 5, "stream id"),
		with("foreign, torn tail, damaged type", foreign, 9000, "type"),
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.old) < 4<<20 {
				t.Fatalf("old file of %d bytes, want 4 MB", len(tt.old))
			}
			rc := newRecorder(t, "", all)
			rc.Append = true
			p := filepath.Join(rc.Path, "cam.flv")
			writeFile(t, p, tt.old)
			r := newRig(t, rc)
			r.feed(vSeq(0), vKey(0, 0), vInter(40, 1))
			r.close(rtmp.CloseUnpublish)
			if b, _ := os.ReadFile(p); !bytes.Equal(b, tt.old) {
				t.Fatalf("damaged file changed: %d bytes, was %d", len(b), len(tt.old))
			}
			if got := r.paths(); len(got) != 1 || got[0] != filepath.Join(rc.Path, "cam-1.flv") {
				t.Fatalf("recorded %v, want cam-1.flv", got)
			}
			logs := r.logs.String()
			if !strings.Contains(logs, "not appending to a damaged file") || !strings.Contains(logs, "offset="+itoa(tt.at)) {
				t.Fatalf("warning without the offset %d:\n%s", tt.at, logs)
			}
			if strings.Contains(logs, "cutting") {
				t.Fatalf("cut logged:\n%s", logs)
			}
		})
	}
}

// bigRecording records about 4.2 MB and returns the file as a crash would
// leave it (metadata placeholder, no filesize) and as closed.
func bigRecording(t *testing.T) (crashed, closed []byte) {
	t.Helper()
	rc := newRecorder(t, "", all)
	r := newRig(t, rc)
	body := bytes.Repeat([]byte{0xAB}, 20<<10)
	var in []media.Frame
	for i := range 210 {
		p := append(avcPayload(i%25 == 0, i), body...)
		binary.BigEndian.PutUint32(p[5:], uint32(len(p)-9)) // the NALU length
		in = append(in, media.Frame{Type: media.TypeVideo, Time: int64(i) * 40, Payload: p, Keyframe: i%25 == 0})
		in = append(in, aRaw(int64(i)*40+5, i))
	}
	r.feed(append([]media.Frame{vSeq(0), aSeq(0)}, in...)...)
	p := filepath.Join(rc.Path, "cam.flv")
	crashed, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	r.close(rtmp.CloseUnpublish)
	if closed, err = os.ReadFile(p); err != nil {
		t.Fatal(err)
	}
	return crashed, closed
}

func readFLVRawBytes(t *testing.T, b []byte) *flv.File {
	t.Helper()
	f, err := flv.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
