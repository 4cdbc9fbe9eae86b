package chunk

import (
	"bytes"
	"errors"
	"testing"
)

func TestControlBuilders(t *testing.T) {
	cases := []struct {
		name    string
		m       *Message
		typ     uint8
		payload []byte
	}{
		{"set chunk size", SetChunkSizeMessage(4096), TypeSetChunkSize, []byte{0, 0, 0x10, 0}},
		{"set chunk size top bit", SetChunkSizeMessage(0xFFFFFFFF), TypeSetChunkSize, []byte{0x7F, 0xFF, 0xFF, 0xFF}},
		{"abort", AbortMessage(5), TypeAbort, []byte{0, 0, 0, 5}},
		{"ack", AckMessage(0x01020304), TypeAck, []byte{1, 2, 3, 4}},
		{"window", WindowAckSizeMessage(5000000), TypeWindowAckSize, []byte{0, 0x4C, 0x4B, 0x40}},
		{"peer bandwidth", SetPeerBandwidthMessage(5000000, LimitDynamic), TypeSetPeerBandwidth, []byte{0, 0x4C, 0x4B, 0x40, 2}},
		{"stream begin", StreamBeginMessage(1), TypeUserControl, []byte{0, 0, 0, 0, 0, 1}},
		{"stream eof", StreamEOFMessage(1), TypeUserControl, []byte{0, 1, 0, 0, 0, 1}},
		{"ping request", PingRequestMessage(77), TypeUserControl, []byte{0, 6, 0, 0, 0, 77}},
		{"ping response", PingResponseMessage(77), TypeUserControl, []byte{0, 7, 0, 0, 0, 77}},
		{"set buffer length", SetBufferLengthMessage(1, 3000), TypeUserControl, []byte{0, 3, 0, 0, 0, 1, 0, 0, 0x0B, 0xB8}},
	}
	for _, tc := range cases {
		if tc.m.CSID != ControlCSID || tc.m.StreamID != 0 || tc.m.Type != tc.typ || !bytes.Equal(tc.m.Payload, tc.payload) {
			t.Errorf("%s: %+v, want type %d payload %x", tc.name, tc.m, tc.typ, tc.payload)
		}
	}
}

func TestControlParsers(t *testing.T) {
	if n, err := ParseSetChunkSize([]byte{0x80, 0, 0x10, 0}); n != 4096 || err != nil {
		t.Errorf("set chunk size = %d, %v", n, err)
	}
	if n, err := ParseAck([]byte{1, 2, 3, 4, 9}); n != 0x01020304 || err != nil {
		t.Errorf("ack = %#x, %v", n, err)
	}
	if n, err := ParseWindowAckSize([]byte{0, 0x4C, 0x4B, 0x40}); n != 5000000 || err != nil {
		t.Errorf("window = %d, %v", n, err)
	}
	if id, err := ParseAbort([]byte{0, 0, 0, 5}); id != 5 || err != nil {
		t.Errorf("abort = %d, %v", id, err)
	}
	if n, lim, err := ParseSetPeerBandwidth([]byte{0, 0x4C, 0x4B, 0x40, 2}); n != 5000000 || lim != LimitDynamic || err != nil {
		t.Errorf("peer bandwidth = %d %d %v", n, lim, err)
	}
	uc := []struct {
		p    []byte
		want UserControl
	}{
		{StreamBeginMessage(3).Payload, UserControl{Event: EventStreamBegin, Value: 3}},
		{PingRequestMessage(99).Payload, UserControl{Event: EventPingRequest, Value: 99}},
		{SetBufferLengthMessage(1, 3000).Payload, UserControl{Event: EventSetBufferLength, Value: 1, BufferLength: 3000}},
		{[]byte{0, 31, 0, 0, 0, 1}, UserControl{Event: 31, Value: 1}},
	}
	for _, tc := range uc {
		got, err := ParseUserControl(tc.p)
		if err != nil || got != tc.want {
			t.Errorf("%x: %+v, %v; want %+v", tc.p, got, err, tc.want)
		}
	}
	bad := []func() error{
		func() error { _, err := ParseSetChunkSize([]byte{0x80, 0, 0, 0}); return err },
		func() error { _, err := ParseSetChunkSize([]byte{0, 1}); return err },
		func() error { _, err := ParseAck(nil); return err },
		func() error { _, _, err := ParseSetPeerBandwidth([]byte{0, 0, 0, 1}); return err },
		func() error { _, err := ParseUserControl([]byte{0, 0, 0}); return err },
		func() error { _, err := ParseUserControl([]byte{0, 3, 0, 0, 0, 1, 0}); return err },
	}
	for i, f := range bad {
		if err := f(); !errors.Is(err, ErrBadControl) {
			t.Errorf("bad %d: err = %v, want ErrBadControl", i, err)
		}
	}
}
