package tscheck

// Timestamps are 33-bit 90 kHz counters (the PCR base too), so they wrap
// every 26.5 hours; the checker unwraps them to compare them.
const (
	tsModulo  = int64(1) << 33
	pcrModulo = tsModulo * 300
)

// unwrap returns raw plus the multiple of modulo that puts it nearest
// to prev (prev < 0: no previous value).
func unwrap(prev, raw, modulo int64) int64 {
	if prev < 0 {
		return raw
	}
	v := prev - prev%modulo + raw
	switch {
	case v-prev > modulo/2:
		v -= modulo
	case prev-v > modulo/2:
		v += modulo
	}
	return v
}

// ahead reports whether 33-bit timestamp a is after b, modulo 2^33.
func ahead(a, b int64) bool {
	d := (a - b) & (tsModulo - 1)
	return d != 0 && d < tsModulo/2
}

// clock checks a PCR: only on the PMT's PCR_PID, never going back; it is
// compared with the DTS of the next PES that starts on that PID.
func (c *Checker) clock(pid int, st *pidState, raw int64) error {
	if c.prog == nil || pid != c.prog.pcrPID {
		return fmtErr("PCR on a PID that is not the PMT's PCR_PID")
	}
	v := unwrap(st.pcr, raw, pcrModulo)
	if st.pcr >= 0 && v < st.pcr {
		return fmtErr("PCR %d goes back from %d", v, st.pcr)
	}
	st.pcr, st.pcrNew = v, true
	c.pcrSeen = true
	c.rep.PCRs++
	return nil
}
