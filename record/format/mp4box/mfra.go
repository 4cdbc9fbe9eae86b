package mp4box

import gomp4 "github.com/abema/go-mp4"

// RandomAccess is one key frame of a fragmented file: its presentation
// time (decode time plus composition offset) in the track's timescale and the offset of the moof whose first sample of
// that track it is (traf Traf, first trun, first sample).
type RandomAccess struct {
	Time int64
	Moof int64
	Traf uint8 // 1-based traf number in the moof
}

// Mfra returns the movie fragment random access box of one track's key
// frames, with its mfro trailer.
func Mfra(trackID uint32, keys []RandomAccess) ([]byte, error) {
	b := newBuilder()
	b.start("mfra")
	t := &gomp4.Tfra{FullBox: gomp4.FullBox{Version: 1}, TrackID: trackID, NumberOfEntry: uint32(len(keys))}
	t.Entries = make([]gomp4.TfraEntry, len(keys))
	for i, k := range keys {
		t.Entries[i] = gomp4.TfraEntry{TimeV1: uint64(k.Time), MoofOffsetV1: uint64(k.Moof), TrafNumber: uint32(k.Traf),
			TrunNumber: 1, SampleNumber: 1}
	}
	b.box(t)
	size := b.pos() + 16
	b.box(&gomp4.Mfro{Size: uint32(size)})
	b.end()
	l, err := b.layout()
	if err != nil {
		return nil, err
	}
	return l.Bytes(), nil
}
