// Package handshake implements the RTMP handshake: the plain form of the
// spec and the FP9 "digest" form that Flash Player, ffmpeg, OBS and other
// librtmp-based encoders send.
//
// Every read has an exact size (1 + 1536 + 1536 bytes from the client), so a
// peer cannot make the server buffer more. Deadlines belong to the caller:
// set one on the net.Conn covering the whole handshake (10 s in rtmprecd).
package handshake

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
)

// Sizes of the handshake.
const (
	// Version is the only RTMP version accepted in C0 and sent in S0/C0.
	Version = 3
	// PacketSize is the size of C1, C2, S1 and S2.
	PacketSize = 1536
)

// serverVersion is the version field of a digest S1. Any non-zero value
// tells a digest client to validate; ffmpeg requires the first byte >= 3.
// This is nginx-rtmp's value, known to work with every client.
var serverVersion = [4]byte{0x0D, 0x0E, 0x0A, 0x0D}

// Errors, compared with errors.Is.
var (
	// ErrVersion: C0/S0 announced a version other than 3 (6 is RTMPE,
	// which is not supported; anything else is not RTMP at all).
	ErrVersion = errors.New("unsupported rtmp version")
	// ErrDigest: a digest peer's S1 or S2 did not validate (client side).
	ErrDigest = errors.New("handshake digest mismatch")
)

// Info describes a completed server handshake.
type Info struct {
	// Digest is true when the client sent a valid FP9 digest in C1 and was
	// answered in kind.
	Digest bool
	// ClientVersion is the version field of C1 (all zero for a plain client).
	ClientVersion [4]byte
	// ClientTime is the time field of C1 (the client's epoch, ms).
	ClientTime uint32
}

// Server performs the server side of the handshake on rw.
func Server(rw io.ReadWriter) error {
	_, err := Serve(rw)
	return err
}

// Serve performs the server side of the handshake and describes it.
//
// C0 is read alone first, so a non-RTMP peer (an HTTP request, TLS) is
// refused after one byte. A C1 with a zero version field, or without a
// valid digest at either scheme, gets the plain answer: S1 with a zero
// version and S2 echoing C1. A C1 with a valid digest gets S1 carrying a
// server digest at the client's scheme and S2 signed with the key derived
// from the client digest, which digest-checking clients (ffmpeg when
// playing, Flash Player) verify. C2 is read and ignored, as nginx-rtmp does:
// clients disagree on what it should contain.
func Serve(rw io.ReadWriter) (Info, error) {
	var info Info
	var c0 [1]byte
	if _, err := io.ReadFull(rw, c0[:]); err != nil {
		return info, fmt.Errorf("handshake: read c0: %w", err)
	}
	if c0[0] != Version {
		return info, fmt.Errorf("handshake: c0 version %d: %w", c0[0], ErrVersion)
	}
	c1 := make([]byte, PacketSize)
	if _, err := io.ReadFull(rw, c1); err != nil {
		return info, fmt.Errorf("handshake: read c1: %w", err)
	}
	info.ClientTime = uint32(c1[0])<<24 | uint32(c1[1])<<16 | uint32(c1[2])<<8 | uint32(c1[3])
	copy(info.ClientVersion[:], c1[4:8])
	out, digest, err := answer(c1, info.ClientVersion != [4]byte{})
	if err != nil {
		return info, err
	}
	info.Digest = digest
	if _, err := rw.Write(out); err != nil {
		return info, fmt.Errorf("handshake: write s0s1s2: %w", err)
	}
	if _, err := io.ReadFull(rw, c1); err != nil { // C2, ignored
		return info, fmt.Errorf("handshake: read c2: %w", err)
	}
	return info, nil
}

// answer builds S0S1S2 for c1; digest reports whether c1 carried a valid
// digest (looked for only when the client announced a version).
func answer(c1 []byte, versioned bool) (out []byte, digest bool, err error) {
	out = make([]byte, 1+2*PacketSize)
	out[0] = Version
	s1, s2 := out[1:1+PacketSize], out[1+PacketSize:]
	if _, err := rand.Read(s1[8:]); err != nil {
		return nil, false, fmt.Errorf("handshake: random: %w", err)
	}
	pos := -1
	if versioned {
		pos = findDigest(c1, playerShort)
	}
	if pos < 0 {
		copy(s2, c1) // plain: S2 echoes C1, which go-rtmp's client checks
		return out, false, nil
	}
	copy(s1[4:8], serverVersion[:])
	base := schemeBase0
	if pos >= schemeBase1+4 { // scheme 0 digests lie in 12..739, scheme 1 in 776..1503
		base = schemeBase1
	}
	imprint(s1, base, serverShort)
	if _, err := rand.Read(s2); err != nil {
		return nil, false, fmt.Errorf("handshake: random: %w", err)
	}
	sign(s2, c1[pos:pos+digestLen], serverKey)
	return out, true, nil
}

// Client performs a plain client handshake on rw: C1 with a zero version,
// C2 echoing S1. S2 is not checked, because servers answering a plain C1
// differ (some echo C1, some do not).
func Client(rw io.ReadWriter) error {
	return client(rw, false)
}

// ClientDigest performs a digest (FP9) client handshake on rw, as ffmpeg
// does when playing: it imprints a digest in C1 (scheme 0), then requires a
// valid server digest in S1 and a valid signature on S2 (ErrDigest
// otherwise), and sends a signed C2.
func ClientDigest(rw io.ReadWriter) error {
	return client(rw, true)
}

func client(rw io.ReadWriter, digest bool) error {
	c := make([]byte, 1+PacketSize)
	c[0] = Version
	c1 := c[1:]
	if _, err := rand.Read(c1[8:]); err != nil {
		return fmt.Errorf("handshake: random: %w", err)
	}
	cpos := 0
	if digest {
		copy(c1[4:8], []byte{9, 0, 124, 2}) // a Flash Player version
		cpos = imprint(c1, schemeBase0, playerShort)
	}
	if _, err := rw.Write(c); err != nil {
		return fmt.Errorf("handshake: write c0c1: %w", err)
	}
	s := make([]byte, 1+2*PacketSize)
	if _, err := io.ReadFull(rw, s); err != nil {
		return fmt.Errorf("handshake: read s0s1s2: %w", err)
	}
	if s[0] != Version {
		return fmt.Errorf("handshake: s0 version %d: %w", s[0], ErrVersion)
	}
	s1, s2 := s[1:1+PacketSize], s[1+PacketSize:]
	c2 := s1 // plain: echo S1
	if digest {
		spos := findDigest(s1, serverShort)
		if spos < 0 {
			return fmt.Errorf("handshake: s1: %w", ErrDigest)
		}
		want := signature(s2, c1[cpos:cpos+digestLen], serverKey)
		if subtle.ConstantTimeCompare(want, s2[PacketSize-digestLen:]) != 1 {
			return fmt.Errorf("handshake: s2: %w", ErrDigest)
		}
		c2 = make([]byte, PacketSize)
		if _, err := rand.Read(c2); err != nil {
			return fmt.Errorf("handshake: random: %w", err)
		}
		sign(c2, s1[spos:spos+digestLen], playerKey)
	}
	if _, err := rw.Write(c2); err != nil {
		return fmt.Errorf("handshake: write c2: %w", err)
	}
	return nil
}
