package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/ingest"
	"github.com/meldpunt/meldpunt/internal/registry/api"
	"github.com/meldpunt/meldpunt/internal/registry/api/internal/openapigen"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

var update = flag.Bool("update", false, "rewrite openapi.json from the routes and types (what go generate does)")

// TestOpenAPIUpToDate: the served document is what the generator makes of
// the routes and types as they are now. -update rewrites it.
func TestOpenAPIUpToDate(t *testing.T) {
	t.Parallel()
	doc, err := openapigen.Document(api.New(nil, nil, nil).Routes())
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	if *update {
		if err := os.WriteFile("openapi.json", doc, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(doc, api.OpenAPI()) {
		t.Errorf("openapi.json is out of date: run `go generate ./internal/registry/api` (or this test with -update)")
	}
}

// TestOpenAPIStructure checks the document as OpenAPI 3.1: its version,
// operations with ids, tags, responses and security that exist, path
// parameters exactly those of the path, every $ref resolving, every
// schema a valid JSON Schema (2020-12), and every request example valid.
func TestOpenAPIStructure(t *testing.T) {
	t.Parallel()
	d := loadOpenAPI(t)
	if v, _ := d.raw["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	info, _ := d.raw["info"].(map[string]any)
	if info["title"] == "" || info["version"] == "" {
		t.Errorf("info = %v", info)
	}
	tags := map[string]bool{}
	for _, tg := range d.raw["tags"].([]any) {
		tags[tg.(map[string]any)["name"].(string)] = true
	}
	schemes, _ := d.lookup("#/components/securitySchemes")
	ids := map[string]string{}
	for _, op := range d.operations() {
		name := op.method + " " + op.path
		if id, _ := op.obj["operationId"].(string); id == "" || ids[id] != "" {
			t.Errorf("%s: operationId %q missing or also of %s", name, id, ids[id])
		} else {
			ids[id] = name
		}
		for _, tg := range op.obj["tags"].([]any) {
			if !tags[tg.(string)] {
				t.Errorf("%s: tag %q is not declared", name, tg)
			}
		}
		if s, _ := op.obj["summary"].(string); s == "" {
			t.Errorf("%s: no summary", name)
		}
		responses, _ := op.obj["responses"].(map[string]any)
		if len(responses) == 0 {
			t.Errorf("%s: no responses", name)
		}
		for status, r := range responses {
			if _, err := strconv.Atoi(status); err != nil {
				t.Errorf("%s: response %q is not a status code", name, status)
			}
			if r, _ := d.deref(r).(map[string]any); r["description"] == nil {
				t.Errorf("%s %s: no description", name, status)
			}
		}
		security, ok := op.obj["security"].([]any)
		if !ok {
			t.Errorf("%s: no security", name)
		}
		for _, req := range security {
			for scheme := range req.(map[string]any) {
				if schemes.(map[string]any)[scheme] == nil {
					t.Errorf("%s: security scheme %q is not declared", name, scheme)
				}
			}
		}
		// Path parameters: exactly the path's, each required.
		var inPath []string
		for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(op.path, -1) {
			inPath = append(inPath, m[1])
		}
		var declared []string
		seen := map[string]bool{}
		for _, p := range op.params(d) {
			key := p["in"].(string) + ":" + p["name"].(string)
			if seen[key] {
				t.Errorf("%s: parameter %s twice", name, key)
			}
			seen[key] = true
			if p["schema"] == nil {
				t.Errorf("%s: parameter %s has no schema", name, key)
			}
			if p["in"] == "path" {
				declared = append(declared, p["name"].(string))
				if p["required"] != true {
					t.Errorf("%s: path parameter %s is not required", name, p["name"])
				}
			}
		}
		slices.Sort(inPath)
		slices.Sort(declared)
		if !slices.Equal(inPath, declared) {
			t.Errorf("%s: path parameters %v, declared %v", name, inPath, declared)
		}
	}

	// Every $ref resolves; every schema compiles.
	var schemaPtrs []string
	var walk func(ptr string, v any)
	walk = func(ptr string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, ok := d.lookup(ref); !ok {
					t.Errorf("%s: $ref %s does not resolve", ptr, ref)
				}
			}
			for k, c := range v {
				p := ptr + "/" + escapePointer(k)
				if k == "schema" || strings.HasPrefix(ptr, "#/components/schemas") && strings.Count(ptr, "/") == 2 {
					schemaPtrs = append(schemaPtrs, p)
				}
				walk(p, c)
			}
		case []any:
			for i, c := range v {
				walk(ptr+"/"+strconv.Itoa(i), c)
			}
		}
	}
	walk("#", d.raw)
	if len(schemaPtrs) < 50 {
		t.Errorf("only %d schemas", len(schemaPtrs))
	}
	for _, p := range schemaPtrs {
		if _, err := d.schema(p); err != nil {
			t.Errorf("schema %s: %v", p, err)
		}
	}

	// The request examples are valid requests.
	for _, op := range d.operations() {
		for mt, media := range op.requestContent(d) {
			ex, ok := media.(map[string]any)["example"]
			if !ok {
				continue
			}
			b, _ := json.Marshal(ex)
			if err := d.validate(op.requestPointer(d, mt), b); err != nil {
				t.Errorf("%s %s: example: %v", op.method, op.path, err)
			}
		}
	}
}

// TestOpenAPIRoutes: the document has exactly the handler's routes, each
// with its role; public routes need no security.
func TestOpenAPIRoutes(t *testing.T) {
	t.Parallel()
	d := loadOpenAPI(t)
	documented := map[string]map[string]any{}
	for _, op := range d.operations() {
		documented[op.method+" "+op.path] = op.obj
	}
	routes := api.New(nil, nil, nil).Routes()
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		op, ok := documented[key]
		if !ok {
			t.Errorf("%s is not in the document", key)
			continue
		}
		delete(documented, key)
		role, hasRole := op["x-meldpunt-role"].(string)
		switch {
		case rt.Public:
			if hasRole || len(op["security"].([]any)) != 0 {
				t.Errorf("%s is public, but the document has role %q and security %v", key, role, op["security"])
			}
		case role != string(rt.Role):
			t.Errorf("%s: x-meldpunt-role %q, the route needs %q", key, role, rt.Role)
		case !strings.Contains(op["description"].(string), "**"+role+"**"):
			t.Errorf("%s: the description does not name the role %s", key, role)
		}
	}
	for key := range documented {
		t.Errorf("%s is documented, but there is no such route", key)
	}
	if !slices.ContainsFunc(routes, func(rt api.Route) bool { return rt.Path == api.OpenAPIPath && rt.Public }) {
		t.Errorf("no public route %s", api.OpenAPIPath)
	}
}

