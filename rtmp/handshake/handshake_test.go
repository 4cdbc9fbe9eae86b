package handshake

import (
	"bytes"
	"crypto/rand"
	"errors"
	"flag"
	"io"
	"net"
	"testing"
	"time"

	gortmp "github.com/yutopp/go-rtmp"
	gohs "github.com/yutopp/go-rtmp/handshake"

	"github.com/rtmprecd/rtmprecd/internal/fuzzseed"
)

// serveAsync runs Serve on conn and delivers its result.
func serveAsync(conn net.Conn) <-chan result {
	ch := make(chan result, 1)
	go func() {
		info, err := Serve(conn)
		ch <- result{info, err}
	}()
	return ch
}

type result struct {
	info Info
	err  error
}

// pipe returns both ends of a loopback TCP connection: unlike net.Pipe it
// buffers, as peers that write before reading (go-rtmp's server) need.
func pipe(t *testing.T) (srv, cli net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cli, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	srv, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(); cli.Close() })
	deadline := time.Now().Add(10 * time.Second)
	srv.SetDeadline(deadline)
	cli.SetDeadline(deadline)
	return srv, cli
}

func TestServerWithGoRTMPClient(t *testing.T) {
	srv, cli := pipe(t)
	done := serveAsync(srv)
	// go-rtmp's client checks that S2 echoes C1's random bytes.
	if err := gohs.HandshakeWithServer(cli, cli, &gohs.Config{}); err != nil {
		t.Fatalf("go-rtmp client: %v", err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("server: %v", r.err)
	}
	if r.info.Digest {
		t.Error("go-rtmp sends a plain C1, server answered with a digest")
	}
}

func TestServerWithGoRTMPDial(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		done <- Server(c)
	}()
	cc, err := gortmp.Dial("rtmp", ln.Addr().String(), &gortmp.ConnConfig{})
	if err != nil {
		t.Fatalf("rtmp.Dial: %v", err)
	}
	defer cc.Close()
	if err := <-done; err != nil {
		t.Fatalf("server: %v", err)
	}
}

func TestClientWithGoRTMPServer(t *testing.T) {
	srv, cli := pipe(t)
	done := make(chan error, 1)
	go func() { done <- gohs.HandshakeWithClient(srv, srv, &gohs.Config{}) }()
	if err := Client(cli); err != nil {
		t.Fatalf("client: %v", err)
	}
	// go-rtmp's server checks that C2 echoes S1's random bytes.
	if err := <-done; err != nil {
		t.Fatalf("go-rtmp server: %v", err)
	}
}

func TestServerPlainEchoesC1(t *testing.T) {
	c1 := make([]byte, PacketSize)
	rand.Read(c1[8:])
	c1[0], c1[1] = 0x12, 0x34 // client time, zero version: plain
	in := append(append([]byte{Version}, c1...), make([]byte, PacketSize)...)
	var out bytes.Buffer
	info, err := Serve(struct {
		io.Reader
		io.Writer
	}{bytes.NewReader(in), &out})
	if err != nil {
		t.Fatal(err)
	}
	if info.Digest || info.ClientTime != 0x12340000 {
		t.Errorf("info = %+v", info)
	}
	got := out.Bytes()
	if len(got) != 1+2*PacketSize || got[0] != Version {
		t.Fatalf("wrote %d bytes, s0 %d", len(got), got[0])
	}
	if !bytes.Equal(got[1+PacketSize:], c1) {
		t.Error("s2 does not echo c1")
	}
	if !bytes.Equal(got[5:9], []byte{0, 0, 0, 0}) {
		t.Errorf("plain s1 version %x, want zero", got[5:9])
	}
}

