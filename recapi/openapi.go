package recapi

import (
	_ "embed"
	"encoding/json"
	"net/http"
)

// OpenAPI is the API's OpenAPI 3.1 document, with "/" as its server;
// PREFIX/openapi.json serves it with the location's prefix instead.
//
//go:embed openapi.json
var OpenAPI []byte

func (rq *request) openAPI() {
	var doc map[string]any
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		rq.internal(err)
		return
	}
	doc["servers"] = []map[string]string{{"url": rq.prefix + "/"}}
	w := rq.w
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(doc)
}