// TestOpenAPIRequestBodies: each documented JSON request body has exactly
// the fields of the Go type its handler decodes into, as written in the
// source (most are unexported), nested structs included.
func TestOpenAPIRequestBodies(t *testing.T) {
	t.Parallel()
	d := loadOpenAPI(t)
	// The type each handler decodes its body into: package.Type.
	targets := map[string]string{
		"POST /api/v1/cases/{ref}/notes":                "api.noteIn",
		"POST /api/v1/cases/{ref}/assign":               "casework.Assignment",
		"POST /api/v1/cases/{ref}/status":               "api.statusIn",
		"POST /api/v1/cases/{ref}/type":                 "api.typeIn",
		"POST /api/v1/cases/{ref}/suggestion/dismiss":   "api.detailIn",
		"POST /api/v1/cases/{ref}/admissibility":        "casework.Admissibility",
		"POST /api/v1/cases/{ref}/forwards":             "casework.Forward",
		"POST /api/v1/cases/{ref}/forwards/{id}/answer": "api.answerIn",
		"POST /api/v1/cases/{ref}/merge":                "api.mergeIn",
		"POST /api/v1/cases/{ref}/split":                "api.splitIn",
		"POST /api/v1/cases/{ref}/moves/{id}/undo":      "api.emptyIn",
		"POST /api/v1/intake":                           "api.IntakeRequest",
		"POST /api/v1/quarantine/{id}/retry":            "api.quarantineNoteIn",
		"POST /api/v1/quarantine/{id}/resolve":          "api.quarantineNoteIn",
		"POST /api/v1/citizens/{id}/erase":              "api.EraseRequest",
	}
	src := goSource{t: t, dirs: map[string]string{"api": ".", "casework": "../casework"}, files: map[string][]*ast.File{}}
	for _, op := range d.operations() {
		key := op.method + " " + op.path
		if op.requestContent(d)["application/json"] == nil {
			if targets[key] != "" {
				t.Errorf("%s decodes %s, but the document has no JSON body", key, targets[key])
			}
			continue
		}
		target, ok := targets[key]
		if !ok {
			t.Errorf("%s: which Go type does the handler decode its body into? Add it to targets", key)
			continue
		}
		delete(targets, key)
		pkg, name, _ := strings.Cut(target, ".")
		body, _ := d.lookup(op.requestPointer(d, "application/json"))
		src.compare(key, pkg, name, d.deref(body).(map[string]any), d)
	}
	for key := range targets {
		t.Errorf("%s: no such operation with a body", key)
	}
}

