package conf

import (
	"strings"
	"testing"
)

// hashSkeleton has one block of every kind, each with a marker comment
// where a directive of that context is inserted. The recorder records
// nothing of its own, so that a record set further out does not make it
// write the inline recorder's files.
const hashSkeleton = `#main
rtmp {
    #rtmp
    server {
        listen 127.0.0.1:1935;
        #srv
        application live {
            #app
            recorder r1 {
                record off;
                #rec
            }
        }
    }
}
http {
    #http
    server {
        listen 127.0.0.1:8080;
        #httpsrv
        location /x {
            #loc
        }
    }
}
`

// markers names the insertion point of each context.
var markers = map[ctx]string{
	ctxMain: "#main", ctxRTMP: "#rtmp", ctxSrv: "#srv", ctxApp: "#app", ctxRec: "#rec",
	ctxHTTP: "#http", ctxHTTPSrv: "#httpsrv", ctxLoc: "#loc",
}

// nonDefault is, per directive, a value that differs from its default (for
// a block directive, one more block); needs is what the value requires in
// the same block to load, and top what it requires at the top level, both
// present in the two configurations compared. A directive added to the
// table without an entry here fails TestEveryDirectiveReachesHash.
var nonDefault = map[string]struct{ value, needs, top string }{
	"pid": {value: "pid /run/other.pid;"}, "error_log": {value: "error_log /var/log/other.log;"},
	"config_watch": {value: "config_watch on;"}, "shutdown_timeout": {value: "shutdown_timeout 3s;"},
	"server": {value: "server { }"}, "exec_max_children": {value: "exec_max_children 4;"},
	"max_connections": {value: "max_connections 500;"}, "listen": {value: "listen 127.0.0.1:1937;"},
	"application": {value: "application two { }"}, "chunk_size": {value: "chunk_size 8192;"},
	"max_message": {value: "max_message 2m;"}, "timeout": {value: "timeout 5s;"}, "ping": {value: "ping 5s;"},
	"ping_timeout": {value: "ping_timeout 5s;"}, "max_streams": {value: "max_streams 8;"},
	"ack_window": {value: "ack_window 1000;"}, "on_connect": {value: "on_connect http://127.0.0.1:9/c;"},
	"netcall_timeout": {value: "netcall_timeout 3s;"},
	"live":            {value: "live on;"}, "drop_idle_publisher": {value: "drop_idle_publisher 5s;"},
	"allow": {value: "allow publish 10.0.0.1;"}, "deny": {value: "deny publish 10.0.0.1;"},
	"on_publish": {value: "on_publish http://127.0.0.1:9/p;"}, "on_publish_done": {value: "on_publish_done http://127.0.0.1:9/pd;"},
	"on_done": {value: "on_done http://127.0.0.1:9/d;"}, "on_update": {value: "on_update http://127.0.0.1:9/u;"},
	"notify_method": {value: "notify_method get;"}, "notify_update_timeout": {value: "notify_update_timeout 5s;"},
	"notify_update_strict": {value: "notify_update_strict on;"}, "exec_publish": {value: "exec_publish /bin/true;"},
	"exec_publish_done": {value: "exec_publish_done /bin/true;"}, "exec_timeout": {value: "exec_timeout 5s;"},
	"recorder":    {value: "recorder r2 { }"},
	"record":      {value: "record all;", needs: "record_path /base;"},
	"record_path": {value: "record_path /other;"}, "record_suffix": {value: "record_suffix .x.flv;"},
	"record_unique": {value: "record_unique on;"}, "record_append": {value: "record_append on;"},
	"record_lock": {value: "record_lock on;"}, "record_max_size": {value: "record_max_size 1m;"},
	"record_max_frames": {value: "record_max_frames 100;"}, "record_interval": {value: "record_interval 1m;"},
	"record_notify": {value: "record_notify on;"}, "record_fsync": {value: "record_fsync on;"},
	"record_format": {value: "record_format fmp4;"}, "record_moov_room": {value: "record_moov_room 10m;"},
	"on_record_done":        {value: "on_record_done http://127.0.0.1:9/rd;"},
	"exec_record_done":      {value: "exec_record_done /bin/true;"},
	"record_interval_align": {value: "record_interval_align on;"}, "record_timezone": {value: "record_timezone UTC;"},
	"record_schedule": {value: "record_schedule daily 08:00-09:00;"}, "record_streams": {value: "record_streams ~^cam;"},
	"location": {value: "location /y { }"}, "rtmp_control": {value: "rtmp_control all;"},
	"record_hls_segment_type": {value: "record_hls_segment_type mpegts;"}, "record_hls_fragment": {value: "record_hls_fragment 2s;"},
	"record_hls_max_fragment": {value: "record_hls_max_fragment 10s;"},
	"rtmp_stat":               {value: "rtmp_stat all;"}, "rtmp_metrics": {value: "rtmp_metrics on;"},
	"record_event_before": {value: "record_event_before 5s;"}, "record_event_after": {value: "record_event_after 5s;"},
	"record_event_max_before": {value: "record_event_max_before 2m;"}, "record_spool": {value: "record_spool /spool;"},
	"record_spool_max_size": {value: "record_spool_max_size 10m;"},
	"metrics_per_stream":    {value: "metrics_per_stream on;"}, "control_token": {value: "control_token t;"},
	"log_format": {value: "log_format short $app;"}, "access_log": {value: "access_log /var/log/rtmp.log;"},
	"rtmp_stat_stylesheet": {value: "rtmp_stat_stylesheet /stat.xsl;"}, "root": {value: "root /srv/www;"},
	"alias": {value: "alias /srv/x/;"}, "record_index": {value: "record_index /var/lib/x/.index.db;"},
	"record_api":              {value: "record_api on;", top: "record_index /var/lib/x/.index.db;"},
	"record_max_age":          {value: "record_max_age 30d;", top: "record_index /var/lib/x/.index.db;"},
	"record_max_total":        {value: "record_max_total 500g;", top: "record_index /var/lib/x/.index.db;"},
	"record_stream_quota":     {value: "record_stream_quota 10g;", top: "record_index /var/lib/x/.index.db;"},
	"record_stream_max_files": {value: "record_stream_max_files 100;", top: "record_index /var/lib/x/.index.db;"},
	"record_min_free":         {value: "record_min_free 5%;", top: "record_index /var/lib/x/.index.db;"},
	"record_keep_level":       {value: "record_keep_level 2;"}, "record_event_max_age": {value: "record_event_max_age 90d;"},
	"record_cleanup_interval": {value: "record_cleanup_interval 10m;"},
	"node_name":               {value: "node_name n1;"}, "node_url": {value: "node_url http://10.0.0.2:8080/api/;"},
	"record_console":            {value: "record_console on;"},
	"record_export_max":         {value: "record_export_max 1h;", needs: "record_api on;", top: "record_index /var/lib/x/.index.db;"},
	"record_export_concurrency": {value: "record_export_concurrency 2;", needs: "record_api on;", top: "record_index /var/lib/x/.index.db;"},
}

