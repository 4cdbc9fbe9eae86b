package media

import (
	"encoding/binary"
	"encoding/hex"
)

// Codec configurations and frames from Debian's ffmpeg 5.1 encoders
// (libx265, libaom-av1, libvpx-vp9, flac, libmp3lame, ac3, eac3) on a
// 320x240 testsrc and a stereo sine, cut to what the tests need.
var (
	hevcVPS  = unhex("40010c01ffff0408000003009e0800000300003c959809")
	hevcSPS  = unhex("4201010408000003009e0800000300003c90014101e2cb2b349265780b7020200040000003004000000642")
	hevcPPS  = unhex("4401c172860c4624")
	av1Seq   = unhex("0a0d200000043cffbcdaf92021a004") // sequence header OBU, 320x240
	vp9Key   = unhex("a2498342e013f00ef60a38241c184a000bc07fd9f9be8fe7")
	flacHead = unhex("664c614300000022120012000004d20004d20ac442f00000113aa7e129326b5bc5ac89a7bee277e87424")
	mp3Frame = unhex("fffb90640000026b")
	ac3Frame = unhex("0b77fe95144043e106f46370c0c0c218")
	eac3Frm  = unhex("0b77017f3487c0002084210838008c06")
	// An H.264 baseline SPS (640x128, cut after its cropping fields, as the
	// recorder tests use it) and its PPS.
	avcSPS = []byte{0x67, 0x42, 0xC0, 0x1E, 0xD9, 0x00, 0xA0, 0x47, 0xFE, 0xC8}
	avcPPS = []byte{0x68, 0xCE, 0x3C, 0x80}
	// AAC LC, 44100 Hz, stereo.
	aacASC = []byte{0x12, 0x10}
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// avcRecord is an AVCDecoderConfigurationRecord of avcSPS and avcPPS;
// profile varies its profile byte.
func avcRecord(profile byte) []byte {
	b := []byte{1, profile, 0xC0, 0x1E, 0xFF, 0xE1, 0, byte(len(avcSPS))}
	b = append(b, avcSPS...)
	b = append(b, 1, 0, byte(len(avcPPS)))
	return append(b, avcPPS...)
}

// hevcRecord is an HEVCDecoderConfigurationRecord of the x265 sets.
func hevcRecord() []byte {
	b := []byte{1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 0x3C, 0xF0, 0, 0xFC, 0xFD, 0xF8, 0xF8, 0, 0, 0x0F, 3}
	for _, n := range [][]byte{hevcVPS, hevcSPS, hevcPPS} {
		b = append(b, 0x80|n[0]>>1&0x3f, 0, 1)
		b = binary.BigEndian.AppendUint16(b, uint16(len(n)))
		b = append(b, n...)
	}
	return b
}

func av1Record() []byte { return cat([]byte{0x81, 0x00, 0x0C, 0x00}, av1Seq) }

// vp9Record is a VPCodecConfigurationRecord as ffmpeg writes it (with the
// box's version and flags): profile 0, level 10, 8 bits 4:2:0.
func vp9Record() []byte { return []byte{1, 0, 0, 0, 0, 10, 0x82, 2, 2, 2, 0, 0} }

// opusHead is an Opus ID header: stereo, pre-skip 312, 48 kHz input.
func opusHead() []byte {
	return []byte{'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 2, 0x38, 0x01, 0x80, 0xBB, 0, 0, 0, 0, 0}
}

// Tag bodies.

func fcc(s string) []byte { return []byte(s) }

func exVideo(frame, pt byte, fourcc string, rest ...[]byte) []byte {
	return cat([]byte{0x80 | frame<<4 | pt}, fcc(fourcc), cat(rest...))
}

func exAudio(pt byte, fourcc string, rest ...[]byte) []byte {
	return cat([]byte{0x90 | pt}, fcc(fourcc), cat(rest...))
}

func u24(n int) []byte { return []byte{byte(n >> 16), byte(n >> 8), byte(n)} }
