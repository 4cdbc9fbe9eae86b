package tscheck

import "testing"

// FuzzCheck: no input makes the checker panic, and a stream it accepts
// is whole packets with every unit inside a track.
func FuzzCheck(f *testing.F) {
	segs := valid()
	f.Add(append(segs[0], segs[1]...), uint16(len(segs[0])), false, true)
	two := twoWriters()
	f.Add(append(two[0], two[1]...), uint16(len(two[0])), true, true)
	f.Fuzz(func(t *testing.T, data []byte, cut uint16, discontinuity, keyStart bool) {
		at := int(cut) % (len(data) + 1)
		in := [][]byte{data[:at], data[at:]}
		opt := Options{KeyFrameStart: keyStart}
		if discontinuity {
			opt.Discontinuities = []int{1}
		}
		rep, err := Check(in, opt)
		if err != nil {
			return
		}
		if rep.Packets*PacketSize != len(data) || rep.Segments != 2 {
			t.Fatalf("accepted %d bytes as %d packets in %d segments", len(data), rep.Packets, rep.Segments)
		}
		for _, tr := range rep.Tracks {
			if tr.PES > len(tr.Units) || tr.KeyFrames > len(tr.Units) {
				t.Fatalf("track %d: %d PES, %d key frames, %d units", tr.PID, tr.PES, tr.KeyFrames, len(tr.Units))
			}
		}
	})
}