// TestServerDigestSchemes hand-builds digest C1s at both schemes and checks
// S1's digest and S2's signature independently of ClientDigest.
func TestServerDigestSchemes(t *testing.T) {
	for _, base := range []int{schemeBase0, schemeBase1} {
		c1 := make([]byte, PacketSize)
		rand.Read(c1[8:])
		copy(c1[4:8], []byte{10, 0, 32, 18})
		cpos := imprint(c1, base, playerShort)
		in := append(append([]byte{Version}, c1...), make([]byte, PacketSize)...)
		var out bytes.Buffer
		info, err := Serve(struct {
			io.Reader
			io.Writer
		}{bytes.NewReader(in), &out})
		if err != nil {
			t.Fatalf("base %d: %v", base, err)
		}
		if !info.Digest {
			t.Fatalf("base %d: digest not recognised", base)
		}
		s1, s2 := out.Bytes()[1:1+PacketSize], out.Bytes()[1+PacketSize:]
		spos := digestPos(s1, base)
		if !bytes.Equal(digestAt(s1, spos, serverShort), s1[spos:spos+digestLen]) {
			t.Errorf("base %d: s1 digest not at the client's scheme", base)
		}
		if s1[4] < 3 {
			t.Errorf("base %d: s1 version %d < 3: ffmpeg would not validate", base, s1[4])
		}
		if !bytes.Equal(signature(s2, c1[cpos:cpos+digestLen], serverKey), s2[PacketSize-digestLen:]) {
			t.Errorf("base %d: s2 signature invalid", base)
		}
	}
}

func TestClientDigestWithServer(t *testing.T) {
	srv, cli := pipe(t)
	done := serveAsync(srv)
	if err := ClientDigest(cli); err != nil {
		t.Fatalf("client: %v", err)
	}
	r := <-done
	if r.err != nil || !r.info.Digest {
		t.Fatalf("server: %+v", r)
	}
}

func TestClientDigestRejectsPlainServer(t *testing.T) {
	srv, cli := pipe(t)
	go gohs.HandshakeWithClient(srv, srv, &gohs.Config{SkipHandshakeVerification: true})
	if err := ClientDigest(cli); !errors.Is(err, ErrDigest) {
		t.Fatalf("err = %v, want ErrDigest", err)
	}
}

func TestServerRejectsVersion(t *testing.T) {
	for _, c0 := range []byte{0, 6, 'G', 0x16} {
		var out bytes.Buffer
		// Only C0 is available: the server must not wait for C1.
		err := Server(struct {
			io.Reader
			io.Writer
		}{bytes.NewReader([]byte{c0}), &out})
		if !errors.Is(err, ErrVersion) {
			t.Errorf("c0 %#x: err = %v, want ErrVersion", c0, err)
		}
		if out.Len() != 0 {
			t.Errorf("c0 %#x: wrote %d bytes", c0, out.Len())
		}
	}
}

func TestServerTruncated(t *testing.T) {
	full := append([]byte{Version}, make([]byte, 2*PacketSize)...)
	for _, n := range []int{0, 1, 2, 100, 1 + PacketSize, 1 + PacketSize + 1, len(full) - 1} {
		err := Server(struct {
			io.Reader
			io.Writer
		}{bytes.NewReader(full[:n]), io.Discard})
		if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%d bytes: err = %v, want EOF", n, err)
		}
	}
	if err := Server(struct {
		io.Reader
		io.Writer
	}{bytes.NewReader(full), io.Discard}); err != nil {
		t.Errorf("complete input: %v", err)
	}
}

var updateCorpus = flag.Bool("update-corpus", false, "rewrite the committed seed corpus under testdata/fuzz")

// serverSeeds are FuzzServer's committed seeds: plain and digest (both
// schemes) handshakes, a wrong version, a truncated C1.
func serverSeeds() [][]byte {
	plain := append([]byte{Version}, make([]byte, 2*PacketSize)...)
	seeds := [][]byte{plain, {Version}, {6, 1, 2, 3}, plain[:700]}
	for i, base := range []int{schemeBase0, schemeBase1} {
		c1 := make([]byte, PacketSize)
		for j := range c1[8:] {
			c1[8+j] = byte(j*7 + i)
		}
		copy(c1[4:8], []byte{9, 0, 124, 2})
		imprint(c1, base, playerShort)
		seeds = append(seeds, append(append([]byte{Version}, c1...), make([]byte, PacketSize)...))
	}
	return seeds
}

func FuzzServer(f *testing.F) {
	seeds := serverSeeds()
	if *updateCorpus {
		fuzzseed.Write(f, "FuzzServer", seeds)
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		info, err := Serve(struct {
			io.Reader
			io.Writer
		}{bytes.NewReader(data), &out})
		if err == nil && len(data) < 1+2*PacketSize {
			t.Fatalf("success on %d bytes", len(data))
		}
		if out.Len() != 0 && out.Len() != 1+2*PacketSize {
			t.Fatalf("wrote %d bytes", out.Len())
		}
		if info.Digest && out.Len() == 0 {
			t.Fatal("digest without answer")
		}
	})
}