// TestOpenAPIAgainstHandlers sends requests for every operation through the
// real handlers (a store with cases in each domain, citizens, a forward,
// a split, a merge, a suggestion, quarantined events, a connector's
// report, the bus for registrations) as a beheerder of every domain, and
// checks that each answer's status is documented for its operation and
// its JSON body is valid against the documented schema. Every operation is
// answered successfully at least once, and every JSON body accepts each
// documented field and refuses others.
func TestOpenAPIAgainstHandlers(t *testing.T) {
	t.Parallel()
	s := newBusServer(t, "sqlite")
	st := s.st
	now := time.Now()
	opened := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	seed := seedSearch(t, st, opened) // a citizen in each domain with a case, a message without a case
	more := seedCases(t, st, opened, []store.NewCase{
		{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "vraag", Subject: "Straatlamp Kerkstraat", Channel: "email", OpenedAt: opened},
		{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "klacht", Subject: "Afval niet opgehaald", Channel: "email", Department: "milieu", OpenedAt: opened},
	}, []int{1, 1})
	tx, err := st.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// The citizen asked again, unhappy: the registry suggests a complaint.
	if err := tx.MarkRepeats(t.Context(), []store.Repeat{{CaseID: more[0].ID, At: now, Dissatisfied: true}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	seedQuarantine(t, st, `{"data":{"domain":"gemeente","subject":"kapot"}}`)
	seedQuarantine(t, st, `{"specversion":"0.3"}`)
	// A mail connector reports its mailbox.
	health := ingest.NewHealth()
	health.Register("gemeentebestuur/INBOX")
	health.Success("gemeentebestuur/INBOX")
	ctx, cancel := context.WithCancel(context.Background())
	var reporting sync.WaitGroup
	reporting.Go(func() {
		ingest.NewReporter(s.bus, ingest.ReportConfig{Connector: "mail", Channel: caseevent.ChannelEmail}, health, nil).Run(ctx)
	})
	t.Cleanup(func() { cancel(); reporting.Wait() }) // before the bus closes

	c := newContract(t, loadOpenAPI(t), s.URL)
	boss := s.client(s.token(t, "beheerder", "gemeente", "sociaalhuis"))
	reason := []string{api.ReasonHeader, "controle van de API-documentatie"}
	lamp, soc, target := seed.gemeenteRef, seed.socRef, more[0].Ref
	caseURL := func(ref, action string) string { return "/api/v1/cases/" + ref + "/" + action }
	caseDetail := func(b []byte) api.CaseDetail {
		var d api.CaseDetail
		mustJSON(t, b, &d)
		return d
	}

	// The document itself, to anyone.
	anonymous := s.client("")
	b, h := c.call(t, anonymous, http.MethodGet, api.OpenAPIPath, nil, http.StatusOK)
	if !bytes.Equal(b, api.OpenAPI()) || h.Get("ETag") == "" {
		t.Errorf("GET %s = %d bytes, ETag %q", api.OpenAPIPath, len(b), h.Get("ETag"))
	}
	c.call(t, anonymous, http.MethodGet, api.OpenAPIPath, nil, http.StatusNotModified, "If-None-Match", h.Get("ETag"))
	c.call(t, anonymous, http.MethodGet, "/api/v1/cases", nil, http.StatusUnauthorized)
	c.call(t, s.client(s.token(t, "onthaal", "gemeente")), http.MethodPost, caseURL(lamp, "assign"), map[string]any{"assignee": "jan"}, http.StatusForbidden)

	// Cases.
	c.call(t, boss, http.MethodGet, "/api/v1/cases", nil, http.StatusOK)
	c.call(t, boss, http.MethodGet, "/api/v1/cases?limit=1&domain=gemeente&status=nieuw", nil, http.StatusOK)
	c.call(t, boss, http.MethodGet, "/api/v1/cases?due=later", nil, http.StatusBadRequest)
	c.call(t, boss, http.MethodGet, "/api/v1/cases/"+lamp, nil, http.StatusOK)
	c.call(t, boss, http.MethodGet, "/api/v1/cases/"+soc, nil, http.StatusBadRequest) // no reason
	c.call(t, boss, http.MethodGet, "/api/v1/cases/"+soc, nil, http.StatusOK, reason...)
	c.call(t, boss, http.MethodGet, "/api/v1/cases/MP-1999-999999", nil, http.StatusNotFound)
	c.call(t, boss, http.MethodGet, "/api/v1/messages/unassigned", nil, http.StatusOK)
	c.call(t, boss, http.MethodGet, "/api/v1/messages/unassigned?limit=0", nil, http.StatusBadRequest)

	// Case actions, on the gemeente case with two messages.
	c.call(t, boss, http.MethodPost, caseURL(lamp, "notes"), map[string]any{"text": "Burger belde."}, http.StatusOK)
	c.call(t, boss, http.MethodPost, caseURL(lamp, "notes"), map[string]any{}, http.StatusBadRequest)
	c.call(t, boss, http.MethodPost, caseURL(lamp, "notes"), map[string]any{"text": strings.Repeat("a", 70<<10)}, http.StatusRequestEntityTooLarge)
	c.call(t, boss, http.MethodPost, caseURL(lamp, "assign"), map[string]any{"department": "openbare-werken", "assignee": "jan"}, http.StatusOK)
	c.call(t, boss, http.MethodPost, caseURL(lamp, "status"), map[string]any{"status": "in behandeling"}, http.StatusOK)
	c.call(t, boss, http.MethodPost, caseURL(lamp, "status"), map[string]any{"status": "in behandeling"}, http.StatusConflict)
	c.call(t, boss, http.MethodPost, caseURL(lamp, "type"), map[string]any{"type": "klacht", "detail": "ontevreden"}, http.StatusOK)
	c.call(t, boss, http.MethodPost, caseURL(lamp, "admissibility"), map[string]any{"admissible": false, "reason": "anoniem"}, http.StatusOK)
	c.call(t, boss, http.MethodPost, caseURL(target, "suggestion/dismiss"), map[string]any{"detail": "gewone vraag"}, http.StatusOK)
	c.call(t, boss, http.MethodPost, caseURL(target, "suggestion/dismiss"), map[string]any{}, http.StatusConflict)
	b, _ = c.call(t, boss, http.MethodPost, caseURL(lamp, "forwards"), map[string]any{"organisation": "Fluvius",
		"question": "Kunnen jullie de lamp herstellen?", "expected_by": now.AddDate(0, 1, 0).Format(time.DateOnly)}, http.StatusOK)
	d := caseDetail(b)
	if len(d.Forwards) != 1 {
		t.Fatalf("forwards = %+v", d.Forwards)
	}
	c.call(t, boss, http.MethodPost, caseURL(lamp, fmt.Sprintf("forwards/%d/answer", d.Forwards[0].ID)), map[string]any{"answer": "Hersteld."}, http.StatusOK)
	b, _ = c.call(t, boss, http.MethodPost, caseURL(lamp, "split"), map[string]any{"message_ids": []int64{d.Messages[1].ID}, "subject": "Tweede lamp"}, http.StatusOK)
	d = caseDetail(b)
	c.call(t, boss, http.MethodPost, caseURL(lamp, fmt.Sprintf("moves/%d/undo", d.Moves[0].ID)), nil, http.StatusOK)
	c.call(t, boss, http.MethodPost, caseURL(lamp, "merge"), map[string]any{"into": soc}, http.StatusUnprocessableEntity)
	b, _ = c.call(t, boss, http.MethodPost, caseURL(lamp, "merge"), map[string]any{"into": target}, http.StatusOK)
	d = caseDetail(b)
	if b, _ = c.call(t, boss, http.MethodGet, "/api/v1/cases/"+lamp, nil, http.StatusOK); caseDetail(b).MergedInto != target {
		t.Errorf("merged case: %s", b)
	}
	undo := slices.IndexFunc(d.Moves, func(m api.Move) bool { return m.Kind == "merge" })
	c.call(t, boss, http.MethodPost, caseURL(lamp, fmt.Sprintf("moves/%d/undo", d.Moves[undo].ID)), map[string]any{}, http.StatusOK)
	c.call(t, boss, http.MethodPost, caseURL(lamp, "moves/999999/undo"), nil, http.StatusNotFound)

	// The complaints report: the lamp became a complaint; the third case is one.
	c.call(t, boss, http.MethodGet, "/api/v1/reports/complaints?year=2026", nil, http.StatusOK)
	c.call(t, boss, http.MethodGet, "/api/v1/reports/complaints?year=2026&format=csv", nil, http.StatusOK)
	c.call(t, boss, http.MethodGet, "/api/v1/reports/complaints?year=2030", nil, http.StatusOK) // no complaints
	c.call(t, boss, http.MethodGet, "/api/v1/reports/complaints?year=soon", nil, http.StatusBadRequest)

	// Front desk: a phone call in JSON, a letter with its scan in a form.
	b, _ = c.call(t, boss, http.MethodPost, "/api/v1/intake", map[string]any{"channel": "phone", "domain": "gemeente",
		"citizen": map[string]any{"name": "An Peeters", "phone": "0477 12 34 56"}, "subject": "Kapotte straatlamp",
		"text": "De lamp in de Kerkstraat brandt niet."}, http.StatusAccepted, api.IdempotencyKeyHeader, "openapi-call")
	var accepted api.IntakeStatus
	mustJSON(t, b, &accepted)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		var st api.IntakeStatus
		b, _ := c.call(t, boss, http.MethodGet, accepted.StatusURL, nil, 0)
		mustJSON(t, b, &st)
		if st.Status == api.IntakeRegistered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("registration %s: %s", accepted.ID, b)
		}
	}
	c.call(t, boss, http.MethodGet, "/api/v1/intake/nothing-such", nil, http.StatusNotFound)
	c.call(t, boss, http.MethodPost, "/api/v1/intake", map[string]any{"channel": "phone", "domain": "gemeente",
		"citizen": map[string]any{"name": "An Peeters", "phone": "0477 12 34 56"}, "subject": "Kapotte straatlamp",
		"text": "De lamp in de Kerkstraat brandt niet."}, http.StatusOK, api.IdempotencyKeyHeader, "openapi-call") // a duplicate
	c.call(t, boss, http.MethodPost, "/api/v1/intake", map[string]any{"channel": "fax"}, http.StatusBadRequest, api.IdempotencyKeyHeader, "openapi-fax")
	c.call(t, boss, http.MethodPost, "/api/v1/intake", rawBody{"text/plain", []byte("hallo")}, http.StatusUnsupportedMediaType)
	c.call(t, boss, http.MethodPost, "/api/v1/intake", newMultipart(t, map[string]string{"channel": "letter", "domain": "gemeente",
		"citizen_name": "An Peeters", "citizen_address": "Kerkstraat 5, 9000 Gent", "subject": "Brief over de lamp"},
		map[string][]byte{"brief.pdf": scannedLetter}), http.StatusAccepted, api.IdempotencyKeyHeader, "openapi-letter")

	// Quarantine: two items; one sent again, one resolved.
	b, _ = c.call(t, boss, http.MethodGet, "/api/v1/quarantine", nil, http.StatusOK)
	var ql api.QuarantineList
	mustJSON(t, b, &ql)
	if len(ql.Items) < 2 {
		t.Fatalf("quarantine = %s", b)
	}
	retry, resolve := strconv.FormatInt(ql.Items[0].ID, 10), strconv.FormatInt(ql.Items[1].ID, 10)
	c.call(t, boss, http.MethodGet, "/api/v1/quarantine?status=all&limit=1", nil, http.StatusOK)
	c.call(t, boss, http.MethodGet, "/api/v1/quarantine?status=gone", nil, http.StatusBadRequest)
	c.call(t, boss, http.MethodGet, "/api/v1/quarantine/"+retry, nil, http.StatusOK)
	c.call(t, boss, http.MethodGet, "/api/v1/quarantine/999999", nil, http.StatusNotFound)
	c.call(t, boss, http.MethodGet, "/api/v1/quarantine/"+retry+"/payload", nil, http.StatusOK)
	c.call(t, boss, http.MethodPost, "/api/v1/quarantine/"+retry+"/retry", map[string]any{"note": "nog eens"}, http.StatusOK)
	c.call(t, boss, http.MethodPost, "/api/v1/quarantine/"+resolve+"/resolve", map[string]any{}, http.StatusBadRequest)
	c.call(t, boss, http.MethodPost, "/api/v1/quarantine/"+resolve+"/resolve", map[string]any{"note": "test"}, http.StatusOK)
	c.call(t, boss, http.MethodPost, "/api/v1/quarantine/"+resolve+"/resolve", map[string]any{"note": "test"}, http.StatusConflict)

	// Sources, once the connector reported.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		b, _ := c.call(t, boss, http.MethodGet, "/api/v1/sources", nil, http.StatusOK)
		var l api.SourceList
		mustJSON(t, b, &l)
		if len(l.Sources) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sources: %s", b)
		}
	}

	// Search and citizens.
	gemCitizen, socCitizen := strconv.FormatInt(seed.gemeenteContact, 10), strconv.FormatInt(seed.socContact, 10)
	c.call(t, boss, http.MethodGet, "/api/v1/search?q=straatlamp", nil, http.StatusOK, reason...)
	c.call(t, boss, http.MethodGet, "/api/v1/search?domain=gemeente&channel=email&limit=1&from=2026-01-01", nil, http.StatusOK)
	c.call(t, boss, http.MethodGet, "/api/v1/search?limit=0", nil, http.StatusBadRequest)
	c.call(t, boss, http.MethodGet, "/api/v1/citizens?q=dubois", nil, http.StatusOK, reason...)
	c.call(t, boss, http.MethodGet, "/api/v1/citizens?limit=x", nil, http.StatusBadRequest)
	c.call(t, boss, http.MethodGet, "/api/v1/citizens/"+gemCitizen, nil, http.StatusOK)
	c.call(t, boss, http.MethodGet, "/api/v1/citizens/"+socCitizen, nil, http.StatusBadRequest) // no reason
	c.call(t, boss, http.MethodGet, "/api/v1/citizens/999999", nil, http.StatusNotFound)

	// Privacy.
	c.call(t, boss, http.MethodGet, "/api/v1/access-log", nil, http.StatusOK)
	c.call(t, boss, http.MethodGet, "/api/v1/access-log?action=view_case&limit=2&from=2026-01-01", nil, http.StatusOK)
	c.call(t, boss, http.MethodGet, "/api/v1/access-log?citizen=an", nil, http.StatusBadRequest)
	c.call(t, boss, http.MethodGet, "/api/v1/citizens/"+gemCitizen+"/export", nil, http.StatusOK, reason...)
	c.call(t, boss, http.MethodGet, "/api/v1/citizens/"+gemCitizen+"/export", nil, http.StatusBadRequest)
	c.call(t, boss, http.MethodPost, "/api/v1/citizens/999999/erase", map[string]any{"reason": "verzoek"}, http.StatusNotFound)
	c.call(t, boss, http.MethodPost, "/api/v1/citizens/"+socCitizen+"/erase", map[string]any{"reason": "verzoek tot wissing"}, http.StatusOK)

	// Every JSON body takes each documented field, and no other.
	for _, op := range c.doc.operations() {
		if op.requestContent(c.doc)["application/json"] == nil {
			continue
		}
		u := strings.NewReplacer("{ref}", "MP-1999-999999", "{id}", "999999").Replace(op.path)
		body, _ := c.doc.lookup(op.requestPointer(c.doc, "application/json"))
		full := zeroValue(c.doc, body)
		if b, _ := c.call(t, boss, op.method, u, full, 0); strings.Contains(string(b), "unknown field") {
			t.Errorf("%s %s with every documented field %v: %s", op.method, op.path, full, b)
		}
		if b, _ := c.call(t, boss, op.method, u, map[string]any{"x_undocumented": true}, http.StatusBadRequest); !strings.Contains(string(b), "unknown field") {
			t.Errorf("%s %s with an undocumented field: %s", op.method, op.path, b)
		}
		form, ok := op.requestContent(c.doc)["multipart/form-data"]
		if !ok {
			continue
		}
		fields := map[string]string{}
		for name, p := range d2m(c.doc.deref(form.(map[string]any)["schema"]))["properties"].(map[string]any) {
			if p.(map[string]any)["type"] == "string" && p.(map[string]any)["format"] != "binary" {
				fields[name] = ""
			}
		}
		fields["registration"] = "{}"
		if b, _ := c.call(t, boss, op.method, u, newMultipart(t, fields, nil), 0); strings.Contains(string(b), "unknown field") {
			t.Errorf("%s %s with every documented form field: %s", op.method, op.path, b)
		}
		if b, _ := c.call(t, boss, op.method, u, newMultipart(t, map[string]string{"x_undocumented": ""}, nil), http.StatusBadRequest); !strings.Contains(string(b), "unknown field") {
			t.Errorf("%s %s with an undocumented form field: %s", op.method, op.path, b)
		}
	}

	// Every operation answered successfully at least once.
	for _, op := range c.doc.operations() {
		key := op.method + " " + op.path
		if !slices.ContainsFunc(slices.Collect(maps.Keys(c.seen[key])), func(s int) bool { return s >= 200 && s < 300 }) {
			t.Errorf("%s: no request answered with success (add one to this test); answers seen: %v", key, c.seen[key])
		}
	}
}

