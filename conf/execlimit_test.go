package conf

import "testing"

// TestExecMaxChildren: one process-wide value, set in the rtmp block
// only, 32 by default (with or without an rtmp block).
func TestExecMaxChildren(t *testing.T) {
	tests := []struct {
		name, src string
		want      int
	}{
		{"no rtmp block", "", 32},
		{"default", "rtmp { server { listen 1935; } }", 32},
		{"set", "rtmp { exec_max_children 4; server { listen 1935; } }", 4},
		{"after the servers", "rtmp { server { listen 1935; } exec_max_children 4096; }", 4096},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustLoad(t, tt.src)
			if cfg.ExecMaxChildren != tt.want {
				t.Errorf("ExecMaxChildren = %d, want %d", cfg.ExecMaxChildren, tt.want)
			}
			checkRoundTrip(t, cfg)
		})
	}
}

// TestExecMaxChildrenChangesHash: a reload that changes only
// exec_max_children is applied, not skipped as unchanged.
func TestExecMaxChildrenChangesHash(t *testing.T) {
	base := mustLoad(t, "rtmp { server { listen 1935; } }")
	same := mustLoad(t, "rtmp { exec_max_children 32; server { listen 1935; } }")
	four := mustLoad(t, "rtmp { exec_max_children 4; server { listen 1935; } }")
	five := mustLoad(t, "rtmp { exec_max_children 5; server { listen 1935; } }")
	if base.Hash != same.Hash {
		t.Errorf("the default spelled out changed the hash:\n%s\n---\n%s", base.Dump(), same.Dump())
	}
	if four.Hash == base.Hash || four.Hash == five.Hash {
		t.Errorf("exec_max_children does not reach the hash:\n%s", four.Dump())
	}
}

func TestExecMaxChildrenErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"in server", "rtmp { server {\nexec_max_children 4; } }", `"exec_max_children" directive is not allowed here in t.conf:2`},
		{"in application", app("exec_max_children 4;"), `"exec_max_children" directive is not allowed here in t.conf:2`},
		{"top level", "exec_max_children 4;", `"exec_max_children" directive is not allowed here in t.conf:1`},
		{"zero", "rtmp { exec_max_children 0; }", `invalid value "0" in "exec_max_children" directive, it must be between 1 and 4096 in t.conf:1`},
		{"too many", "rtmp { exec_max_children 5000; }", `invalid value "5000" in "exec_max_children" directive, it must be between 1 and 4096 in t.conf:1`},
		{"duplicate", "rtmp { exec_max_children 4;\nexec_max_children 8; }", `"exec_max_children" directive is duplicate in t.conf:2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadBytes("t.conf", []byte(tt.src))
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v\nwant %s", err, tt.want)
			}
		})
	}
}
