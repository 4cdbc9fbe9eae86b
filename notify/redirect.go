package notify

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
)

// fdTarget is what one child descriptor gets: a file, the logged stderr
// buffer, or /dev/null (the zero value).
type fdTarget struct {
	f   *os.File
	log bool
}

// prepare splits words into arguments and redirections. Redirections are
// recognised on the word as written, before expansion, so a stream name
// such as ">x" can never become one; their targets are expanded with the
// client's values escaped (expandTarget), so a stream name cannot leave
// the directory the target names either.
func prepare(words []string, vars map[string]string) (fds map[int]fdTarget, opened []*os.File, args []string, err error) {
	fds = map[int]fdTarget{2: {log: true}}
	for _, w := range words {
		r, ok := parseRedirect(w)
		if !ok {
			args = append(args, expand(w, vars))
			continue
		}
		if r.dup >= 0 {
			fds[r.fd] = fds[r.dup]
			continue
		}
		path := expandTarget(r.path, vars)
		if path == "" {
			return fds, opened, nil, fmt.Errorf("redirection %q: empty file name", w)
		}
		f, err := os.OpenFile(path, r.flags, 0o644)
		if err != nil {
			return fds, opened, nil, fmt.Errorf("redirection %q: %w", w, err)
		}
		opened = append(opened, f)
		fds[r.fd] = fdTarget{f: f}
	}
	return fds, opened, args, nil
}

// applyFDs gives the child its descriptors; numbers above 2 not
// redirected stay closed, as nginx closes every other descriptor.
func applyFDs(cmd *exec.Cmd, fds map[int]fdTarget, stderr *tailBuffer) {
	top := 2
	for fd := range fds {
		top = max(top, fd)
	}
	if t := fds[0]; t.f != nil {
		cmd.Stdin = t.f
	}
	cmd.Stdout = fds[1].writer(stderr)
	cmd.Stderr = fds[2].writer(stderr)
	for fd := 3; fd <= top; fd++ {
		cmd.ExtraFiles = append(cmd.ExtraFiles, fds[fd].f) // nil: closed
	}
}

// writer is the io.Writer for an output descriptor; nil means /dev/null.
func (t fdTarget) writer(stderr *tailBuffer) io.Writer {
	switch {
	case t.f != nil:
		return t.f
	case t.log:
		return stderr
	}
	return nil
}

func closeAll(fs []*os.File) {
	for _, f := range fs {
		f.Close()
	}
}

// redirection is one parsed redirection word.
type redirection struct {
	fd    int
	dup   int // >= 0: N>&M makes fd a copy of M
	path  string
	flags int
}

// parseRedirect recognises nginx-rtmp's redirections: >file, >>file,
// N>file, N>>file, <file, N<file and N>&M (N a single digit).
func parseRedirect(w string) (redirection, bool) {
	r := redirection{fd: -1, dup: -1}
	i := 0
	if i < len(w) && w[i] >= '0' && w[i] <= '9' {
		r.fd, i = int(w[i]-'0'), 1
	}
	if i >= len(w) {
		return r, false
	}
	switch w[i] {
	case '>':
		i++
		r.flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if i < len(w) && w[i] == '>' {
			i++
			r.flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
		}
		if r.fd < 0 {
			r.fd = 1
		}
	case '<':
		i++
		r.flags = os.O_RDONLY
		if r.fd < 0 {
			r.fd = 0
		}
	default:
		return r, false
	}
	if i < len(w) && w[i] == '&' {
		n, err := strconv.Atoi(w[i+1:])
		if err != nil || n < 0 || n > 9 {
			return r, false
		}
		r.dup = n
		return r, true
	}
	r.path = w[i:]
	return r, true
}
