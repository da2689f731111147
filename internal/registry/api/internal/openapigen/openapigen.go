// Package openapigen writes the OpenAPI 3.1 document of the registry's
// JSON API (package api): one operation per route of api.Handler.Routes,
// described here (operations.go), with the schemas of its requests and
// answers taken from their Go types by reflection (schema.go) and the
// enumerations from the packages that own them.
//
// It runs at `go generate` time only (cmd/genopenapi); the API serves the
// document it wrote, and the API's tests check that document against the
// real handlers. It must not be imported by package api.
package openapigen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/meldpunt/meldpunt/internal/registry/api"
)

// param is a query or header parameter of an operation.
type param struct {
	name, in, description string
	schema                map[string]any
	required              bool
	// repeat: the parameter may be given more than once (?domain=a&domain=b).
	repeat bool
}

// answer is a response of an operation other than the common errors.
type answer struct {
	status      int
	description string
	// body is a value of the Go type answered as JSON; with content, the
	// answer is not (only) JSON: media type → schema.
	body any
	// oneOf: the JSON body is a value of one of these Go types.
	oneOf   []any
	content map[string]any
	headers map[string]any
}

// operation describes the route of the same method and path.
type operation struct {
	id, tag, summary, description string
	params                        []param
	// reason: the operation shows personal data and reads the reason
	// (X-Meldpunt-Reason or ?reason=) why.
	reason bool
	// body is a value of the Go type the handler decodes the JSON body
	// into; nil: no body.
	body         any
	bodyRequired bool
	example      any
	// multipart is the schema of a multipart/form-data body accepted
	// next to JSON, with its encoding.
	multipart, multipartEncoding map[string]any
	answers                      []answer
	// errors are answered with a Problem (components/responses); 401,
	// 403 and 503 go without saying for every authenticated route.
	errors []int
}

// commonError is an answer with a Problem body (components/responses).
type commonError struct {
	status            int
	name, description string
}

func commonErrors() []commonError {
	return []commonError{
		{http.StatusBadRequest, "BadRequest", "The request is wrong: the error says which parameter or field and why."},
		{http.StatusUnauthorized, "Unauthorized", "No valid bearer token or session (niet aangemeld)."},
		{http.StatusForbidden, "Forbidden", "The caller's role does not allow this, or a session's request came without its CSRF token or from another site."},
		{http.StatusNotFound, "NotFound", "There is no such thing, or it is of a domain the caller may not see."},
		{http.StatusConflict, "Conflict", "The state does not allow this now (the case has that status already, is merged; the item is resolved already, ...)."},
		{http.StatusRequestEntityTooLarge, "TooLarge", "The body is too large."},
		{http.StatusUnsupportedMediaType, "UnsupportedMediaType", "The body is neither application/json nor multipart/form-data."},
		{http.StatusUnprocessableEntity, "Refused", "The action is impossible (across domains, not from the intake stream, ...)."},
		{http.StatusInternalServerError, "InternalError", "The registry failed unexpectedly."},
		{http.StatusServiceUnavailable, "Unavailable", "The store, the access log or the bus is not available; try again later."},
	}
}

func commonErrorName(status int) (string, bool) {
	for _, e := range commonErrors() {
		if e.status == status {
			return e.name, true
		}
	}
	return "", false
}

// Document returns the OpenAPI document of routes (api.Handler.Routes),
// indented, ending in a newline. Every route needs an operation here and
// every operation a route.
func Document(routes []api.Route) ([]byte, error) {
	ops := operations()
	sc := newSchemas(componentNames(), typeDocs(), fieldNotes())
	paths := map[string]map[string]any{}
	seen := map[string]bool{}
	var problems []string
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		op, ok := ops[key]
		if !ok {
			problems = append(problems, key+": no operation describes the route")
			continue
		}
		if seen[key] {
			problems = append(problems, key+": two routes")
		}
		seen[key] = true
		if rt.Public != (rt.Role == "") {
			problems = append(problems, key+": a route is public or has a role")
		}
		built, err := op.build(rt, sc)
		if err != nil {
			problems = append(problems, key+": "+err.Error())
			continue
		}
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = built
	}
	for key := range ops {
		if !seen[key] {
			problems = append(problems, key+": described, but there is no such route")
		}
	}
	problem := sc.of(reflect.TypeFor[api.Problem](), response)
	responses := map[string]any{}
	for _, e := range commonErrors() {
		r := map[string]any{
			"description": e.description,
			"content":     map[string]any{"application/json": map[string]any{"schema": problem}},
		}
		if e.status == http.StatusUnauthorized {
			r["headers"] = map[string]any{"WWW-Authenticate": map[string]any{
				"description": `Bearer realm="meldpunt"`, "schema": map[string]any{"type": "string"}}}
		}
		responses[e.name] = r
	}
	if err := sc.check(); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("openapi: %s", strings.Join(problems, "; "))
	}
	// A struct, not a map: the version and info first.
	doc := struct {
		OpenAPI    string         `json:"openapi"`
		Info       map[string]any `json:"info"`
		Tags       []any          `json:"tags"`
		Security   []any          `json:"security"`
		Paths      any            `json:"paths"`
		Components map[string]any `json:"components"`
	}{
		OpenAPI: "3.1.0",
		Info: map[string]any{
			"title":       "meldpunt registry API",
			"version":     "1",
			"description": infoDescription,
		},
		Tags:     tags(),
		Security: security(api.Route{Method: http.MethodPost}),
		Paths:    paths,
		Components: map[string]any{
			"schemas":         sc.components,
			"responses":       responses,
			"securitySchemes": securitySchemes(),
		},
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // the descriptions hold < and >, and no one renders the JSON as HTML
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode openapi document: %w", err)
	}
	return buf.Bytes(), nil
}

