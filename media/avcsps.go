package media

// A lenient H.264 SPS reader for the picture size: it reads up to the
// frame cropping fields and no further, so an SPS cut short after them
// (or with a VUI that a strict parser refuses) still gives its size.
// Inputs come from publishers: every read is bounds-checked and a
// malformed SPS yields ok == false.

// bitReader reads an RBSP (emulation prevention bytes already removed).
type bitReader struct {
	b   []byte
	pos int // bit position
	bad bool
}

func (r *bitReader) bit() uint32 {
	if r.pos >= len(r.b)*8 {
		r.bad = true
		return 0
	}
	v := uint32(r.b[r.pos/8]>>(7-r.pos%8)) & 1
	r.pos++
	return v
}

func (r *bitReader) bits(n int) uint32 {
	var v uint32
	for range n {
		v = v<<1 | r.bit()
	}
	return v
}

// ue reads an unsigned Exp-Golomb code (at most 31 leading zeros).
func (r *bitReader) ue() uint32 {
	zeros := 0
	for r.bit() == 0 {
		if zeros++; zeros > 31 || r.bad {
			r.bad = true
			return 0
		}
	}
	return 1<<zeros - 1 + r.bits(zeros)
}

func (r *bitReader) se() int32 {
	v := r.ue()
	if v&1 == 1 {
		return int32((v + 1) / 2)
	}
	return -int32(v / 2)
}

// unescape removes emulation prevention bytes (00 00 03).
func unescape(b []byte) []byte {
	out := make([]byte, 0, len(b))
	zeros := 0
	for _, c := range b {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
		out = append(out, c)
	}
	return out
}

// spsSize parses an H.264 SPS (after its NAL header, emulation
// prevention removed) for the cropped
// picture size (ITU-T H.264 7.3.2.1.1).
func spsSize(b []byte) (w, h int, ok bool) {
	r := &bitReader{b: b}
	profile := r.bits(8)
	r.bits(16) // constraint flags, level
	r.ue()     // seq_parameter_set_id
	chroma := spsChroma(r, profile)
	r.ue() // log2_max_frame_num
	skipPOC(r)
	r.ue()  // max_num_ref_frames
	r.bit() // gaps_in_frame_num_allowed
	mbW, mbH := r.ue()+1, r.ue()+1
	frameMBs := r.bit()
	if frameMBs == 0 {
		r.bit() // mb_adaptive_frame_field
	}
	r.bit() // direct_8x8_inference
	var cl, cr, ct, cb uint32
	if r.bit() == 1 {
		cl, cr, ct, cb = r.ue(), r.ue(), r.ue(), r.ue()
	}
	cx, cy := uint32(1), 2-frameMBs
	if chroma == 1 || chroma == 2 {
		cx = 2
	}
	if chroma == 1 {
		cy *= 2
	}
	w = int(mbW*16) - int(cx*(cl+cr))
	h = int((2-frameMBs)*mbH*16) - int(cy*(ct+cb))
	if r.bad || mbW > 1024 || mbH > 1024 || w <= 0 || h <= 0 {
		return 0, 0, false
	}
	return w, h, true
}

// spsChroma reads the high-profile fields and returns chroma_format_idc
// (1, 4:2:0, for the other profiles).
func spsChroma(r *bitReader, profile uint32) uint32 {
	switch profile {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
	default:
		return 1
	}
	chroma := r.ue()
	if chroma == 3 {
		r.bit() // separate_colour_plane_flag
	}
	r.ue()  // bit_depth_luma
	r.ue()  // bit_depth_chroma
	r.bit() // qpprime_y_zero_transform_bypass
	if r.bit() == 0 {
		return chroma // no seq_scaling_matrix
	}
	lists := 8
	if chroma == 3 {
		lists = 12
	}
	for i := range lists {
		size := 64
		if i < 6 {
			size = 16
		}
		if r.bit() == 1 {
			skipScaling(r, size)
		}
	}
	return chroma
}

// skipPOC skips the picture order count fields.
func skipPOC(r *bitReader) {
	switch r.ue() { // pic_order_cnt_type
	case 0:
		r.ue()
	case 1:
		r.bit()
		r.se()
		r.se()
		for range min(r.ue(), 255) {
			r.se()
		}
	}
}

func skipScaling(r *bitReader, size int) {
	last, next := int32(8), int32(8)
	for range size {
		if next != 0 {
			next = (last + r.se() + 256) % 256
		}
		if next != 0 {
			last = next
		}
		if r.bad {
			return
		}
	}
}
