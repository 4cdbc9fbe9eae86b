package handshake

import (
	"crypto/hmac"
	"crypto/sha256"
)

// The Flash Player and Flash Media Server keys of the FP9 ("digest")
// handshake. They are protocol constants: every RTMP stack that talks to
// Flash-era clients carries them. Only the first 30 (player) or 36 (server)
// bytes, the readable part, key the C1/S1 digests; the full keys key the
// C2/S2 signatures.
var (
	keyTail     = []byte{0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57, 0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE}
	playerKey   = append([]byte("Genuine Adobe Flash Player 001"), keyTail...)
	serverKey   = append([]byte("Genuine Adobe Flash Media Server 001"), keyTail...)
	playerShort = playerKey[:30]
	serverShort = serverKey[:36]
)

const (
	digestLen = sha256.Size // 32
	// Digest schemes: where the 4 bytes that locate the digest start. The
	// digest lies at (sum of those 4 bytes) % 728 + base + 4. Scheme 0 (base
	// 8) is what ffmpeg and librtmp send unencrypted; scheme 1 (base 772)
	// is Flash Player 10+'s and ffmpeg's for RTMPE.
	schemeBase0 = 8
	schemeBase1 = 772
)

// digestPos returns where the digest lies in a 1536-byte C1/S1 for the
// scheme whose offset bytes start at base.
func digestPos(p []byte, base int) int {
	sum := int(p[base]) + int(p[base+1]) + int(p[base+2]) + int(p[base+3])
	return sum%728 + base + 4
}

// digestAt computes the HMAC-SHA256 of p without the 32 bytes at pos.
func digestAt(p []byte, pos int, key []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(p[:pos])
	h.Write(p[pos+digestLen:])
	return h.Sum(nil)
}

// findDigest looks for a valid digest made with key at either scheme,
// trying base 772 first as nginx and ffmpeg do. It returns the digest's
// position, or -1.
func findDigest(p []byte, key []byte) int {
	for _, base := range []int{schemeBase1, schemeBase0} {
		pos := digestPos(p, base)
		if hmac.Equal(digestAt(p, pos, key), p[pos:pos+digestLen]) {
			return pos
		}
	}
	return -1
}

// imprint writes a digest made with key into p at the scheme at base.
func imprint(p []byte, base int, key []byte) int {
	pos := digestPos(p, base)
	copy(p[pos:], digestAt(p, pos, key))
	return pos
}

// sign writes the C2/S2 signature: the last 32 bytes of p become
// HMAC(HMAC(fullKey, peerDigest), p[:1504]).
func sign(p []byte, peerDigest, fullKey []byte) {
	copy(p[len(p)-digestLen:], signature(p, peerDigest, fullKey))
}

func signature(p []byte, peerDigest, fullKey []byte) []byte {
	h := hmac.New(sha256.New, fullKey)
	h.Write(peerDigest)
	k := h.Sum(nil)
	h = hmac.New(sha256.New, k)
	h.Write(p[:len(p)-digestLen])
	return h.Sum(nil)
}
