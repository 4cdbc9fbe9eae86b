// Package metrics exports rtmprecd's Prometheus metrics for
// `location /metrics { rtmp_metrics on; }`, from a private registry (no
// global state, so tests and embedders can run several daemons).
//
// Nothing here is on the media path: byte and message counts are each
// publish's stream hub counters (package hub), read at scrape time with
// everything else (sessions, free disk space, reload state); the record
// Observer only adds to atomics resolved at publish time.
//
// # Metrics
//
// Sessions and input, from the session registry at scrape time and the
// module's counters:
//
//	rtmprecd_connections                      gauge    open RTMP connections
//	rtmprecd_rtmp_received_bytes_total        counter  bytes read from RTMP sockets (if the registry counts them)
//	rtmprecd_sessions{app}                    gauge    sessions connected to an application
//	rtmprecd_publishers{app}                  gauge    sessions publishing
//	rtmprecd_publishes_total{app}             counter  publishes every module allowed
//	rtmprecd_received_bytes_total{app}        counter  audio, video and data payload bytes
//
// Protection of the server, from the registry at scrape time:
//
//	rtmprecd_rtmp_handshakes_incomplete_total{how}  counter  closed (health checks), timeout, invalid
//	rtmprecd_rtmp_connections_shed_total{reason}    counter  idle_at_limit, refused_at_limit, partial_messages, timestamp_jumps
//	rtmprecd_rtmp_timestamp_rebases_total           counter  timestamp jumps that rebased a timeline
//	rtmprecd_rtmp_partial_message_bytes             gauge    bytes held by unfinished messages
//	rtmprecd_rtmp_max_connections                   gauge    the connection limit in force
//
// Recording (closed files from record's Events, the rest from its Observer):
//
//	rtmprecd_recordings_open{app}             gauge    files being written
//	rtmprecd_record_files_total{app,reason}   counter  closed files by reason (split, error, unpublish, ...)
//	rtmprecd_record_failures_total{app,reason} counter failures by stage: open, write, close
//	rtmprecd_record_written_bytes_total       counter
//	rtmprecd_record_write_seconds             histogram one writev
//	rtmprecd_record_flush_seconds             histogram one write-out of a file's buffer (+ fdatasync)
//	rtmprecd_record_fsync_seconds             histogram one fdatasync (record_fsync)
//	rtmprecd_record_path_free_bytes{path}     gauge    statfs of each record_path, at scrape time
//
// Callbacks (notify's Observer):
//
//	rtmprecd_notify_calls_total{event,result}      counter  result: 2xx..5xx or error (no answer)
//	rtmprecd_notify_call_duration_seconds{event}   histogram
//	rtmprecd_exec_runs_total{result}               counter  ok, failed, timeout, not_started, dropped
//
// Configuration:
//
//	rtmprecd_config_reloads_total{result}                  counter  applied, unchanged, failed
//	rtmprecd_config_generation                             gauge
//	rtmprecd_config_last_reload_successful                 gauge    0 after a failed reload
//	rtmprecd_config_last_reload_success_timestamp_seconds  gauge
//	rtmprecd_build_info{version}                           gauge    1
//
// With `metrics_per_stream on` in the location, each running publish adds
// rtmprecd_stream_received_bytes_total{app,name},
// rtmprecd_stream_messages_total{app,name,type} and
// rtmprecd_stream_start_timestamp_seconds{app,name}; they disappear when
// the publish ends, so the series count follows the streams, not their
// history. The Go runtime and process collectors are included.
//
// Usage:
//
//	ex := metrics.New(metrics.Options{Registry: reg}) // reg also given to rtmp.NewServer
//	mods = append(mods, ex.Module()) // last in the rtmp module list
//	services = append(services, ex) // Prepare/Commit: the record paths measured
//	rec.Events(ex.RecordEvent)       // files finished and failed
//	rec.Observer = ex                // opens, writes, flushes, fsyncs
//	n.Observer = ex                  // notify calls and exec runs
//	ex.ConfigLoaded(1, time.Now())   // then ReloadDone after each reload
//	routes = append(routes, ex.Route()) // rtmp_metrics locations of the router
package metrics
