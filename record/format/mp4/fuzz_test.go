package mp4

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzJournal: the journal reader of crash repair never panics, never
// allocates more than a track body's cap, and stops at the first record
// it cannot trust.
func FuzzJournal(f *testing.F) {
	head := journalHead{roomOff: 32, roomSize: 100, mdatOff: 132}.append(nil)
	j := trackRec{track: 0, typ: 9, body: []byte{0x17, 0, 0, 0, 0, 1, 2, 3}}.append(append([]byte(nil), head...))
	j = sampleRec{track: 0, key: true, size: 10, dts: 40, cts: 80}.append(j)
	f.Add(j)
	f.Add(head)
	f.Add(j[:len(j)-3])
	f.Fuzz(func(t *testing.T, b []byte) {
		jr, err := newJournalReader(bytes.NewReader(b))
		if err != nil {
			return
		}
		for range 1 << 16 {
			s, tr, isTrack, err := jr.next()
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, errRecord) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if isTrack && len(tr.body) > maxTrackBody || !isTrack && int(s.track) >= jr.tracks {
				t.Fatalf("accepted record %+v %+v", s, tr)
			}
		}
	})
}

// TestJournalRoundTrip: what the muxer appends reads back the same.
func TestJournalRoundTrip(t *testing.T) {
	head := journalHead{roomOff: 32, roomSize: 100, mdatOff: 132}
	want := sampleRec{track: 0, key: true, size: 1234, dts: 1 << 40, cts: -5}
	b := want.append(trackRec{track: 0, typ: 8, body: []byte{0xaf, 0}}.append(head.append(nil)))
	jr, err := newJournalReader(bytes.NewReader(b))
	if err != nil || jr.head != head {
		t.Fatalf("head %+v, %v", jr, err)
	}
	if _, tr, isTrack, err := jr.next(); err != nil || !isTrack || tr.typ != 8 {
		t.Fatalf("track %+v %v", tr, err)
	}
	if s, _, _, err := jr.next(); err != nil || s != want {
		t.Fatalf("sample %+v, want %+v, %v", s, want, err)
	}
	if _, _, _, err := jr.next(); !errors.Is(err, io.EOF) {
		t.Fatalf("end: %v", err)
	}
}