// openapiDoc is the served document, decoded, with a JSON Schema compiler
// for its schemas.
type openapiDoc struct {
	raw      map[string]any
	compiler *jsonschema.Compiler
	mu       sync.Mutex
	compiled map[string]*jsonschema.Schema
}

const docURL = "mem:///openapi.json"

func loadOpenAPI(t *testing.T) *openapiDoc {
	t.Helper()
	d := &openapiDoc{compiled: map[string]*jsonschema.Schema{}}
	if err := json.Unmarshal(api.OpenAPI(), &d.raw); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(api.OpenAPI()))
	if err != nil {
		t.Fatal(err)
	}
	d.compiler = jsonschema.NewCompiler()
	d.compiler.DefaultDraft(jsonschema.Draft2020)
	d.compiler.AssertFormat()
	if err := d.compiler.AddResource(docURL, inst); err != nil {
		t.Fatal(err)
	}
	return d
}

func escapePointer(s string) string { return strings.NewReplacer("~", "~0", "/", "~1").Replace(s) }

// lookup resolves a local reference (#/a/b).
func (d *openapiDoc) lookup(ref string) (any, bool) {
	rest, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, false
	}
	var v any = d.raw
	for _, tok := range strings.Split(rest, "/")[1:] {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch c := v.(type) {
		case map[string]any:
			if v, ok = c[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// deref follows $ref until an object without one.
func (d *openapiDoc) deref(v any) any {
	for {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v
		}
		if v, ok = d.lookup(ref); !ok {
			return nil
		}
	}
}

// derefPointer is where ptr's value, $refs followed, is.
func (d *openapiDoc) derefPointer(ptr string) string {
	for {
		v, ok := d.lookup(ptr)
		if !ok {
			return ptr
		}
		ref, ok := v.(map[string]any)["$ref"].(string)
		if !ok {
			return ptr
		}
		ptr = ref
	}
}

func (d *openapiDoc) schema(ptr string) (*jsonschema.Schema, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.compiled[ptr]; ok {
		return s, nil
	}
	// The fragment is a URI's: percent-encode what a pointer may hold.
	frag := (&url.URL{Fragment: ptr[1:]}).EscapedFragment()
	s, err := d.compiler.Compile(docURL + "#" + frag)
	if err != nil {
		return nil, err
	}
	d.compiled[ptr] = s
	return s, nil
}

func (d *openapiDoc) validate(ptr string, body []byte) error {
	s, err := d.schema(ptr)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return s.Validate(inst)
}

type docOperation struct {
	method, path string
	obj          map[string]any
	ptr          string
}

func (d *openapiDoc) operations() []docOperation {
	var ops []docOperation
	for path, item := range d.raw["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			ops = append(ops, docOperation{method: strings.ToUpper(method), path: path, obj: op.(map[string]any),
				ptr: "#/paths/" + escapePointer(path) + "/" + method})
		}
	}
	slices.SortFunc(ops, func(a, b docOperation) int { return strings.Compare(a.path+a.method, b.path+b.method) })
	return ops
}

