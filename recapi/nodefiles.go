package recapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sync"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/internal/httprange"
	"github.com/rtmprecd/rtmprecd/playback"
)

// nodeError is a failure to read another node's recording through its
// API: an export answers 502 for it, as a forwarded download does.
type nodeError struct{ err error }

func (e nodeError) Error() string { return e.err.Error() }
func (e nodeError) Unwrap() error { return e.err }

// wrapNode marks err (not io.EOF, which is no failure) as a node's.
func wrapNode(err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return nodeError{err}
}

// rowFiles is how an export reads a row's files: from this node's disk,
// or, for a row another node of a shared index wrote, through that
// node's recordings/{id}/file with this location's token (Range
// requests, see httprange).
func (rq *request) rowFiles(row index.Recording) playback.Files {
	ns, remote := rq.api.owner(&row)
	if !remote {
		return playback.LocalFiles(row.Path)
	}
	req, err := rq.nodeRequest(rq.ctx(), ns, &row, "GET", fmt.Sprintf("recordings/%d/file", row.ID), nil)
	if err != nil {
		return &nodeFiles{err: nodeError{err}}
	}
	return &nodeFiles{ctx: rq.ctx(), t: httprange.Target{Client: forwardClient, URL: req.URL.String(),
		Header: req.Header, Name: "node " + row.Node}, sizes: map[string]int64{}}
}

// nodeFiles reads the files of one recording of another node. A file's
// size is asked once per export: the walks (an mp4 export makes several)
// see the same bytes, and an HLS recording's segments are not asked
// again at each walk.
type nodeFiles struct {
	ctx context.Context
	t   httprange.Target // the recording's own file
	err error            // the node cannot be asked (no node_url)

	mu    sync.Mutex
	sizes map[string]int64
}

// target is the URL of name: the file itself, or a file of an HLS
// recording's directory (recordings/{id}/file/{name}).
func (n *nodeFiles) target(name string) httprange.Target {
	t := n.t
	if name != "" {
		t.URL += "/" + url.PathEscape(name)
	}
	return t
}

func (n *nodeFiles) Size(name string) (int64, error) {
	if n.err != nil {
		return 0, n.err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if size, ok := n.sizes[name]; ok {
		return size, nil
	}
	size, err := httprange.Head(n.ctx, n.target(name))
	if err != nil {
		return 0, wrapNode(err)
	}
	n.sizes[name] = size
	return size, nil
}

func (n *nodeFiles) Open(name string, size int64) (playback.File, error) {
	if n.err != nil {
		return nil, n.err
	}
	return nodeFile{httprange.New(n.ctx, n.target(name), size)}, nil
}

// nodeFile marks the read errors of a remote file as the node's.
type nodeFile struct{ *httprange.Reader }

func (f nodeFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.Reader.ReadAt(p, off)
	return n, wrapNode(err)
}

// isNodeError: err is a failure of another node.
func isNodeError(err error) bool {
	var ne nodeError
	return errors.As(err, &ne)
}
