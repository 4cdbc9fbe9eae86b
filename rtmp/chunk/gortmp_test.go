package chunk

import (
	"bytes"
	"context"
	"io"
	"testing"

	gortmp "github.com/yutopp/go-rtmp"
	"github.com/yutopp/go-rtmp/message"
)

// gortmpTimestamps make go-rtmp send extended timestamps (which it does
// not repeat on fmt 3 continuation chunks): deltas of 0xFFFFFF or more in
// fmt 1/2 headers, and a backward jump, which it sends as fmt 0 absolute.
var gortmpTimestamps = []uint32{0, 40, 0x1000000, 0x1000028, 0x3000000, 0x2000000, 0x2000028, 0x2000050}

func gortmpPayload(i int) []byte {
	return bytes.Repeat([]byte{byte(i), 0x17, 0x01}, 100+37*i) // 300+ bytes: several chunks at 128
}

// TestReadGoRTMPWriter reads what go-rtmp's chunk writer sends.
func TestReadGoRTMPWriter(t *testing.T) {
	pr, pw := io.Pipe()
	defer pr.Close()
	cs := gortmp.NewChunkStreamer(bytes.NewReader(nil), pw, nil)
	defer cs.Close()
	go func() {
		for i, ts := range gortmpTimestamps {
			msg := &gortmp.ChunkMessage{StreamID: 1, Message: &message.VideoMessage{Payload: bytes.NewReader(gortmpPayload(i))}}
			if err := cs.Write(context.Background(), 6, ts, msg); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
	}()
	var seen bytes.Buffer
	r := NewReader(io.TeeReader(pr, &seen), 0)
	for i, ts := range gortmpTimestamps {
		m, err := r.ReadMessage()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if m.Type != TypeVideo || m.StreamID != 1 || m.Timestamp != uint64(ts) || !bytes.Equal(m.Payload, gortmpPayload(i)) {
			t.Fatalf("message %d: type %d stream %d ts %#x len %d; want ts %#x len %d",
				i, m.Type, m.StreamID, m.Timestamp, len(m.Payload), ts, len(gortmpPayload(i)))
		}
	}
	// The continuation after an extended header must not carry the field.
	if !bytes.Contains(seen.Bytes(), []byte{0x46, 0xFF, 0xFF, 0xFF}) || !bytes.Contains(seen.Bytes(), []byte{0x06, 0xFF, 0xFF, 0xFF}) {
		t.Error("go-rtmp sent no extended fmt 0 and fmt 1 headers: the test lost its point")
	}
	if bytes.Contains(seen.Bytes(), []byte{0xC6, 0x01, 0x00, 0x00, 0x00}) {
		t.Error("go-rtmp repeated the extended field after all")
	}
}

// TestGoRTMPReadsWriter checks go-rtmp's reader with our Writer when
// ExtendedType3 is off (go-rtmp does not expect the repeated field).
func TestGoRTMPReadsWriter(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, 0)
	w.ExtendedType3 = false
	for i, ts := range gortmpTimestamps {
		if err := w.WriteMessage(&Message{CSID: 6, Type: TypeVideo, StreamID: 1, Timestamp: uint64(ts), Payload: gortmpPayload(i)}); err != nil {
			t.Fatal(err)
		}
	}
	cs := gortmp.NewChunkStreamer(&buf, io.Discard, nil)
	defer cs.Close()
	for i, ts := range gortmpTimestamps {
		var cm gortmp.ChunkMessage
		csid, gotTS, err := cs.Read(&cm)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		vm, ok := cm.Message.(*message.VideoMessage)
		if !ok {
			t.Fatalf("message %d: %T", i, cm.Message)
		}
		p, _ := io.ReadAll(vm.Payload)
		if csid != 6 || gotTS != ts || cm.StreamID != 1 || !bytes.Equal(p, gortmpPayload(i)) {
			t.Fatalf("message %d: csid %d ts %#x stream %d len %d; want ts %#x", i, csid, gotTS, cm.StreamID, len(p), ts)
		}
	}
}