func (op docOperation) params(d *openapiDoc) []map[string]any {
	var out []map[string]any
	ps, _ := op.obj["parameters"].([]any)
	for _, p := range ps {
		out = append(out, d.deref(p).(map[string]any))
	}
	return out
}

func (op docOperation) requestContent(d *openapiDoc) map[string]any {
	rb, _ := d.deref(op.obj["requestBody"]).(map[string]any)
	content, _ := rb["content"].(map[string]any)
	return content
}

func (op docOperation) requestPointer(d *openapiDoc, mediaType string) string {
	return d.derefPointer(op.ptr+"/requestBody") + "/content/" + escapePointer(mediaType) + "/schema"
}

// contract sends requests and checks the answers against the document.
type contract struct {
	doc  *openapiDoc
	base string
	mux  *http.ServeMux // the documented operations, to find a request's
	seen map[string]map[int]bool
}

func newContract(t *testing.T, d *openapiDoc, base string) *contract {
	c := &contract{doc: d, base: base, mux: http.NewServeMux(), seen: map[string]map[int]bool{}}
	for _, op := range d.operations() {
		c.mux.Handle(op.method+" "+op.path, http.NotFoundHandler())
	}
	return c
}

// rawBody is a body of any content type.
type rawBody struct {
	contentType string
	data        []byte
}