// build is the operation object of op for route rt.
func (op operation) build(rt api.Route, sc *schemas) (map[string]any, error) {
	out := map[string]any{
		"operationId": op.id,
		"tags":        []string{op.tag},
		"summary":     op.summary,
		"security":    security(rt),
	}
	desc := op.description
	if rt.Public {
		desc += "\n\nNo authentication (geen aanmelding nodig)."
	} else {
		out["x-meldpunt-role"] = string(rt.Role)
		desc += fmt.Sprintf("\n\nRole (rol): **%s** or higher.", rt.Role)
	}
	out["description"] = strings.TrimSpace(desc)

	var params []any
	for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(rt.Path, -1) {
		p, err := pathParameter(rt.Path, m[1])
		if err != nil {
			return nil, err
		}
		params = append(params, p)
	}
	ps := slices.Clone(op.params)
	if op.reason {
		ps = append(ps, reasonParams()...)
	}
	for _, p := range ps {
		po := map[string]any{"name": p.name, "in": p.in, "schema": p.schema}
		if p.description != "" {
			po["description"] = p.description
		}
		if p.required {
			po["required"] = true
		}
		if p.repeat {
			po["schema"] = map[string]any{"type": "array", "items": p.schema}
			po["style"], po["explode"] = "form", true
		}
		params = append(params, po)
	}
	if len(params) > 0 {
		out["parameters"] = params
	}

	if op.body != nil {
		media := map[string]any{"schema": sc.of(reflect.TypeOf(op.body), request)}
		if op.example != nil {
			media["example"] = op.example
		}
		content := map[string]any{"application/json": media}
		if op.multipart != nil {
			content["multipart/form-data"] = map[string]any{"schema": op.multipart, "encoding": op.multipartEncoding}
		}
		out["requestBody"] = map[string]any{"required": op.bodyRequired, "content": content}
	}

	responses := map[string]any{}
	for _, a := range op.answers {
		r := map[string]any{"description": a.description}
		content := map[string]any{}
		if a.body != nil {
			content["application/json"] = map[string]any{"schema": sc.of(reflect.TypeOf(a.body), response)}
		}
		if a.oneOf != nil {
			var alts []any
			for _, v := range a.oneOf {
				alts = append(alts, sc.of(reflect.TypeOf(v), response))
			}
			content["application/json"] = map[string]any{"schema": map[string]any{"oneOf": alts}}
		}
		for mt, schema := range a.content {
			content[mt] = map[string]any{"schema": schema}
		}
		if len(content) > 0 {
			r["content"] = content
		}
		if a.headers != nil {
			r["headers"] = a.headers
		}
		responses[strconv.Itoa(a.status)] = r
	}
	errs := slices.Clone(op.errors)
	if !rt.Public {
		errs = append(errs, http.StatusUnauthorized, http.StatusForbidden, http.StatusServiceUnavailable)
	}
	for _, status := range errs {
		name, ok := commonErrorName(status)
		if !ok {
			return nil, fmt.Errorf("no common answer %d", status)
		}
		if _, ok := responses[strconv.Itoa(status)]; ok {
			return nil, fmt.Errorf("answer %d given twice", status)
		}
		responses[strconv.Itoa(status)] = map[string]any{"$ref": "#/components/responses/" + name}
	}
	out["responses"] = responses
	return out, nil
}

// security: a bearer token, or the session cookie with (to change
// anything) its CSRF token; nothing for a public route.
func security(rt api.Route) []any {
	if rt.Public {
		return []any{}
	}
	session := map[string]any{"cookieAuth": []any{}}
	if rt.Method != http.MethodGet && rt.Method != http.MethodHead {
		session["csrfToken"] = []any{}
	}
	return []any{map[string]any{"bearerAuth": []any{}}, session}
}

