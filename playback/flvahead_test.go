package playback

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/media"
)

// TestFLVLookAhead: the FLV source's Tracks look ahead of the first frame
// for tracks that first show later, within aheadMedia, without taking a
// track's first configuration for a codec change, and Next still returns
// every frame once, in file order.
func TestFLVLookAhead(t *testing.T) {
	mp3 := readTags(t, testmedia.ClipMP3(t, 8))
	aac := readTags(t, testmedia.ClipLength(t, testmedia.AV, 8))
	cases := []struct {
		name      string
		tags      []*flv.Tag
		audio     media.Codec // CodecUnknown: no audio track
		change    bool        // Next ends with ErrCodecChange
		wantAudio int         // audio frames Next returns
	}{
		{"mp3 after the first video", mp3, media.CodecMP3, false, countFrames(t, mp3, flv.TagAudio)},
		{"mp3 from 3 s", audioFrom(mp3, 3000), media.CodecMP3, false, countFrames(t, audioFrom(mp3, 3000), flv.TagAudio)},
		{"mp3 from 6 s: past the look-ahead", audioFrom(mp3, 6000), media.CodecUnknown, false, countFrames(t, audioFrom(mp3, 6000), flv.TagAudio)},
		{"aac header after the first video frames", aacHeaderAfter(aac, 5), media.CodecAAC, false, countFrames(t, aacHeaderAfter(aac, 5), flv.TagAudio)},
		{"video parameters change while looking", changeVideoAt(audioFrom(mp3, 6000), 2000), media.CodecUnknown, true, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := flvOfTags(c.tags)
			r, err := newFLVReader(newBytesFile(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			v, a := r.Tracks()
			if v == nil || v.Codec != media.CodecAVC || (a == nil) != (c.audio == media.CodecUnknown) || a != nil && a.Codec != c.audio {
				t.Fatalf("tracks %v %v, want H264 and %v", v, a, c.audio)
			}
			if !bytes.Equal(v.Header, firstVideoHeader(c.tags)) {
				t.Errorf("video track from another sequence header than the file's first")
			}
			var audio, video int
			last := int64(-1)
			for {
				s, err := r.Next()
				if err == io.EOF || errors.Is(err, ErrCodecChange) {
					if errors.Is(err, ErrCodecChange) != c.change {
						t.Fatalf("after %d ms: %v, want a codec change: %v", last, err, c.change)
					}
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if s.Video {
					video++
				} else {
					audio++
				}
				last = s.DTS
			}
			if c.change && (last < 1900 || last >= 2000) {
				t.Errorf("last frame before the change at %d ms, want just before 2000", last)
			}
			if !c.change && (audio != c.wantAudio || video != 200) {
				t.Errorf("%d video %d audio frames, want 200 and %d", video, audio, c.wantAudio)
			}
		})
	}
}

func readTags(t *testing.T, name string) []*flv.Tag {
	t.Helper()
	f, err := flv.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	tags := make([]*flv.Tag, len(f.Tags))
	for i := range f.Tags {
		tags[i] = &f.Tags[i]
	}
	return tags
}

// countFrames counts the coded frames (not sequence headers) of a type.
func countFrames(t *testing.T, tags []*flv.Tag, typ uint8) int {
	t.Helper()
	var p media.Parser
	n := 0
	for _, tg := range tags {
		if tg.Type != typ {
			continue
		}
		f := p.Media(tg.Type, int64(tg.Timestamp), tg.Data)
		if len(f.Units) == 1 && f.Units[0].Packet == media.PacketFrame {
			n++
		}
	}
	return n
}

func firstVideoHeader(tags []*flv.Tag) []byte {
	for _, tg := range tags {
		if tg.Type == flv.TagVideo && tg.Data[1] == 0 {
			return tg.Data
		}
	}
	return nil
}

// audioFrom drops the audio tags before ms.
func audioFrom(tags []*flv.Tag, ms uint32) []*flv.Tag {
	var out []*flv.Tag
	for _, tg := range tags {
		if tg.Type != flv.TagAudio || tg.Timestamp >= ms {
			out = append(out, tg)
		}
	}
	return out
}

// aacHeaderAfter moves the AAC sequence header after the nth video tag.
func aacHeaderAfter(tags []*flv.Tag, n int) []*flv.Tag {
	var hdr *flv.Tag
	var rest []*flv.Tag
	for _, tg := range tags {
		if hdr == nil && tg.Type == flv.TagAudio && len(tg.Data) > 1 && tg.Data[1] == 0 {
			hdr = tg
			continue
		}
		rest = append(rest, tg)
	}
	var out []*flv.Tag
	for _, tg := range rest {
		if tg.Type == flv.TagAudio && hdr != nil {
			continue // the frames before the header cannot be classified as AAC's
		}
		out = append(out, tg)
		if tg.Type == flv.TagVideo {
			if n--; n == 0 && hdr != nil {
				h := *hdr
				h.Timestamp = tg.Timestamp
				out, hdr = append(out, &h), nil
			}
		}
	}
	return out
}

// changeVideoAt inserts, before the first video tag at or after ms, the
// AVC sequence header with another level: new parameters.
func changeVideoAt(tags []*flv.Tag, ms uint32) []*flv.Tag {
	var out []*flv.Tag
	var hdr *flv.Tag
	for _, tg := range tags {
		if hdr == nil && tg.Type == flv.TagVideo && tg.Data[1] == 0 {
			hdr = tg
		}
		if hdr != nil && hdr.Timestamp != ms && tg.Type == flv.TagVideo && tg.Timestamp >= ms {
			h := *hdr
			h.Data = bytes.Clone(hdr.Data)
			h.Data[5+3]++ // AVCLevelIndication
			h.Timestamp = ms
			out, hdr = append(out, &h), &h
		}
		out = append(out, tg)
	}
	return out
}

// flvOfTags lays out tags as an FLV file with both tracks flagged.
func flvOfTags(tags []*flv.Tag) []byte {
	b := []byte{'F', 'L', 'V', 1, flv.FlagAudio | flv.FlagVideo, 0, 0, 0, 9, 0, 0, 0, 0}
	for _, tg := range tags {
		n := len(tg.Data)
		b = append(b, tg.Type, byte(n>>16), byte(n>>8), byte(n), byte(tg.Timestamp>>16), byte(tg.Timestamp>>8),
			byte(tg.Timestamp), byte(tg.Timestamp>>24), 0, 0, 0)
		b = append(b, tg.Data...)
		b = binary.BigEndian.AppendUint32(b, uint32(11+n))
	}
	return b
}