// call sends a request (body: JSON unless a rawBody or *multipartBody;
// header: name, value, ...) and checks that the answer's status is want (0:
// any documented), documented for the operation, of a documented content
// type and, as JSON, valid against the documented schema.
func (c *contract) call(t *testing.T, client *http.Client, method, target string, body any, want int, header ...string) ([]byte, http.Header) {
	t.Helper()
	var (
		rd io.Reader
		ct string
	)
	switch b := body.(type) {
	case nil:
	case rawBody:
		rd, ct = bytes.NewReader(b.data), b.contentType
	case *multipartBody:
		rd, ct = bytes.NewReader(b.buf.Bytes()), b.w.FormDataContentType()
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd, ct = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequestWithContext(t.Context(), method, c.base+target, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	_, pattern := c.mux.Handler(req)
	if pattern == "" {
		t.Fatalf("%s %s: no documented operation", method, target)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("%s %s = %d", method, target, resp.StatusCode)
	if want != 0 && resp.StatusCode != want {
		t.Fatalf("%s, want %d: %s", name, want, b)
	}
	if c.seen[pattern] == nil {
		c.seen[pattern] = map[int]bool{}
	}
	c.seen[pattern][resp.StatusCode] = true

	path, _ := strings.CutPrefix(pattern, method+" ")
	respPtr := "#/paths/" + escapePointer(path) + "/" + strings.ToLower(method) + "/responses/" + strconv.Itoa(resp.StatusCode)
	if _, ok := c.doc.lookup(respPtr); !ok {
		t.Errorf("%s: the status is not documented for %s: %s", name, pattern, truncate(b))
		return b, resp.Header
	}
	respPtr = c.doc.derefPointer(respPtr)
	documented, _ := c.doc.lookup(respPtr)
	content, _ := documented.(map[string]any)["content"].(map[string]any)
	if len(content) == 0 {
		if len(b) > 0 {
			t.Errorf("%s: a body where the document has none: %s", name, b)
		}
		return b, resp.Header
	}
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || content[mt] == nil {
		t.Errorf("%s: content type %q is not documented (%v)", name, resp.Header.Get("Content-Type"), slices.Collect(maps.Keys(content)))
		return b, resp.Header
	}
	if mt == "application/json" {
		if err := c.doc.validate(respPtr+"/content/"+escapePointer(mt)+"/schema", b); err != nil {
			t.Errorf("%s: the body does not match the document: %v\n%s", name, err, truncate(b))
		}
	}
	return b, resp.Header
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

func d2m(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// zeroValue is a value of schema with every property, each the zero value
// of its type: a handler decodes it without complaint about its shape.
func zeroValue(d *openapiDoc, schema any) any {
	s := d2m(d.deref(schema))
	if alts, ok := s["anyOf"].([]any); ok {
		return zeroValue(d, alts[0])
	}
	typ := s["type"]
	if l, ok := typ.([]any); ok {
		if slices.Contains(l, "null") {
			return nil
		}
		typ = l[0]
	}
	switch typ {
	case "object":
		out := map[string]any{}
		for name, p := range d2m(s["properties"]) {
			out[name] = zeroValue(d, p)
		}
		return out
	case "array":
		return []any{}
	case "string":
		if s["format"] == "date-time" {
			return "2026-12-04T10:15:00Z"
		}
		return ""
	case "integer", "number":
		return 0
	case "boolean":
		return false
	}
	return nil
}

// goSource reads struct types from the source of packages.
type goSource struct {
	t     *testing.T
	dirs  map[string]string // package name → directory
	files map[string][]*ast.File
}

// structFields are the JSON names of the fields of the struct type name of
// package pkg, with their types.
func (g *goSource) structFields(pkg, name string) (map[string]ast.Expr, bool) {
	files, ok := g.files[pkg]
	if !ok {
		paths, err := filepath.Glob(filepath.Join(g.dirs[pkg], "*.go"))
		if err != nil || len(paths) == 0 {
			g.t.Fatalf("package %s: no source in %q", pkg, g.dirs[pkg])
		}
		fset := token.NewFileSet()
		for _, p := range paths {
			if strings.HasSuffix(p, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
			if err != nil {
				g.t.Fatal(err)
			}
			files = append(files, f)
		}
		g.files[pkg] = files
	}
	for _, f := range files {
		for n := range ast.Preorder(f) {
			ts, ok := n.(*ast.TypeSpec)
			if !ok || ts.Name.Name != name {
				continue
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return nil, false
			}
			out := map[string]ast.Expr{}
			for _, field := range st.Fields.List {
				tag := ""
				if field.Tag != nil {
					tag, _ = strconv.Unquote(field.Tag.Value)
				}
				jsonName, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
				if len(field.Names) == 0 {
					g.t.Errorf("%s.%s embeds %v: not supported here", pkg, name, field.Type)
				}
				for _, id := range field.Names {
					if !id.IsExported() || jsonName == "-" {
						continue
					}
					n := jsonName
					if n == "" {
						n = id.Name
					}
					out[n] = field.Type
				}
			}
			return out, true
		}
	}
	return nil, false
}

// compare checks that schema has exactly the fields of pkg.name, and
// nested struct fields those of their types.
func (g *goSource) compare(what, pkg, name string, schema map[string]any, d *openapiDoc) {
	fields, ok := g.structFields(pkg, name)
	if !ok {
		g.t.Errorf("%s: no struct type %s.%s", what, pkg, name)
		return
	}
	props := d2m(schema["properties"])
	var goNames, docNames []string
	for n := range fields {
		goNames = append(goNames, n)
	}
	for n := range props {
		docNames = append(docNames, n)
	}
	slices.Sort(goNames)
	slices.Sort(docNames)
	if !slices.Equal(goNames, docNames) {
		g.t.Errorf("%s: %s.%s has the fields %v, the document %v", what, pkg, name, goNames, docNames)
	}
	if schema["additionalProperties"] != false {
		g.t.Errorf("%s: %s.%s is decoded refusing unknown fields: the schema needs additionalProperties false", what, pkg, name)
	}
	for n, expr := range fields {
		p := d2m(d.deref(props[n]))
		if arr, ok := expr.(*ast.ArrayType); ok {
			expr, p = arr.Elt, d2m(d.deref(p["items"]))
		}
		if id, ok := expr.(*ast.Ident); ok && p != nil {
			if _, isStruct := g.structFields(pkg, id.Name); isStruct {
				g.compare(what+" "+n, pkg, id.Name, p, d)
			}
		}
	}
}
