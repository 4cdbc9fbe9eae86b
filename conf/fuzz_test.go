package conf

import (
	"bytes"
	"testing"
)

// FuzzLoadBytes feeds arbitrary text to the loader: it must never panic,
// and whatever loads must dump to text that loads to the same hash.
func FuzzLoadBytes(f *testing.F) {
	f.Add([]byte(app("record all; record_path /r; record_suffix -%Y.flv;")))
	f.Add([]byte("rtmp { server { listen 0; } } http { server { listen 127.0.0.1:0; location / { rtmp_control all; } } }"))
	f.Add([]byte("rtmp { log_format f '$app ${name}' \"x\"; access_log /a.log f; server { listen 1; application a { access_log off; } } }"))
	f.Fuzz(func(t *testing.T, src []byte) {
		cfg, err := LoadBytes("fuzz.conf", src)
		if err != nil {
			if cfg != nil {
				t.Fatal("config and error")
			}
			return
		}
		again, err := LoadBytes("dump.conf", cfg.Dump())
		if err != nil {
			t.Fatalf("dump does not load: %v\n%s", err, cfg.Dump())
		}
		if again.Hash != cfg.Hash || !bytes.Equal(again.Dump(), cfg.Dump()) {
			t.Fatalf("dump does not round-trip:\n%s\n---\n%s", cfg.Dump(), again.Dump())
		}
	})
}
