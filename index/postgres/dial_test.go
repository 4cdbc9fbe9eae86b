package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/internal/pgtest"
)

// TestDialedStoreIsUnavailableUntilSetUp: a store made by Dial answers
// index.ErrUnavailable, even with the server up, until Setup migrated
// the schema; Setup's own callback queries already pass; a bad URL fails
// Dial itself.
func TestDialedStoreIsUnavailableUntilSetUp(t *testing.T) {
	if _, err := Dial("postgres://127.0.0.1:notaport/x", Options{Node: "a"}); err == nil {
		t.Fatal("Dial accepted a bad URL")
	}
	pg := pgtest.Start(t)
	url := pg.NewDB(t)
	s, err := Dial(url, Options{Node: "a"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if _, _, err := s.List(ctx, index.Query{}); !errors.Is(err, index.ErrUnavailable) {
		t.Fatalf("List before Setup: %v", err)
	}
	var inSetup error
	if err := s.Setup(ctx, func(ctx context.Context) error {
		_, _, inSetup = s.List(ctx, index.Query{})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if inSetup != nil {
		t.Fatalf("List in Setup's callback: %v", inSetup)
	}
	if _, _, err := s.List(ctx, index.Query{}); err != nil {
		t.Fatalf("List after Setup: %v", err)
	}
	if v := strings.TrimSpace(pg.Exec(t, url, "SELECT version FROM rtmprecd_schema")); v != strconv.Itoa(SchemaVersion) {
		t.Fatalf("schema version %s, want %d", v, SchemaVersion)
	}
}
