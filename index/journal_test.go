package index_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/index"
)

func TestReadJournalIgnoresATornLastLineOnly(t *testing.T) {
	good := `{"time":"2026-03-01T14:00:00Z","op":"pin","path":"/rec/a.flv"}` + "\n"
	es, err := index.ReadJournal(strings.NewReader(good + good + `{"time":"2026-03-01T14:0`))
	if err != nil || len(es) != 2 || es[0].Op != index.OpPin {
		t.Fatalf("%v %v", es, err)
	}
	if _, err := index.ReadJournal(strings.NewReader(good + "garbage\n" + good)); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("bad middle line: %v", err)
	}
	if _, err := index.ReadJournal(strings.NewReader(`{"op":"drop table"}` + "\n" + good)); err == nil {
		t.Fatal("unknown op accepted")
	}
}

func FuzzReadJournal(f *testing.F) {
	f.Add([]byte(`{"time":"2026-03-01T14:00:00Z","op":"pin","path":"/rec/a.flv"}` + "\n"))
	f.Add([]byte(`{"time":"2026-03-01T14:00:00Z","op":"delete","path":"/rec/a.flv","row":{"ID":3,"Path":"/rec/a.flv"}}` + "\n{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		es, err := index.ReadJournal(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, e := range es {
			switch e.Op {
			case index.OpPin, index.OpUnpin, index.OpDelete, index.OpEvent:
			default:
				t.Fatalf("entry with op %q accepted", e.Op)
			}
		}
	})
}
