package flv_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/rtmprecd/rtmprecd/flv"
)

// FuzzDecode checks that Decode never panics, that every error is exactly
// one of the two sentinels, and that a file it accepts (with the usual
// 9-byte header) re-encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	f.Add(fileHeader(5))
	f.Add(cat(fileHeader(5), tag(9, 0, 0x17, 0, 1, 2), tag(8, 0x01000000, 0xaf, 0, 0x12)))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := flv.Decode(b)
		streamed, serr := readStream(b)
		if errors.Is(err, flv.ErrTruncated) != errors.Is(serr, flv.ErrTruncated) || len(streamed) != tagCount(file) {
			t.Fatalf("Decode (%v) and an unsized Reader (%v, %d tags) disagree", err, serr, len(streamed))
		}
		if err != nil {
			trunc, bad := errors.Is(err, flv.ErrTruncated), errors.Is(err, flv.ErrCorrupt)
			if trunc == bad {
				t.Fatalf("error %v: truncated=%v corrupt=%v, want exactly one", err, trunc, bad)
			}
			return
		}
		for i := range file.Tags {
			tg := &file.Tags[i]
			tg.IsKeyframe()
			tg.IsSeqHeader()
			tg.IsEndOfSeq()
			tg.Metadata()
		}
		if file.Header.DataOffset == 9 && !bytes.Equal(encode(file), b) {
			t.Fatalf("re-encoded file differs from the input")
		}
	})
}

// FuzzMetadata feeds script tag bodies straight to the AMF0 decoder, which
// FuzzDecode reaches only rarely.
func FuzzMetadata(f *testing.F) {
	f.Add(cat(amfStr("onMetaData"), []byte{8, 0, 0, 0, 1}, amfKey("duration"), amfNum(4), objEnd))
	f.Add(cat(amfStr("@setDataFrame"), amfStr("onMetaData"), []byte{3}, amfKey("k"),
		[]byte{0x0a, 0, 0, 0, 1}, amfNum(1), objEnd))
	f.Fuzz(func(t *testing.T, b []byte) {
		tg := &flv.Tag{Type: flv.TagScript, Data: b}
		name, fields, err := tg.Metadata()
		if err == nil && fields == nil {
			t.Fatalf("Metadata(%q) returned nil fields without an error", name)
		}
	})
}

// readStream reads b through a Reader that cannot see the input's length
// and gets it in small pieces, the path a network or pipe reader takes.
// It returns the tags read before the first error; none if there is one.
func readStream(b []byte) ([]*flv.Tag, error) {
	r := flv.NewReader(iotest.HalfReader(bytes.NewBuffer(b)))
	var tags []*flv.Tag
	for {
		tg, err := r.Next()
		if err == io.EOF {
			return tags, nil
		}
		if err != nil {
			return nil, err
		}
		tags = append(tags, tg)
	}
}

func tagCount(f *flv.File) int {
	if f == nil {
		return 0
	}
	return len(f.Tags)
}
