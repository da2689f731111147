package api

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

// The OpenAPI 3.1 document of the API, generated from the routes and the
// Go types of their requests and answers by internal/openapigen, and
// checked against the handlers by TestOpenAPIAgainstHandlers. After
// changing a route or a type, run `go generate ./internal/registry/api`.
//
//go:generate go run ./internal/openapigen/cmd/genopenapi -o openapi.json
//go:embed openapi.json
var openAPIDocument string

// OpenAPIPath is where the document is served, to anyone.
const OpenAPIPath = "/api/v1/openapi.json"

// OpenAPI returns the OpenAPI document of the API.
func OpenAPI() []byte { return []byte(openAPIDocument) }

func (h *Handler) openAPIRoutes() []Route {
	sum := sha256.Sum256([]byte(openAPIDocument))
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	serve := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache") // may be kept, but ask again: the ETag answers 304
		w.Header().Set("ETag", etag)
		http.ServeContent(w, r, "", time.Time{}, strings.NewReader(openAPIDocument))
	}
	return []Route{{Method: http.MethodGet, Path: OpenAPIPath, Public: true, Handler: http.HandlerFunc(serve)}}
}