func securitySchemes() map[string]any {
	return map[string]any{
		"bearerAuth": map[string]any{
			"type": "http", "scheme": "bearer", "bearerFormat": "mpt_…",
			"description": "A token made with `registry token add`: a user's (`--user`; it acts as that user, " +
				"`--role` and `--domain` may narrow it) or an integration's (`--role`, `--domain`). " +
				"Shown once; revoke it with `registry token revoke`.",
		},
		"cookieAuth": map[string]any{
			"type": "apiKey", "in": "cookie", "name": "meldpunt_session",
			"description": "The staff web UI's session (after signing in).",
		},
		"csrfToken": map[string]any{
			"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
			"description": "With the session cookie, every request that changes something carries the " +
				"session's CSRF token; without it the answer is 403. Bearer tokens need none.",
		},
	}
}

// pathParameter describes {name} of path.
func pathParameter(path, name string) (map[string]any, error) {
	p := map[string]any{"name": name, "in": "path", "required": true}
	id := func(desc string) map[string]any {
		p["description"] = desc
		p["schema"] = map[string]any{"type": "integer", "format": "int64", "minimum": 1}
		return p
	}
	before, _, _ := strings.Cut(path, "{"+name+"}")
	switch {
	case name == "ref":
		p["description"] = "The case's reference (dossiernummer)."
		p["schema"] = map[string]any{"type": "string", "examples": []any{"MP-2026-000123"}}
		return p, nil
	case name != "id":
	case strings.HasSuffix(before, "/forwards/"):
		return id("The forward's id (`forwards[].id` of the case)."), nil
	case strings.HasSuffix(before, "/moves/"):
		return id("The merge's or split's id (`moves[].id` of the case)."), nil
	case strings.HasSuffix(before, "/quarantine/"):
		return id("The quarantined item's id."), nil
	case strings.HasSuffix(before, "/citizens/"):
		return id("The citizen's id (a contact in one domain)."), nil
	case strings.HasSuffix(before, "/intake/"):
		p["description"] = "The registration's event id, as `POST /api/v1/intake` answered it."
		p["schema"] = map[string]any{"type": "string"}
		return p, nil
	}
	return nil, fmt.Errorf("path parameter {%s}: not described", name)
}

func reasonParams() []param {
	reason := map[string]any{"type": "string", "maxLength": 500}
	const why = "Why you look at this personal data (waarom bekijk je deze gegevens?), kept in the access log. " +
		"Required for data of the sociaalhuis domain (400 without it)."
	return []param{
		{name: api.ReasonHeader, in: "header", schema: reason, description: why},
		{name: "reason", in: "query", schema: reason, description: "The reason, instead of the " + api.ReasonHeader +
			" header (easier for text with accents)."},
	}
}

const infoDescription = `The registry's JSON API: cases (dossiers) and their messages, the staff actions on
cases, front-desk registration, the quarantine, the connectors' sources, search, and the privacy
officer's tools — what the staff web UI can do.

**Authentication.** Send ` + "`Authorization: Bearer mpt_…`" + ` with a token made by
` + "`registry token add`" + `: a user's token (` + "`--user`" + `; it acts as that user) or an
integration's (` + "`--role`, `--domain`" + `). The web UI's session cookie works as well; a request
that changes something then needs the session's CSRF token in ` + "`X-CSRF-Token`" + `.

**Roles and domains.** The roles are ranked onthaal < behandelaar < beheerder; each operation
names the lowest role it needs (` + "`x-meldpunt-role`" + `). Data is separated by domain (gemeente,
sociaalhuis): a case, citizen or message of a domain the caller may not see does not exist for them
(404) and never shows in a list.

**Reasons.** Personal data of the sociaalhuis domain is shown only with a reason
(` + "`X-Meldpunt-Reason`" + ` or ` + "`?reason=`" + `); every view of personal data is in the access log.

**Errors** answer ` + "`{\"error\": \"...\"}`" + ` (Problem) with the status code.`

func tags() []any {
	tag := func(name, desc string) map[string]any { return map[string]any{"name": name, "description": desc} }
	return []any{
		tag("cases", "Cases (dossiers): lists, one case with its messages and timeline, the complaints report."),
		tag("case actions", "What staff do to a case (dossieracties); each is on the case's timeline with who did it, and answers the case as it is afterwards."),
		tag("messages", "Messages (berichten) without a case."),
		tag("intake", "Registering front-desk visits, phone calls and letters (onthaal)."),
		tag("search", "Search messages and look citizens up; every search is in the access log."),
		tag("privacy", "The privacy officer's tools (GDPR): export and erase a citizen, the access log."),
		tag("quarantine", "Events the registry could not take (quarantaine)."),
		tag("sources", "The connectors' sources and their health (bronnen)."),
		tag("meta", "This document."),
	}
}
