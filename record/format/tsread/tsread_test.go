package tsread

import (
	"bytes"
	"testing"
)

// ts builds transport packets: each of PID pid, starting a unit when
// start, its payload after an adaptation field that stuffs it to 188
// bytes.
type ts struct{ b []byte }

func (t *ts) packet(pid uint16, start bool, payload []byte) {
	pk := make([]byte, PacketSize)
	pk[0], pk[1], pk[2] = sync, byte(pid>>8)&0x1f, byte(pid)
	if start {
		pk[1] |= 0x40
	}
	pk[3] = 0x10
	body := pk[4:]
	if stuff := len(body) - len(payload); stuff > 0 {
		pk[3] = 0x30
		body[0] = byte(stuff - 1)
		for i := 1; i < stuff; i++ {
			body[i] = 0xff
		}
		if stuff > 1 {
			body[1] = 0 // no flags
		}
	}
	copy(body[len(body)-len(payload):], payload)
	t.b = append(t.b, pk...)
}

// pes is a PES packet of stream_id 0xe0 with a PTS and n payload bytes
// of value v; bounded: its PES_packet_length says its size.
func pes(pts int64, n int, v byte, bounded bool) []byte {
	h := []byte{0, 0, 1, 0xe0, 0, 0, 0x80, 0x80, 5,
		byte(0x21 | pts>>29&0x0e), byte(pts >> 22), byte(pts>>14 | 1), byte(pts >> 7), byte(pts<<1 | 1)}
	if bounded {
		l := len(h) - 6 + n
		h[4], h[5] = byte(l>>8), byte(l)
	}
	return append(h, bytes.Repeat([]byte{v}, n)...)
}

// TestUnitEnds: a PES packet ends at the next unit start of its PID, at
// its PES_packet_length, or at the segment's end; packets of other PIDs
// between its packets are not its; the scan (Unit) and Gather agree.
func TestUnitEnds(t *testing.T) {
	var s ts
	a := pes(9000, 300, 0xaa, false) // unbounded: ends at the next start
	b := pes(12600, 200, 0xbb, true) // bounded: the packet after its length is not its
	c := pes(16200, 100, 0xcc, false)
	s.packet(0x100, true, a[:184])
	s.packet(0x101, true, []byte{0, 0, 1, 0xc0, 0, 0}) // another PID in between
	s.packet(0x100, false, a[184:])
	s.packet(0x100, true, b[:184])
	s.packet(0x100, false, b[184:])
	s.packet(0x100, false, []byte{0xee, 0xee}) // after its length: not its
	s.packet(0x100, true, c)                   // the segment's end
	want := []struct {
		at   int64
		data []byte
	}{{0, a}, {3 * PacketSize, b}, {6 * PacketSize, c}}

	got := scanUnits(t, s.b, 0x100)
	if len(got) != len(want) {
		t.Fatalf("%d units, want %d", len(got), len(want))
	}
	pr := NewReader(bytes.NewReader(s.b), int64(len(s.b)))
	for i, w := range want {
		if got[i].At != w.at || !bytes.Equal(got[i].Data, w.data) {
			t.Errorf("unit %d at %d: % x; want at %d % x", i, got[i].At, got[i].Data, w.at, w.data)
		}
		g, pid, err := Gather(pr, w.at, nil)
		if err != nil || pid != 0x100 || !bytes.Equal(g, w.data) {
			t.Errorf("Gather at %d: PID %#x, %v, % x", w.at, pid, err, g)
		}
		h, ok := ParsePES(g)
		es, ok2 := h.Payload(g)
		if !ok || !ok2 || h.PTS != 9000+int64(i)*3600 || h.DTS != h.PTS || len(es) != len(w.data)-14 {
			t.Errorf("unit %d: header %+v %v %v, %d payload bytes", i, h, ok, ok2, len(es))
		}
	}
	if !got[1].Whole() || got[0].Whole() || got[2].Whole() {
		t.Error("only the bounded unit is whole by its length")
	}
	if _, _, err := Gather(pr, PacketSize*2, nil); err == nil {
		t.Error("Gather from a packet that starts no unit")
	}
}

