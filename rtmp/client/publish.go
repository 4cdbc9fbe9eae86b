package client

import (
	"context"
	"fmt"
)

// StartPublish runs ffmpeg's publish sequence after Connect:
// releaseStream, FCPublish, createStream, then publish on the new stream.
// It returns the stream id and the publish status, with Publish's errors.
func (c *Conn) StartPublish(ctx context.Context, name, typ string) (uint32, *Status, error) {
	if err := c.ReleaseStream(name); err != nil {
		return 0, nil, err
	}
	if err := c.FCPublish(name); err != nil {
		return 0, nil, err
	}
	id, err := c.CreateStream(ctx)
	if err != nil {
		return 0, nil, err
	}
	st, err := c.Publish(ctx, id, name, typ)
	return id, st, err
}

// StopPublish ends a publish as ffmpeg does: FCUnpublish, then
// deleteStream. It does not wait: the server's NetStream.Unpublish.Success
// arrives on Statuses.
func (c *Conn) StopPublish(streamID uint32, name string) error {
	if err := c.FCUnpublish(name); err != nil {
		return err
	}
	return c.DeleteStream(streamID)
}

// WaitStatus reads Statuses until a status with the given code arrives,
// and returns it; statuses before it are dropped. It fails when ctx ends or
// the connection ended first.
func (c *Conn) WaitStatus(ctx context.Context, code string) (Status, error) {
	for {
		select {
		case st, ok := <-c.statuses:
			if !ok {
				return Status{}, fmt.Errorf("client: waiting for %s: connection ended: %w", code, c.Err())
			}
			if st.Code == code {
				return st, nil
			}
		case <-ctx.Done():
			return Status{}, fmt.Errorf("client: waiting for %s: %w", code, ctx.Err())
		}
	}
}
