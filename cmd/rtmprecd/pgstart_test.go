package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/index/postgres"
	"github.com/rtmprecd/rtmprecd/internal/pgtest"
)

// TestStartsWhilePostgreSQLIsDown: a daemon whose PostgreSQL is down at
// start starts all the same, records while its API answers 503, and once
// the server is up migrates the database in the background (empty, or
// at the current version with a row a crash of this node left open,
// which reconciliation then marks missing) and writes the row of the
// file recorded meanwhile, matching the file.
func TestStartsWhilePostgreSQLIsDown(t *testing.T) {
	for _, leftOpen := range []bool{false, true} {
		t.Run(fmt.Sprintf("row_left_open=%v", leftOpen), func(t *testing.T) {
			testStartsWhilePostgreSQLIsDown(t, leftOpen)
		})
	}
}

func testStartsWhilePostgreSQLIsDown(t *testing.T, leftOpen bool) {
	pg := pgtest.Start(t)
	url := pg.NewDB(t)
	if leftOpen {
		s, err := postgres.Open(context.Background(), url, postgres.Options{Node: "a"})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		pg.Exec(t, url, `INSERT INTO recordings (node, stream_path, app, name, format, path, status, start_ms)
			VALUES ('a', 'live/old', 'live', 'old', 'flv', '`+filepath.Join(t.TempDir(), "gone.flv")+`', 'recording', 1)`)
	}
	pg.Stop(t)
	n := startNode(t, "a", url)
	if !strings.Contains(n.logs.String(), "PostgreSQL unreachable at start") {
		t.Fatalf("no warning at start:\n%s", n.logs)
	}
	n.publishFor(t, "early", 25)
	if files := flvFiles(t, n.dir); len(files) != 1 {
		t.Fatalf("recorded while the index was down: %v", files)
	}
	if res := n.c.Do("GET", "/list/{streamPath}", "list/live/early", nil); res.Status != http.StatusServiceUnavailable {
		t.Fatalf("list while PostgreSQL is down: %d %s", res.Status, res.Body)
	}

	pg.Start(t)
	waitFor(t, 30*time.Second, "the row written once PostgreSQL is up", func() bool {
		res := n.c.Do("GET", "/list/{streamPath}", "list/live/early", nil)
		return res.Status == 200 && doneRows(t, n, "live/early", 1)()
	}, n.logs.String)
	r := nodeRows(t, n, "live/early")[0]
	sameAsFile(t, r.apiRow)
	if filepath.Dir(r.FilePath) != n.dir || r.Node != "a" {
		t.Fatalf("row %+v", r)
	}
	if v := strings.TrimSpace(pg.Exec(t, url, "SELECT version FROM rtmprecd_schema")); v == "" || v == "0" {
		t.Fatalf("schema version %q after the late start", v)
	}
	if got := strings.TrimSpace(pg.Exec(t, url, "SELECT string_agg(status, ',') FROM recordings WHERE stream_path = 'live/old'")); leftOpen && got != "missing" {
		t.Fatalf("row left open by the last run: status %q after the late start", got)
	}
	if !strings.Contains(n.logs.String(), "PostgreSQL reached") {
		t.Fatalf("the late setup is not logged:\n%s", n.logs)
	}
}

// TestUnusableSharedIndexStillFailsTheStart: a database that answers
// with a schema newer than this build's fails the start, and -t's check
// fails on a server that cannot be reached.
func TestUnusableSharedIndexStillFailsTheStart(t *testing.T) {
	pg := pgtest.Start(t)
	url := pg.NewDB(t)
	pg.Exec(t, url, "CREATE TABLE rtmprecd_schema (one boolean PRIMARY KEY DEFAULT true, version integer NOT NULL); INSERT INTO rtmprecd_schema (version) VALUES (999)")
	cfg := &conf.Config{RecordIndex: url, NodeName: "a"}
	_, err := openIndex(context.Background(), cfg, nil, func() *conf.Config { return cfg }, slog.New(slog.DiscardHandler))
	if err == nil || errors.Is(err, index.ErrUnavailable) || !strings.Contains(err.Error(), "newer than this build") {
		t.Fatalf("open of a newer schema: %v", err)
	}
	pg.Stop(t)
	if err := checkIndex(cfg); err == nil {
		t.Fatal("-t passed with PostgreSQL down")
	}
}

// TestStopsWhilePostgreSQLNeverCame: a daemon started with no server
// listening records, answers 503 and stops promptly, its background
// connection and the writer's retries ending with it.
func TestStopsWhilePostgreSQLNeverCame(t *testing.T) {
	n := startNode(t, "a", fmt.Sprintf("postgres://postgres@127.0.0.1:%d/none?sslmode=disable", freeTCPPort(t)))
	n.publishFor(t, "alone", 10)
	if res := n.c.Do("GET", "/list/{streamPath}", "list/live/alone", nil); res.Status != http.StatusServiceUnavailable {
		t.Fatalf("list with no server: %d %s", res.Status, res.Body)
	}
	exited := make(chan struct{})
	go func() { n.stop(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		t.Fatalf("the daemon did not stop:\n%s", n.logs)
	}
	if files := flvFiles(t, n.dir); len(files) != 1 || !strings.Contains(n.logs.String(), "index: closed") {
		t.Fatalf("files %v, logs:\n%s", files, n.logs)
	}
}