// scanUnits collects the units of pid in order, as a scan does.
func scanUnits(t *testing.T, b []byte, pid uint16) []Unit {
	t.Helper()
	var units []Unit
	var u Unit
	on := false
	pr := NewReader(bytes.NewReader(b), int64(len(b)))
	for {
		pk, at, ok, err := pr.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		switch {
		case pk.PID != pid:
		case pk.Start:
			if on {
				units = append(units, u)
			}
			u = Unit{}
			u.Begin(pk, at, true)
			on = true
		case on && !u.Whole():
			if err := u.Add(pk, at); err != nil {
				t.Fatal(err)
			}
		}
	}
	if on {
		units = append(units, u)
	}
	return units
}

// TestProgram reads a PAT and a PMT with H.264 and Opus (its
// registration descriptor and channel count).
func TestProgram(t *testing.T) {
	var s ts
	s.packet(0, true, psiSection(0, []byte{0, 1, 0xc1, 0, 0, 0, 1, 0xf0, 0x00}))
	s.packet(0x1000, true, psiSection(2, []byte{0, 1, 0xc1, 0, 0, 0xe1, 0x00, 0xf0, 0,
		0x1b, 0xe1, 0x00, 0xf0, 0,
		0x06, 0xe1, 0x01, 0xf0, 10, 0x05, 4, 'O', 'p', 'u', 's', 0x7f, 2, 0x80, 6}))
	pr := NewReader(bytes.NewReader(s.b), int64(len(s.b)))
	var p Program
	pat, _, _, _ := pr.Next()
	p.ReadPAT(pat)
	pmt, _, _, _ := pr.Next()
	np, ok := ReadPMT(pmt)
	if p.PMT != 0x1000 || !ok || np.Video != AVC || np.VideoPID != 0x100 || np.Audio != Opus || np.AudioPID != 0x101 || np.OpusChannels != 6 {
		t.Fatalf("PMT PID %#x, program %+v %v", p.PMT, np, ok)
	}
	if np.CodecOf(0x101) != Opus || np.CodecOf(0x102) != None || !np.SameStreams(&np) {
		t.Fatal("CodecOf or SameStreams")
	}
}

// psiSection is a PSI section of table id with body and a CRC field (not
// checked by the reader), after a pointer field.
func psiSection(id byte, body []byte) []byte {
	n := len(body) + 4
	return append(append([]byte{0, id, 0xb0 | byte(n>>8), byte(n)}, body...), 0, 0, 0, 0)
}

// FuzzDemux: on any bytes the demultiplexer never panics, the PES packets
// a scan collects are the ones Gather collects from their first packet,
// and their headers lie inside them.
func FuzzDemux(f *testing.F) {
	var s ts
	s.packet(0x100, true, pes(9000, 200, 1, true)[:184])
	s.packet(0x100, false, pes(9000, 200, 1, true)[184:])
	f.Add(s.b)
	f.Fuzz(func(t *testing.T, b []byte) {
		pr := NewReader(bytes.NewReader(b), int64(len(b)))
		var p Program
		pids := map[uint16]bool{}
		for {
			pk, _, ok, err := pr.Next()
			if err != nil || !ok {
				break
			}
			if pk.PID == 0 {
				p.ReadPAT(pk)
			} else if np, ok := ReadPMT(pk); ok {
				np.CodecOf(pk.PID)
			}
			if pk.Start && len(pids) < 4 {
				pids[pk.PID] = true
			}
		}
		for pid := range pids {
			for _, u := range scanUnits(t, b, pid) {
				if u.At < 0 || u.End > int64(len(b)) || u.End < u.At {
					t.Fatalf("unit at %d ends at %d of %d bytes", u.At, u.End, len(b))
				}
				g, gpid, err := Gather(pr, u.At, nil)
				if err != nil || gpid != pid || !bytes.Equal(g, u.Data) {
					t.Fatalf("unit at %d: Gather %v, PID %d of %d, %d bytes of %d", u.At, err, gpid, pid, len(g), len(u.Data))
				}
				if h, ok := ParsePES(g); ok {
					if es, ok := h.Payload(g); ok && len(es) > len(g)-9 {
						t.Fatalf("payload of %d bytes in %d", len(es), len(g))
					}
				}
			}
		}
	})
}
