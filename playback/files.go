package playback

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rtmprecd/rtmprecd/index"
)

// Files reads the files of one recording where they are: on this
// node's disk, or through the API of the node that wrote them (a shared
// index). Name "" is the recording's own file; another name is a file
// in an HLS recording's directory.
type Files interface {
	// Size is how many bytes the file holds now: what an export reads.
	Size(name string) (int64, error)
	// Open opens the file for reading its first size bytes.
	Open(name string, size int64) (File, error)
}

// File is an open file of a recording.
type File interface {
	io.ReaderAt
	io.Closer
}

// FilesFunc says how to read a row's files; nil in a Request: the
// local disk (LocalFiles).
type FilesFunc func(row index.Recording) Files

// LocalFiles reads the files of the recording at path on this node.
func LocalFiles(path string) Files { return localFiles(path) }

type localFiles string

func (l localFiles) name(name string) string {
	if name == "" {
		return string(l)
	}
	return filepath.Join(string(l), name)
}

func (l localFiles) Size(name string) (int64, error) {
	st, err := os.Stat(l.name(name))
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

func (l localFiles) Open(name string, _ int64) (File, error) { return os.Open(l.name(name)) }

// ReadFile reads a whole (small) file of a recording: an HLS playlist,
// an init segment.
func ReadFile(fs Files, name string) ([]byte, error) {
	size, err := fs.Size(name)
	if err != nil {
		return nil, err
	}
	f, err := fs.Open(name, size)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, size)
	if n, err := f.ReadAt(b, 0); n < len(b) {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return b, nil
}
