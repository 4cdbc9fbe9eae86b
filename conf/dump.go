package conf

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"

	"github.com/rtmprecd/rtmprecd/parser"
)

// Dump returns the canonical configuration: every effective setting in a
// fixed order, as a configuration file that loads to the same meaning.
// Hash is the hex SHA-256 of these bytes. rtmprecd -T prints it.
func (c *Config) Dump() []byte { return bytes.Clone(c.dump) }

func hashOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// dump writes the merged tree, derived from the directive table alone: in
// each block, every setting row read there (dumpAt) in table order, then
// the child blocks, block rows in table order (rtmp before http whatever
// the source order) and blocks of one kind in source order. Each setting
// appears at the level the snapshot reads it from, so reloading the dump
// gives the same snapshot, and a row's own dump function is the only place
// that formats its value: a directive added to the table reaches the hash
// with its row.
func dump(root *scope) []byte {
	w := &dumper{}
	w.block(root)
	return parser.Format(w.root)
}

// dumper builds a directive tree that parser.Format writes, so the dump
// quotes exactly as the parser reads.
type dumper struct {
	root  []*parser.Directive
	stack []*parser.Directive // open blocks
}

// block writes s's settings and then its child blocks.
func (w *dumper) block(s *scope) {
	for _, r := range table {
		if r.dump != nil && r.dumpAt&s.ctx != 0 && !r.sharedKey {
			r.dump(r, s, w)
		}
	}
	for _, r := range table {
		if r.inner == 0 || r.ctx&s.ctx == 0 {
			continue
		}
		for _, c := range s.children {
			if c.ctx != r.inner {
				continue
			}
			var args []string
			if c.name != "" {
				args = []string{c.name}
			}
			w.stack = append(w.stack, w.add(r.name, args, true))
			w.block(c)
			w.stack = w.stack[:len(w.stack)-1]
		}
	}
}

// line writes one setting line.
func (w *dumper) line(name string, args ...string) { w.add(name, args, false) }

func (w *dumper) add(name string, args []string, block bool) *parser.Directive {
	d := &parser.Directive{Name: name, Args: append([]string(nil), args...), HasBlock: block}
	if n := len(w.stack); n > 0 {
		w.stack[n-1].Block = append(w.stack[n-1].Block, d)
	} else {
		w.root = append(w.root, d)
	}
	return d
}
