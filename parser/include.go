package parser

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

var (
	errNotRegular = errors.New("not a regular file")
	errTooLarge   = fmt.Errorf("larger than %d bytes", MaxFileSize)
)

// state is shared by the main file and every file it includes.
type state struct {
	prefix    string   // directory that relative include patterns resolve against
	stack     []string // files being read, outermost first, absolute, for cycles
	names     []string // the same files as opened, for messages
	files     int      // files read so far
	src       Sources  // what was read, for ParseFileSources
	total     int      // bytes read so far
	noInclude bool     // keep `include` as a plain directive (round-trip checks)
	readFile  func(string) ([]byte, error)
	glob      func(string) ([]string, error)
}

func newState(main string) *state {
	return &state{prefix: filepath.Dir(main), readFile: readSource, glob: filepath.Glob}
}

// parseMain parses the top-level file.
func (st *state) parseMain(name string, src []byte) ([]*Directive, error) {
	if len(src) > MaxFileSize {
		return nil, fileError(name, errTooLarge)
	}
	st.files, st.total = 1, len(src)
	return st.parse(name, src, 0)
}

// parse reads one file's directives with depth blocks already open around it.
func (st *state) parse(name string, src []byte, depth int) ([]*Directive, error) {
	st.stack = append(st.stack, absPath(name))
	st.names = append(st.names, name)
	p := &parser{lex: newLexer(name, src), st: st, depth: depth}
	ds, err := p.block(false)
	st.stack = st.stack[:len(st.stack)-1]
	st.names = st.names[:len(st.names)-1]
	return ds, err
}

// include returns the directives of the files d (`include PATTERN;`) names,
// in sorted order. A glob that matches nothing gives none, as in nginx.
func (st *state) include(d *Directive, depth int) ([]*Directive, error) {
	if len(d.Args) != 1 {
		return nil, errAt(d.Pos, `invalid number of arguments in "include" directive`)
	}
	arg := d.Args[0]
	if !strings.ContainsAny(arg, "*?[") {
		path := arg
		if !filepath.IsAbs(path) {
			path = filepath.Join(st.prefix, path)
		}
		return st.includeFile(path, d.Pos, depth)
	}
	pattern := arg
	if !filepath.IsAbs(pattern) {
		// The prefix is a literal directory: its own `[` or `*` must not match.
		pattern = filepath.Join(globEscape(st.prefix), pattern)
	}
	files, err := st.glob(pattern)
	if err != nil {
		return nil, errAt(d.Pos, "invalid pattern %q in \"include\" directive", arg)
	}
	st.src.Globs = append(st.src.Globs, pattern)
	slices.Sort(files)
	var out []*Directive
	for _, f := range files {
		ds, err := st.includeFile(f, d.Pos, depth)
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
	}
	return out, nil
}

// includeFile reads and parses one included file after checking the limits
// and the include stack.
func (st *state) includeFile(path string, at Pos, depth int) ([]*Directive, error) {
	if len(st.stack) > MaxIncludeDeep {
		return nil, errAt(at, "includes nested too deeply (more than %d)", MaxIncludeDeep)
	}
	if i := slices.Index(st.stack, absPath(path)); i >= 0 {
		cycle := append(slices.Clone(st.names[i:]), path)
		return nil, errAt(at, "include cycle: %s", strings.Join(cycle, " -> "))
	}
	if st.files++; st.files > MaxFiles {
		return nil, errAt(at, "too many included files (more than %d)", MaxFiles)
	}
	st.src.Files = append(st.src.Files, path)
	src, err := st.readFile(path)
	if err != nil {
		ferr := fileError(path, err)
		return nil, &Error{Pos: at, Msg: ferr.Error(), Err: ferr}
	}
	if st.total += len(src); st.total > MaxTotalSize {
		return nil, errAt(at, "included files too large in total (more than %d bytes)", MaxTotalSize)
	}
	return st.parse(path, src, depth)
}

// fileError describes a file that cannot be read, as nginx does:
// `open() "PATH" failed (REASON)`. It wraps the cause for errors.Is.
func fileError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("open() %q failed (%w)", path, err)
}

// absPath names a file independently of the working directory, so that
// `a.conf` and `./a.conf` are the same file in a cycle.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return filepath.Clean(p)
}

// globEscape quotes the pattern metacharacters of a literal path.
func globEscape(p string) string {
	var b strings.Builder
	for _, r := range p {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// readSource reads one configuration file. It refuses anything but a regular
// file (a FIFO or device would block or never end) and files over
// MaxFileSize.
func readSource(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errNotRegular
	}
	if fi.Size() > MaxFileSize {
		return nil, errTooLarge
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The limit still applies while reading: the file may grow after Stat.
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileSize {
		return nil, errTooLarge
	}
	return b, nil
}
