package mp4check

import "fmt"

// movieTimescale reads mvhd's timescale (edit durations count in it).
func (f *file) movieTimescale(moov *box) (uint32, error) {
	r := reader{b: moov.child("mvhd").payload()}
	if v, _ := r.full(); v == 1 {
		r.take(16)
	} else {
		r.take(8)
	}
	ts := r.u32()
	if r.bad || ts == 0 {
		return 0, fmt.Errorf("mvhd at %d: bad timescale", moov.off)
	}
	return ts, nil
}

// editShift is where a track's media starts on the movie timeline, in
// the track's timescale: leading empty edits delay it (a track that
// starts after the other), the first edit's media_time skips into it.
// The file's own times need no shift without an edit list.
func (f *file) editShift(trak *box, movieTS, trackTS uint32) (int64, error) {
	elst := trak.path("edts", "elst")
	if elst == nil {
		return 0, nil
	}
	r := reader{b: elst.payload()}
	v, _ := r.full()
	size := 12
	if v == 1 {
		size = 20
	}
	var empty int64
	for range r.count(size) {
		var dur, mediaTime int64
		if v == 1 {
			dur, mediaTime = int64(r.u64()), int64(r.u64())
		} else {
			dur, mediaTime = int64(r.u32()), int64(int32(r.u32()))
		}
		r.u32() // media rate
		if mediaTime != -1 {
			return empty*int64(trackTS)/int64(movieTS) - mediaTime, nil
		}
		empty += dur
	}
	if r.bad {
		return 0, fmt.Errorf("elst at %d: entry count and size disagree", elst.off)
	}
	return 0, nil
}
