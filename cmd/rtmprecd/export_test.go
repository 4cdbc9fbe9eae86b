package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportLimitReachesTheAPI: record_export_max of the record_api
// location is what the running daemon's export answers 422 with.
func TestExportLimitReachesTheAPI(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rtmprecd.conf")
	src := fmt.Sprintf(`record_index %s/.index.db;
http { server { listen 127.0.0.1:0; location /mp4/api/ { record_api on; control_token tok; record_export_max 10s; record_export_concurrency 1; } } }
`, dir)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, c, _, stop := runIndexed(t, path)
	defer stop()
	res := c.Do("GET", "/export/{streamPath}", "export/live/cam?start=1772373600&duration=11s", nil)
	if res.Status != 422 || !strings.Contains(string(res.Body), "record_export_max 10s") {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if res = c.Do("GET", "/export/{streamPath}", "export/live/cam?start=1772373600&duration=10s", nil); res.Status != 404 {
		t.Fatalf("a range within the limit: %d %s", res.Status, res.Body)
	}
}
