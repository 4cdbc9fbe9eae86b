// Package apitest calls the recordings API in tests and validates every
// answer against the API's OpenAPI document with kin-openapi, so the
// document stays true.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/rtmprecd/rtmprecd/recapi"
)

func init() {
	for _, ct := range []string{"video/x-flv", "video/mp4", "video/iso.segment", "video/mp2t", "application/octet-stream"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
	openapi3filter.RegisterBodyDecoder("application/vnd.apple.mpegurl", openapi3filter.PlainBodyDecoder)
}

var (
	once   sync.Once
	doc    *openapi3.T
	docErr error
)

// Doc loads and validates the OpenAPI document.
func Doc(t testing.TB) *openapi3.T {
	t.Helper()
	once.Do(func() {
		doc, docErr = openapi3.NewLoader().LoadFromData(recapi.OpenAPI)
		if docErr == nil {
			docErr = doc.Validate(context.Background())
		}
	})
	if docErr != nil {
		t.Fatalf("openapi.json: %v", docErr)
	}
	return doc
}

// Client calls an API mounted at Base (server URL + location prefix).
type Client struct {
	T      testing.TB
	Base   string // e.g. http://127.0.0.1:1234/mp4/api (no trailing slash)
	Token  string // sent as Bearer when set
	Client *http.Client
}

// Response is an answer, already validated.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, r.Body)
	}
}

// Do calls method on path (below Base, with any query) with body, and
// validates the answer against the operation at template (the OpenAPI
// path, e.g. "/list/{streamPath}"): status documented, body matching
// its schema.
func (c *Client) Do(method, template, path string, body []byte, hdr ...string) *Response {
	c.T.Helper()
	req, err := http.NewRequest(method, c.Base+"/"+strings.TrimPrefix(path, "/"), bytes.NewReader(body))
	if err != nil {
		c.T.Fatal(err)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	hc := c.Client
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		c.T.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.T.Fatal(err)
	}
	Validate(c.T, req, template, res.StatusCode, res.Header, b)
	return &Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// Validate checks one answer against the operation method template.
func Validate(t testing.TB, req *http.Request, template string, status int, h http.Header, body []byte) {
	t.Helper()
	d := Doc(t)
	item := d.Paths.Find(template)
	if item == nil {
		t.Fatalf("openapi.json has no path %s", template)
	}
	op := item.GetOperation(req.Method)
	if op == nil {
		t.Fatalf("openapi.json has no %s %s", req.Method, template)
	}
	route := &routers.Route{Spec: d, Path: template, PathItem: item, Method: req.Method, Operation: op}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: status, Header: h, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s answered %d against openapi.json: %v\nbody: %.500s", req.Method, req.URL.Path, status, err, body)
	}
}
