package media

import "strconv"

// configure parses cfg, a sequence start's payload, into t according to
// its codec. A configuration that does not parse leaves the parsed fields
// zero; its parameters are then its bytes, so the resend rule still holds.
func configure(t *Track, cfg []byte) {
	t.Config = cfg
	var key string
	switch t.Codec {
	case CodecAVC:
		key = parseAVC(t, cfg)
	case CodecHEVC:
		key = parseHEVC(t, cfg)
	case CodecAV1:
		key = parseAV1(t, cfg)
	case CodecVP9:
		key = parseVP9(t, cfg)
	case CodecAAC:
		key = parseAAC(t, cfg)
	case CodecOpus:
		key = parseOpus(t, cfg)
	case CodecFLAC:
		key = parseFLAC(t, cfg)
	}
	if key == "" {
		key = "raw:" + string(cfg)
	}
	t.params = key
}

// describe learns the parameters of codecs without a sequence start from
// a coded frame (MP3, AC-3, E-AC-3), and a VP9 picture size from a key
// frame; it reports whether t changed. It runs only while those are
// unknown, so a steady stream pays nothing for it.
func describe(t *Track, data []byte, key bool) bool {
	switch t.Codec {
	case CodecMP3, CodecMP38k:
		return parseMP3(t, data)
	case CodecAC3:
		return parseAC3(t, data)
	case CodecEAC3:
		return parseEAC3(t, data)
	case CodecVP9:
		return key && vp9Size(t, data)
	}
	return false
}

// needsDescribe reports whether describe could learn something new.
func needsDescribe(t *Track) bool {
	switch t.Codec {
	case CodecMP3, CodecMP38k, CodecAC3, CodecEAC3:
		return t.params == ""
	case CodecVP9:
		return t.Width == 0
	}
	return false
}

// sane keeps picture sizes that a hostile header could make absurd
// (negative after cropping, or beyond any real codec level).
func sane(w, h int) (int, int) {
	if w <= 0 || h <= 0 || w > 1<<16 || h > 1<<16 {
		return 0, 0
	}
	return w, h
}

// appendParam appends one length-prefixed field to a canonical key.
func appendParam(key []byte, b []byte) []byte {
	key = strconv.AppendInt(key, int64(len(b)), 10)
	key = append(key, ':')
	return append(key, b...)
}
