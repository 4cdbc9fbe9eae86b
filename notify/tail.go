package notify

import (
	"bytes"
	"strings"
	"sync"
)

// maxStderr is how much of a command's stderr is kept for the log: the
// tail, where a failing program says why (ffmpeg's banner comes first).
const maxStderr = 1 << 10

// tailBuffer keeps the last maxStderr bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	b   []byte
	cut bool // earlier bytes were discarded
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - maxStderr; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
		t.cut = true
	}
	return len(p), nil
}

// String returns the kept tail, starting at a line when earlier bytes
// were discarded (a half line reads as noise), trimmed of blank space.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.b
	if i := bytes.IndexByte(b, '\n'); t.cut && i >= 0 && i+1 < len(b) {
		b = b[i+1:]
	}
	return strings.TrimSpace(string(b))
}
