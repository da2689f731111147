package auth

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

const (
	// CSRFHeader carries the session's CSRF token on requests of scripts.
	CSRFHeader = "X-CSRF-Token"
	// CSRFFormField carries it in HTML forms (a hidden input).
	CSRFFormField = "csrf_token"
)

type ctxKey int

const (
	principalKey ctxKey = iota
	csrfKey
)

// WithPrincipal returns ctx carrying p: what Middleware does for an
// authenticated request (and what another sign-in, or a test, can do).
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// FromContext returns the Principal of the request, and false when it is
// not authenticated.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey).(Principal)
	return p, ok
}

// CSRFToken returns the CSRF token of the request's session, for the forms
// a page renders (CSRFFormField) and the scripts it runs (CSRFHeader);
// empty when the request did not come with a session.
func CSRFToken(ctx context.Context) string {
	t, _ := ctx.Value(csrfKey).(string)
	return t
}

// Middleware authenticates each request and passes it on with its
// Principal in the context (FromContext):
//
//   - With "Authorization: Bearer <token>" by the API token; the session
//     cookie is then not looked at.
//   - Otherwise by the session cookie (SessionCookieName). Requests with a
//     method other than GET, HEAD, OPTIONS and TRACE must then carry the
//     session's CSRF token in the CSRFHeader header or, in a form, the
//     CSRFFormField field, or they are refused with 403. The token is in
//     the context too (CSRFToken). An unknown or expired cookie is cleared.
//   - Every request without an Authorization header, signed in or not
//     (the login form), that a browser sent from another site with a
//     method other than GET, HEAD or OPTIONS is refused with 403
//     (http.CrossOriginProtection: Sec-Fetch-Site, or Origin against Host).
//
// A request without valid credentials passes on WITHOUT a Principal:
// handlers decide (RequireAPI answers 401, RequireUI sends the browser to
// the login page). When the store fails, the request is answered 503.
func Middleware(svc *Service) func(http.Handler) http.Handler {
	crossOrigin := http.NewCrossOriginProtection()
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if header := r.Header.Get("Authorization"); header != "" {
				token, ok := bearerToken(header)
				if !ok {
					next.ServeHTTP(w, r)
					return
				}
				p, err := svc.AuthenticateToken(r.Context(), token)
				if errors.Is(err, ErrUnauthenticated) {
					next.ServeHTTP(w, r)
					return
				}
				if err != nil {
					svc.log.Error("authenticate token", "error", err)
					writeProblem(w, r, http.StatusServiceUnavailable, "Aanmelden is even niet mogelijk. Probeer het zo opnieuw.")
					return
				}
				next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
				return
			}

			if err := crossOrigin.Check(r); err != nil {
				writeProblem(w, r, http.StatusForbidden, "Deze vraag kwam van een andere website en is geweigerd.")
				return
			}
			c, err := r.Cookie(SessionCookieName)
			if err != nil {
				next.ServeHTTP(w, r)
				return
			}
			p, csrf, err := svc.SessionPrincipal(r.Context(), c.Value)
			if errors.Is(err, ErrUnauthenticated) {
				svc.ClearSessionCookie(w)
				next.ServeHTTP(w, r)
				return
			}
			if err != nil {
				svc.log.Error("authenticate session", "error", err)
				writeProblem(w, r, http.StatusServiceUnavailable, "Aanmelden is even niet mogelijk. Probeer het zo opnieuw.")
				return
			}
			if !safeMethod(r.Method) && !validCSRF(r, csrf) {
				writeProblem(w, r, http.StatusForbidden, "Deze vraag kwam zonder geldig CSRF-token. Laad de pagina opnieuw en probeer het nog eens.")
				return
			}
			ctx := context.WithValue(WithPrincipal(r.Context(), p), csrfKey, csrf)
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// safeMethod reports whether method changes nothing (RFC 9110 section
// 9.2.1), so that it needs no CSRF token.
func safeMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// validCSRF reports whether r carries the session's CSRF token, in the
// header or, for a form, in the form field (which parses the form).
func validCSRF(r *http.Request, want string) bool {
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct == "application/x-www-form-urlencoded" || ct == "multipart/form-data" {
			got = r.PostFormValue(CSRFFormField)
		}
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// RequireAPI lets a request through only with a Principal (put there by
// Middleware) that has role min or a higher one; others get a JSON error:
// 401 without a Principal, 403 with too low a role.
func RequireAPI(min Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := FromContext(r.Context())
			if !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="meldpunt"`)
				writeJSONError(w, http.StatusUnauthorized, "authentication required: send an API token (Authorization: Bearer mpt_...)")
				return
			}
			if !p.HasRole(min) {
				writeJSONError(w, http.StatusForbidden, "this needs the role "+string(min))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// RequireUI lets a request through only with a Principal that has role
// min or a higher one. Without a Principal, a GET or HEAD is sent to
// loginPath with the page to come back to in the query parameter "next"
// (a path, never another site), anything else gets 401; too low a role
// gets 403. The texts are for staff, in Dutch.
func RequireUI(loginPath string, min Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := FromContext(r.Context())
			if !ok {
				if r.Method == http.MethodGet || r.Method == http.MethodHead {
					http.Redirect(w, r, loginPath+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				http.Error(w, "Je bent niet (meer) aangemeld. Meld je opnieuw aan.", http.StatusUnauthorized)
				return
			}
			if !p.HasRole(min) {
				http.Error(w, "Je hebt geen toegang tot deze pagina.", http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// SafeNext returns next when it is a path on this site to return to after
// the login, and "/" otherwise: never another site ("//evil.example",
// "https://...", "/\evil.example").
func SafeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

// writeProblem answers an error as JSON to API clients (a path under
// /api/, or JSON accepted) and as text to browsers.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if strings.HasPrefix(r.URL.Path, "/api/") || strings.Contains(r.Header.Get("Accept"), "application/json") {
		writeJSONError(w, status, msg)
		return
	}
	http.Error(w, msg, status)
}

// writeJSONError writes {"error": msg}, as package api does.
func writeJSONError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Error string `json:"error"`
	}{msg}) // the client went away; nothing left to tell it
}