// topBlocks are the block directives the skeleton holds once and that
// cannot repeat: their presence, not a second one, changes the hash.
var topBlocks = map[string]string{"rtmp": "rtmp { }", "http": "http { }"}

// insert puts text at ctx c's marker of the skeleton, and top at the top
// level's.
func insert(c ctx, text, top string) string {
	s := strings.Replace(hashSkeleton, markers[ctxMain], markers[ctxMain]+"\n"+top, 1)
	return strings.Replace(s, markers[c], markers[c]+"\n"+text, 1)
}

// contexts lists the single contexts of c.
func contexts(c ctx) []ctx {
	var out []ctx
	for bit := ctx(1); bit != 0 && bit <= c; bit <<= 1 {
		if c&bit != 0 {
			out = append(out, bit)
		}
	}
	return out
}

// TestEveryDirectiveReachesHash sets every directive of the table to a
// non-default value in every context it may appear in, and checks that the
// hash changes: a directive whose change the dump missed would make a
// reload that changes it be skipped as "unchanged". The test walks the
// table, so a new directive is covered the moment it gets a row.
func TestEveryDirectiveReachesHash(t *testing.T) {
	for _, r := range table {
		if text, ok := topBlocks[r.name]; ok {
			if mustLoad(t, "").Hash == mustLoad(t, text).Hash {
				t.Errorf("%s: an empty %s block does not change the hash", r.name, r.name)
			}
			continue
		}
		nd, ok := nonDefault[r.name]
		if !ok {
			t.Errorf("%s: no non-default value in nonDefault; add one", r.name)
			continue
		}
		for _, c := range contexts(r.ctx) {
			base := mustLoad(t, insert(c, nd.needs, nd.top))
			changed := mustLoad(t, insert(c, nd.needs+" "+nd.value, nd.top))
			if changed.Hash == base.Hash {
				t.Errorf("%s in %s does not change the hash; the dump misses it:\n%s", r.name, contextNames(c), changed.Dump())
			}
		}
	}
}

// TestDefaultsKeepHash: a directive set to its documented default, in any
// context, does not change the hash, since the meaning is the same.
func TestDefaultsKeepHash(t *testing.T) {
	base := mustLoad(t, hashSkeleton)
	for _, r := range table {
		if r.def == "" {
			continue
		}
		for _, c := range contexts(r.ctx) {
			same := mustLoad(t, insert(c, r.name+" "+r.def+";", ""))
			if same.Hash != base.Hash {
				t.Errorf("%s %s; in %s changes the hash:\n%s", r.name, r.def, contextNames(c), same.Dump())
			}
		}
	}
}
