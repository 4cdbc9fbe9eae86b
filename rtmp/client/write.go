package client

import (
	"fmt"
	"time"

	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
)

// WriteMessage writes m through the chunk writer (header compression,
// chunking, extended timestamps).
func (c *Conn) WriteMessage(m *chunk.Message) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeLocked(m)
}

func (c *Conn) writeLocked(m *chunk.Message) error {
	c.nc.SetWriteDeadline(time.Now().Add(c.opts.WriteTimeout))
	if err := c.w.WriteMessage(m); err != nil {
		return fmt.Errorf("client: %w", err)
	}
	return nil
}

// WriteRaw writes b to the socket as it is, between whole messages. The
// chunk writer does not see these bytes: its header compression state
// still describes the last message it wrote.
func (c *Conn) WriteRaw(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.nc.SetWriteDeadline(time.Now().Add(c.opts.WriteTimeout))
	if _, err := c.nc.Write(b); err != nil {
		return fmt.Errorf("client: write raw: %w", err)
	}
	return nil
}

// SetChunkSize announces chunk size n to the server and uses it for the
// following messages. n is sent as it is (to test hostile sizes) but the
// client's own framing is clamped to 1..chunk.MaxChunkSize.
func (c *Conn) SetChunkSize(n int) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.writeLocked(chunk.SetChunkSizeMessage(uint32(n))); err != nil {
		return err
	}
	c.w.SetChunkSize(n)
	return nil
}

// WriteMedia writes an audio, video or data message on the chunk stream
// ffmpeg uses for its type (video 6, others 4), or on 4 for every type
// with Options.LibRTMP.
func (c *Conn) WriteMedia(typ uint8, streamID uint32, ts uint64, payload []byte) error {
	csid := uint32(CSIDAudio)
	if typ == chunk.TypeVideo && !c.opts.LibRTMP {
		csid = CSIDVideo
	}
	return c.WriteMessage(&chunk.Message{CSID: csid, Type: typ, StreamID: streamID, Timestamp: ts, Payload: payload})
}

// WriteData writes an AMF0 data message at timestamp 0, such as
// WriteData(id, "@setDataFrame", "onMetaData", amf.ECMAArray{...}).
func (c *Conn) WriteData(streamID uint32, vals ...any) error {
	b, err := amf.Append(nil, vals...)
	if err != nil {
		return fmt.Errorf("client: data message: %w", err)
	}
	return c.WriteMedia(chunk.TypeDataAMF0, streamID, 0, b)
}

// SendCommand writes an AMF0 command message made of vals exactly as
// given (name, transaction id, ...), without waiting for a reply.
func (c *Conn) SendCommand(csid, streamID uint32, vals ...any) error {
	b, err := amf.Append(nil, vals...)
	if err != nil {
		return fmt.Errorf("client: command: %w", err)
	}
	return c.WriteMessage(&chunk.Message{CSID: csid, Type: chunk.TypeCommandAMF0, StreamID: streamID, Payload: b})
}
