package rtmp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
)

// scripted feeds a readBuf a few bytes per fill, then err.
type scripted struct {
	data []byte
	step int
	err  error
}

func (s *scripted) fill(rb *readBuf) (int, error) {
	if len(s.data) == 0 {
		return 0, s.err
	}
	n := copy(rb.space(), s.data[:min(s.step, len(s.data))])
	s.data = s.data[n:]
	return n, nil
}

// op is one call on a chunk.Source; the same script runs on a readBuf and
// on a bufio.Reader, which must agree.
type op struct {
	kind byte // 'b' ReadByte, 'r' Read, 'p' Peek, 'd' Discard
	n    int
}

func runOps(src interface {
	io.Reader
	io.ByteReader
	Peek(int) ([]byte, error)
	Discard(int) (int, error)
}, ops []op) (out []byte, err error) {
	for _, o := range ops {
		switch o.kind {
		case 'b':
			var c byte
			if c, err = src.ReadByte(); err == nil {
				out = append(out, c)
			}
		case 'r':
			var p []byte
			p, err = io.ReadAll(io.LimitReader(src, int64(o.n)))
			out = append(out, p...)
		case 'p':
			var p []byte
			if p, err = src.Peek(o.n); err == nil {
				out = append(out, p...)
			}
		case 'd':
			_, err = src.Discard(o.n)
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func TestReadBufAgreesWithBufio(t *testing.T) {
	data := make([]byte, 3*readBufSize)
	for i := range data {
		data[i] = byte(i * 13)
	}
	ops := []op{{'b', 1}, {'p', 4}, {'d', 4}, {'r', 3000}, {'p', 4}, {'b', 1}, {'r', readBufSize + 7}, {'d', 70000}, {'p', 4}, {'r', 1 << 20}}
	boom := errors.New("boom")
	for _, step := range []int{7, 4096, readBufSize} {
		rb := &readBuf{in: &scripted{data: data, step: step, err: boom}}
		got, gerr := runOps(rb, ops)
		want, _ := runOps(bufio.NewReader(bytes.NewReader(data)), ops)
		if !bytes.Equal(got, want) {
			t.Errorf("step %d: %d bytes differ from bufio's %d", step, len(got), len(want))
		}
		if !errors.Is(gerr, boom) {
			t.Errorf("step %d: error %v, want the filler's", step, gerr)
		}
		if rb.b != nil {
			t.Errorf("step %d: buffer still held after everything was consumed", step)
		}
	}
}

// TestReadBufGivesBufferBack: the buffer is held only while bytes wait.
func TestReadBufGivesBufferBack(t *testing.T) {
	rb := &readBuf{in: &scripted{data: []byte("abcdef"), step: 6, err: io.EOF}}
	if _, err := rb.Peek(2); err != nil || rb.b == nil {
		t.Fatalf("Peek: %v, buffer %v", err, rb.b != nil)
	}
	if _, err := rb.Discard(5); err != nil || rb.b == nil {
		t.Fatalf("Discard: %v, buffer %v with a byte left", err, rb.b != nil)
	}
	if c, err := rb.ReadByte(); c != 'f' || err != nil || rb.b != nil {
		t.Fatalf("ReadByte = %q, %v; buffer held %v", c, err, rb.b != nil)
	}
	if _, err := rb.ReadByte(); err != io.EOF {
		t.Fatalf("ReadByte at the end: %v, want io.EOF", err)
	}
}
