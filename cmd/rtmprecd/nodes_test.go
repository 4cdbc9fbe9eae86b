package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/pgtest"
	"github.com/rtmprecd/rtmprecd/internal/testserver"
	"github.com/rtmprecd/rtmprecd/recapi/apitest"
)

// node is one daemon of a shared index.
type node struct {
	name string
	dir  string
	d    *Daemon
	c    *apitest.Client
	logs *testserver.LogBuffer
	stop func()
}

// startNode runs a daemon named name on the PostgreSQL index at url,
// recording live/* under its own directory, its API on a fixed port so
// that node_url can name it.
func startNode(t *testing.T, name, url string) *node {
	t.Helper()
	return startNodeWith(t, name, url, "")
}

// startNodeWith is startNode with more directives in the application.
func startNodeWith(t *testing.T, name, url, app string) *node {
	t.Helper()
	dir := t.TempDir()
	port := freeTCPPort(t)
	path := writeConf(t, fmt.Sprintf(`record_index %[1]s;
node_name %[2]s;
node_url http://127.0.0.1:%[4]d/mp4/api/;
rtmp { server { listen 127.0.0.1:0; application live { record all; record_path %[3]s; %[5]s } } }
http { server { listen 127.0.0.1:%[4]d; location /mp4/api/ { record_api on; control_token tok; } } }
`, url, name, dir, port, app))
	d, c, logs, stop := runIndexed(t, path)
	return &node{name: name, dir: dir, d: d, c: c, logs: logs, stop: stop}
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// publishFor publishes app/name to n for about frames video frames.
func (n *node) publishFor(t *testing.T, name string, frames int64) {
	t.Helper()
	p := startPublisher(t, rtmpAddr(n.d, 0), "live", name)
	p.waitSent(2 * frames)
	if _, err := p.finish(); err != nil {
		t.Fatal(err)
	}
}

type nodeRow struct {
	apiRow
	Node string `json:"node"`
}

func nodeRows(t *testing.T, n *node, sp string) []nodeRow {
	t.Helper()
	res := n.c.Do("GET", "/list/{streamPath}", "list/"+sp+"?size=100", nil)
	if res.Status != 200 {
		t.Fatalf("list on %s: %d %s", n.name, res.Status, res.Body)
	}
	var a struct{ Data []nodeRow }
	res.JSON(t, &a)
	return a.Data
}

func doneRows(t *testing.T, n *node, sp string, want int) func() bool {
	return func() bool {
		rows := nodeRows(t, n, sp)
		for _, r := range rows {
			if r.Status != "done" {
				return false
			}
		}
		return len(rows) == want
	}
}

// TestTwoNodesShareOnePostgreSQLIndex: two daemons on one database, each
// recording into its own directory. Publishing cam-a to a, cam-b to b
// and "moved" to a then b: list and catalog on either node show every
// node's rows (moved is one catalog line of two files); a download of
// b's file through a is forwarded to b (whole, and a Range); a delete
// through a of b's recording removes b's file.
func TestTwoNodesShareOnePostgreSQLIndex(t *testing.T) {
	pg := pgtest.Start(t)
	url := pg.NewDB(t)
	a, b := startNode(t, "a", url), startNode(t, "b", url)
	a.publishFor(t, "cam-a", 30)
	b.publishFor(t, "cam-b", 30)
	a.publishFor(t, "moved", 20)
	b.publishFor(t, "moved", 20)
	for _, n := range []*node{a, b} {
		waitFor(t, 15*time.Second, "both nodes' rows done on "+n.name, func() bool {
			return doneRows(t, n, "live/cam-a", 1)() && doneRows(t, n, "live/cam-b", 1)() && doneRows(t, n, "live/moved", 2)()
		}, a.logs.String, b.logs.String)
	}
	rb := nodeRows(t, a, "live/cam-b")[0]
	if rb.Node != "b" || !strings.HasPrefix(rb.FilePath, b.dir) || nodeRows(t, b, "live/cam-a")[0].Node != "a" {
		t.Fatalf("rows do not name their nodes: %+v", rb)
	}
	if moved := nodeRows(t, b, "live/moved"); moved[0].Node == moved[1].Node {
		t.Fatalf("moved stream rows %+v", moved)
	}
	for _, n := range []*node{a, b} {
		res := n.c.Do("GET", "/catalog", "catalog", nil)
		var cat struct {
			Data []struct {
				StreamPath string
				Count      int
			}
		}
		res.JSON(t, &cat)
		if len(cat.Data) != 3 || cat.Data[2].StreamPath != "live/moved" || cat.Data[2].Count != 2 {
			t.Fatalf("catalog on %s: %s", n.name, res.Body)
		}
	}

	want, err := os.ReadFile(rb.FilePath)
	if err != nil || len(want) < 1000 {
		t.Fatalf("b's file: %d bytes, %v", len(want), err)
	}
	file := fmt.Sprintf("recordings/%d/file", rb.ID)
	whole := a.c.Do("GET", "/recordings/{id}/file", file, nil)
	if whole.Status != 200 || !bytes.Equal(whole.Body, want) || whole.Header.Get("Content-Type") != "video/x-flv" {
		t.Fatalf("forwarded download: %d, %d bytes of %d, %q", whole.Status, len(whole.Body), len(want), whole.Header.Get("Content-Type"))
	}
	part := a.c.Do("GET", "/recordings/{id}/file", file, nil, "Range", "bytes=100-199")
	if part.Status != http.StatusPartialContent || !bytes.Equal(part.Body, want[100:200]) {
		t.Fatalf("forwarded range: %d %d bytes", part.Status, len(part.Body))
	}

	del := a.c.Do("POST", "/delete/{streamPath}", "delete/live/cam-b", []byte(fmt.Sprintf(`{"ids": [%d]}`, rb.ID)))
	if del.Status != 200 || !strings.Contains(string(del.Body), `"status":"deleted"`) {
		t.Fatalf("forwarded delete: %d %s", del.Status, del.Body)
	}
	if _, err := os.Stat(rb.FilePath); !os.IsNotExist(err) {
		t.Fatalf("b's file after the delete through a: %v", err)
	}
	if rows := nodeRows(t, a, "live/cam-b"); len(rows) != 0 {
		t.Fatalf("deleted row still listed: %+v", rows)
	}
	if !strings.Contains(b.logs.String(), "recording deleted") {
		t.Fatalf("b did not delete it:\n%s", b.logs)
	}
}

// TestPostgreSQLDownMidRecordingLosesNoRow: PostgreSQL stops (pg_ctl
// stop, fast) while a stream records; recording goes on, the API
// answers 503, a second stream is published and finished while it is
// down; once it is started again every row is written, done, with the
// figures of its file.
func TestPostgreSQLDownMidRecordingLosesNoRow(t *testing.T) {
	old := progressPeriod
	progressPeriod = 200 * time.Millisecond
	t.Cleanup(func() { progressPeriod = old })
	pg := pgtest.Start(t)
	n := startNode(t, "a", pg.NewDB(t))
	p := startPublisher(t, rtmpAddr(n.d, 0), "live", "long")
	p.waitSent(20)
	waitFor(t, 10*time.Second, "the row in status recording", func() bool {
		rows := nodeRows(t, n, "live/long")
		return len(rows) == 1 && rows[0].Status == "recording"
	}, n.logs.String)

	pg.Stop(t)
	waitFor(t, 15*time.Second, "the API to answer 503", func() bool {
		return n.c.Do("GET", "/list/{streamPath}", "list/live/long", nil).Status == http.StatusServiceUnavailable
	}, n.logs.String)
	p.waitSent(p.sent.Load() + 50)
	if _, err := p.finish(); err != nil {
		t.Fatal(err)
	}
	n.publishFor(t, "during", 25)
	files := flvFiles(t, n.dir)
	if len(files) != 2 {
		t.Fatalf("recorded while the index was down: %v", files)
	}

	pg.Start(t)
	waitFor(t, 20*time.Second, "every row written once PostgreSQL is back", func() bool {
		res := n.c.Do("GET", "/list/{streamPath}", "list/live/long", nil)
		return res.Status == 200 && doneRows(t, n, "live/long", 1)() && doneRows(t, n, "live/during", 1)()
	}, n.logs.String)
	for _, sp := range []string{"live/long", "live/during"} {
		r := nodeRows(t, n, sp)[0]
		sameAsFile(t, r.apiRow)
		if filepath.Dir(r.FilePath) != n.dir || r.Node != "a" {
			t.Fatalf("row %+v", r)
		}
	}
	if !strings.Contains(n.logs.String(), "database unreachable") || !strings.Contains(n.logs.String(), "database reachable again") {
		t.Fatalf("the outage is not logged:\n%s", n.logs)
	}
}
