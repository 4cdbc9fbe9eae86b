package notify

import (
	"errors"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

func TestEscapeArgs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"rtmp://h:1935/live", "rtmp://h:1935/live"},
		{"a=b,c@d", "a=b,c@d"},
		{"a b", "a%20b"},
		{"#%&+;?", "%23%25%26%2B%3B%3F"},
		{`"<>\^` + "`{|}", "%22%3C%3E%5C%5E%60%7B%7C%7D"},
		{"tab\tnl\n\x7f", "tab%09nl%0A%7F"},
		{"é", "%C3%A9"},
		{"FMLE/3.0 (compatible; FMSc/1.0)", "FMLE/3.0%20(compatible%3B%20FMSc/1.0)"},
		{"-_.~!*'()$", "-_.~!*'()$"},
	}
	for _, tt := range tests {
		f := &form{}
		f.add("k", tt.in)
		if got := f.encode(); got != "k="+tt.want {
			t.Errorf("encode(%q) = %q, want %q", tt.in, got, "k="+tt.want)
		}
	}
}

func TestFormRawArgsLast(t *testing.T) {
	f := &form{raw: "key=s3cret&call=evil&x=a b"}
	f.add("call", "publish")
	f.add("name", "cam 1")
	want := "call=publish&name=cam%201&key=s3cret&call=evil&x=a%20b"
	if got := f.encode(); got != want {
		t.Errorf("encode = %q, want %q", got, want)
	}
	if got := (&form{raw: "a=1"}).encode(); got != "a=1" {
		t.Errorf("raw only = %q", got)
	}
}

var testConnect = &rtmp.Connect{
	App: "live", Args: "token=abc", FlashVer: "FMLE/3.0 (compatible; FMSc/1.0)", SwfURL: "",
	TcURL: "rtmp://127.0.0.1/live?token=abc", PageURL: "", Addr: "127.0.0.1", ClientID: 7,
}

func TestEventForms(t *testing.T) {
	pi := &pubInfo{orig: "cam", name: "renamed", args: "key=1", typ: "live"}
	start := time.Date(2026, 11, 22, 1, 2, 3, 456e6, time.UTC)
	ev := &record.Event{
		Recorder: "r1", App: "live", Name: "renamed", Args: "key=1", Session: 7, Connect: testConnect,
		Path: "/rec/renamed.flv", Size: 1234, VideoFrames: 10, AudioFrames: 20, Duration: 1500 * time.Millisecond,
		Start: start, End: start.Add(2 * time.Second), Reason: record.ReasonError, Err: errors.New("disk full"),
	}
	const s = "app=live&flashver=FMLE/3.0%20(compatible%3B%20FMSc/1.0)&swfurl=&tcurl=rtmp://127.0.0.1/live%3Ftoken=abc&pageurl=&addr=127.0.0.1&clientid=7"
	tests := []struct {
		name string
		f    *form
		want string
	}{
		{"connect", connectForm(testConnect, 7, time.UnixMilli(1700000000123)),
			"app=live&flashver=FMLE/3.0%20(compatible%3B%20FMSc/1.0)&swfurl=&tcurl=rtmp://127.0.0.1/live%3Ftoken=abc&pageurl=&addr=127.0.0.1&epoch=1700000000123&call=connect&clientid=7&token=abc"},
		{"publish", publishForm(testConnect, 7, &rtmp.Publish{Name: "x", OriginalName: "cam", Args: "key=1", Type: "live"}),
			s + "&call=publish&name=cam&type=live&key=1"},
		{"publish_done", doneForm(testConnect, 7, "publish_done", pi, rtmp.CloseUnpublish),
			s + "&call=publish_done&name=cam&stream=renamed&reason=unpublish&key=1"},
		{"done no name", doneForm(testConnect, 7, "done", &pubInfo{}, rtmp.CloseDisconnect),
			s + "&call=done&stream=&reason=disconnect"},
		{"update", updateForm(testConnect, 7, pi, 61500*time.Millisecond, 4000),
			s + "&call=update_publish&time=61&timestamp=4000&name=cam&stream=renamed&key=1"},
		{"record_done", recordDoneForm(testConnect, "cam", "key=1", ev),
			s + "&call=record_done&recorder=r1&name=cam&path=/rec/renamed.flv&stream=renamed&size=1234&duration=1.500" +
				"&video_frames=10&audio_frames=20&start=2026-11-22T01:02:03.456Z&end=2026-11-22T01:02:05.456Z&reason=error&error=disk%20full&key=1"},
		{"record_done without connect", recordDoneForm(nil, "cam", "", &record.Event{Session: 3, Name: "cam", Path: "p"}),
			"app=&flashver=&swfurl=&tcurl=&pageurl=&addr=&clientid=3&call=record_done&recorder=&name=cam&path=p&stream=cam&size=0" +
				"&duration=0.000&video_frames=0&audio_frames=0&start=&end=&reason=&error="},
	}
	for _, tt := range tests {
		if got := tt.f.encode(); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestExpand(t *testing.T) {
	vars := map[string]string{"name": "cam", "path": "/rec/cam.flv", "app": "live"}
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"$name", "cam"},
		{"${name}", "cam"},
		{"${name}x", "camx"},
		{"$namex", ""}, // letters only: the variable is "namex", unknown
		{"$name.mp4", "cam.mp4"},
		{"$app/$name", "live/cam"},
		{`\$name`, "$name"},
		{`a\\b`, `a\b`},
		{`trailing\`, `trailing\`},
		{"$unknown-x", "-x"},
		{"$", ""},
		{"${name", "cam"},
		{"${}", ""},
		{"$1", "1"},
		{"-i $path", "-i /rec/cam.flv"},
	}
	for _, tt := range tests {
		if got := expand(tt.in, vars); got != tt.want {
			t.Errorf("expand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRecordVars(t *testing.T) {
	tests := []struct{ path, file, base, dir string }{
		{"/rec/cam-1700000000.flv", "cam-1700000000.flv", "cam-1700000000", "/rec"},
		{"cam.flv", "cam.flv", "cam", ""},
		{"/a.b/cam", "cam", "cam", "/a.b"},
		{`C:\rec\cam.x.flv`, "cam.x.flv", "cam.x", `C:\rec`},
	}
	for _, tt := range tests {
		v := recordVars(testConnect, "k=1", &record.Event{Path: tt.path, Name: "n", Recorder: "r"})
		if v["filename"] != tt.file || v["basename"] != tt.base || v["dirname"] != tt.dir || v["path"] != tt.path {
			t.Errorf("%q: filename %q basename %q dirname %q", tt.path, v["filename"], v["basename"], v["dirname"])
		}
		if v["name"] != "n" || v["recorder"] != "r" || v["args"] != "k=1" || v["addr"] != "127.0.0.1" || v["app"] != "live" ||
			v["tcurl"] != testConnect.TcURL || v["flashver"] != testConnect.FlashVer {
			t.Errorf("vars %v", v)
		}
	}
}

// TestHookReceivesNoMedia: notify is off the media path; on_update's
// timestamp comes from the stream hub (TestE2EUpdateTimestamp, and
// hub.TestStreamCounters for data messages not counting).
func TestHookReceivesNoMedia(t *testing.T) {
	var h any = &hook{}
	if _, ok := h.(rtmp.AVHook); ok {
		t.Error("the notify hook receives media")
	}
}
