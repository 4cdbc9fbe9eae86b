package testmedia

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"

	goflv "github.com/yutopp/go-flv"
	goflvtag "github.com/yutopp/go-flv/tag"

	"github.com/rtmprecd/rtmprecd/flv"
)

// CrossCheckGoFLV reads path with github.com/yutopp/go-flv, an FLV reader
// written independently of ours, and fails the test unless it sees the same
// tags as our strict reader: same types, timestamps, video frame types and
// AAC packet types, and the same onMetaData duration and filesize when the
// file has them. Two implementations checking each other catch what one
// reader's own assumptions would hide. It returns the number of tags.
func CrossCheckGoFLV(t testing.TB, path string) int {
	t.Helper()
	ours, err := flv.ReadFile(path)
	if err != nil {
		t.Fatalf("our reader: %v", err)
	}
	theirs, err := readGoFLV(path)
	if err != nil {
		t.Fatalf("go-flv reader: %s: %v", path, err)
	}
	if len(theirs) != len(ours.Tags) {
		t.Fatalf("%s: go-flv sees %d tags, we see %d", path, len(theirs), len(ours.Tags))
	}
	for i := range theirs {
		if want := describe(&ours.Tags[i]); theirs[i] != want {
			t.Fatalf("%s: tag %d: go-flv %q, ours %q", path, i, theirs[i], want)
		}
	}
	return len(theirs)
}

// readGoFLV describes every tag of path as go-flv decodes it. The file is
// read whole: go-flv v0.3.1 reads an 11-byte tag header with
// io.ReadAtLeast(r, buf, 1), so a reader that returns short reads (a
// bufio.Reader at its buffer's end) splits a header and derails it, while
// a bytes.Reader always fills the request. Test files are small.
func readGoFLV(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec, err := goflv.NewDecoder(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	var out []string
	for {
		var tag goflvtag.FlvTag
		err := dec.Decode(&tag)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("tag %d: %w", len(out), err)
		}
		out = append(out, describeGoFLV(&tag))
		tag.Close()
	}
}

func describeGoFLV(tag *goflvtag.FlvTag) string {
	s := fmt.Sprintf("type=%d ts=%d", tag.TagType, tag.Timestamp)
	switch d := tag.Data.(type) {
	case *goflvtag.VideoData:
		s += fmt.Sprintf(" frame=%d", d.FrameType)
	case *goflvtag.AudioData:
		s += fmt.Sprintf(" aac=%d", d.AACPacketType)
	case *goflvtag.ScriptData:
		if md, ok := d.Objects["onMetaData"]; ok {
			s += fmt.Sprintf(" duration=%v filesize=%v", md["duration"], md["filesize"])
		}
	}
	return s
}

// describe gives our reader's view of a tag in describeGoFLV's form.
func describe(tag *flv.Tag) string {
	s := fmt.Sprintf("type=%d ts=%d", tag.Type, tag.Timestamp)
	switch {
	case tag.Type == flv.TagVideo && len(tag.Data) > 0 && tag.Data[0]&0x80 == 0:
		s += fmt.Sprintf(" frame=%d", tag.Data[0]>>4)
	case tag.Type == flv.TagVideo:
		s += " frame=0" // go-flv does not know Enhanced RTMP; it fails first
	case tag.Type == flv.TagAudio:
		aac := 0
		if len(tag.Data) > 1 && tag.Data[0]>>4 == 10 {
			aac = int(tag.Data[1])
		}
		s += fmt.Sprintf(" aac=%d", aac)
	case tag.Type == flv.TagScript:
		if name, fields, err := tag.Metadata(); err == nil && name == "onMetaData" {
			s += fmt.Sprintf(" duration=%v filesize=%v", fields["duration"], fields["filesize"])
		}
	}
	return s
}

// GoFLVMeta decodes an onMetaData body with go-flv's script data decoder,
// an AMF0 reader independent of ours that rejects anything outside the
// spec's name/value layout.
func GoFLVMeta(t testing.TB, body []byte) map[string]any {
	t.Helper()
	var sd goflvtag.ScriptData
	if err := goflvtag.DecodeScriptData(bytes.NewReader(body), &sd); err != nil {
		t.Fatalf("go-flv: %v", err)
	}
	m, ok := sd.Objects["onMetaData"]
	if !ok || len(sd.Objects) != 1 {
		t.Fatalf("go-flv: script data %v", sd.Objects)
	}
	return m
}
