package fmp4

// Sample flags (ISO/IEC 14496-12 8.8.3.1): a sync sample depends on no
// other; any other sample depends on others and is not a sync sample.
const (
	flagsSync    = 0x02000000
	flagsNonSync = 0x01010000
)

// trun flags: data offset, then duration, size, flags and composition
// offset for every sample.
const trunFlags = 0x000001 | 0x000100 | 0x000200 | 0x000400 | 0x000800

// tfhd flags: default-base-is-moof (data offsets count from the moof).
const tfhdFlags = 0x020000

// buildMoof lays out the moof of the current fragment and the mdat
// header after it into m.moof, and records where its key frames are.
func (m *Muxer) buildMoof() {
	size := 8 + 16
	for _, t := range m.tracks {
		if n := len(t.samples); n > 0 {
			size += 8 + 16 + 20 + 20 + 16*n
		}
	}
	b := m.moof[:0]
	b = box(b, size, "moof")
	b = box(b, 16, "mfhd")
	m.seq++
	b = be.AppendUint32(b, 0)
	b = be.AppendUint32(b, m.seq)
	dataOff := size + 8 // the first payload byte, from the moof start
	traf := 0
	for _, t := range m.tracks {
		n := len(t.samples)
		if n == 0 {
			continue
		}
		traf++
		b = m.traf(b, t, traf, dataOff)
		dataOff += len(t.data) - m.heldSize(t)
	}
	b = box(b, 8+dataOff-size-8, "mdat")
	m.moof = b
}

// traf appends one track's traf; dataOff is where its payload starts.
func (m *Muxer) traf(b []byte, t *track, traf, dataOff int) []byte {
	n := len(t.samples)
	b = box(b, 8+16+20+20+16*n, "traf")
	b = box(b, 16, "tfhd")
	b = be.AppendUint32(b, tfhdFlags)
	b = be.AppendUint32(b, t.m.ID)
	b = box(b, 20, "tfdt")
	b = be.AppendUint32(b, 1<<24) // version 1: 64-bit decode time
	b = be.AppendUint64(b, uint64(t.samples[0].dts))
	b = box(b, 20+16*n, "trun")
	b = be.AppendUint32(b, 1<<24|trunFlags) // version 1: signed composition offsets
	b = be.AppendUint32(b, uint32(n))
	b = be.AppendUint32(b, uint32(dataOff))
	for i, s := range t.samples {
		dur := t.lastDur // at the end of the file: as long as the one before
		switch {
		case i+1 < n:
			dur = t.samples[i+1].dts - s.dts
		case t.endDTS >= 0:
			dur = t.endDTS - s.dts
		}
		t.lastDur = dur
		flags := uint32(flagsSync)
		if t.video && !s.key {
			flags = flagsNonSync
		}
		b = be.AppendUint32(b, uint32(dur))
		b = be.AppendUint32(b, s.size)
		b = be.AppendUint32(b, flags)
		b = be.AppendUint32(b, uint32(s.cts))
	}
	if k := len(t.keys); k > 0 && t.keys[k-1].Moof < 0 {
		t.keys[k-1].Moof, t.keys[k-1].Traf = m.size, uint8(traf)
	}
	return b
}

// box appends a box header.
func box(b []byte, size int, typ string) []byte {
	b = be.AppendUint32(b, uint32(size))
	return append(b, typ...)
}
