package conf

import "strings"

// ignoredSet lists directives that nginx or nginx-rtmp know and rtmprecd
// accepts with a warning, so that a configuration copied from nginx loads.
// A name ending in '*' matches every name with that prefix.
type ignoredSet struct {
	ctx   ctx
	names []string
}

var ignoredDirectives = []ignoredSet{
	{ctxMain, []string{
		"user", "worker_processes", "worker_rlimit_nofile", "worker_rlimit_core",
		"worker_cpu_affinity", "worker_priority", "worker_shutdown_timeout",
		"worker_aio_requests", "working_directory", "load_module", "daemon",
		"master_process", "env", "lock_file", "pcre_jit", "thread_pool",
		"timer_resolution", "debug_points", "ssl_engine", "google_perftools_profiles",
		"events", "stream", "mail", "rtmp_auto_push*", "rtmp_socket_dir",
	}},
	// nginx-rtmp directives that rtmprecd does not implement; the recorder
	// context is included because nginx-rtmp accepts any of them there.
	{ctxRecAll, []string{
		"hls*", "dash*", "push", "pull", "push_reconnect", "pull_reconnect",
		"session_relay", "relay_buffer", "exec", "exec_push", "exec_pull",
		"exec_static", "exec_play*", "exec_kill_signal", "exec_options",
		"exec_record_started", "respawn*", "on_play*", "on_disconnect",
		"on_record_started", "wait_key", "wait_video", "meta", "idle_streams",
		"publish_notify", "play_restart", "buflen", "out_queue", "out_cork", "busy",
		"so_keepalive", "publish_time_fix", "play_time_fix", "sync", "interleave",
		"notify_relay_redirect", "notify_send_redirect", "netcall_buffer", "play",
		"play_temp_path", "play_local_path", "record_interval_size", "access_log",
		"log_format", "resolver", "resolver_timeout",
		"server_name", "proxy_protocol", "rtmp_stat_stylesheet",
	}},
	// nginx http directives: rtmprecd's http block only serves its own endpoints.
	{ctxHTTPAll, []string{
		"root", "alias", "index", "server_name", "types", "default_type", "sendfile",
		"sendfile_max_chunk", "tcp_nopush", "tcp_nodelay", "keepalive*", "client_*",
		"access_log", "error_log", "log_format", "log_not_found", "open_log_file_cache",
		"gzip*", "add_header", "add_trailer", "expires", "proxy_*", "fastcgi_*",
		"uwsgi_*", "scgi_*", "grpc_*", "memcached_*", "ssl_*", "ssl", "http2", "return",
		"rewrite", "rewrite_log", "try_files", "allow", "deny", "auth_*", "autoindex*",
		"charset", "source_charset", "error_page", "limit_*", "upstream", "map", "geo",
		"if", "set", "server_tokens", "resolver", "resolver_timeout", "sub_filter*",
		"open_file_cache*", "aio", "directio", "output_buffers", "send_timeout",
		"reset_timedout_connection", "server_names_hash_*", "types_hash_*",
		"variables_hash_*", "underscores_in_headers", "large_client_header_buffers",
		"lingering_*", "port_in_redirect", "absolute_redirect", "server_name_in_redirect",
		"msie_padding", "max_ranges", "ignore_invalid_headers", "merge_slashes",
		"recursive_error_pages", "disable_symlinks", "real_ip_*", "set_real_ip_from",
		"satisfy", "internal", "etag", "if_modified_since", "chunked_transfer_encoding",
		"postpone_output", "stub_status", "mp4*", "flv", "userid*", "ssi*", "dav_*",
		"create_full_put_path", "min_delete_depth", "mirror*", "js_*", "perl*",
		"xslt*", "image_filter*", "secure_link*", "slice", "split_clients", "brotli*",
		"rtmp_stat_stylesheet", "hls*", "dash*",
	}},
	// nested locations are nginx syntax that rtmprecd's prefix locations ignore
	{ctxLoc, []string{"location"}},
}

// ignored reports whether name is a known nginx directive that rtmprecd
// ignores in context c.
func ignored(name string, c ctx) bool {
	for _, set := range ignoredDirectives {
		if set.ctx&c == 0 {
			continue
		}
		for _, n := range set.names {
			if n == name || (strings.HasSuffix(n, "*") && strings.HasPrefix(name, n[:len(n)-1])) {
				return true
			}
		}
	}
	return false
}
