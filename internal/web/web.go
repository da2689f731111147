// Package web serves the staff web UI: server-rendered HTML pages in Dutch
// (nl-BE) built with html/template, with one small stylesheet and no
// script. It shows cases within the domains a member of staff may see and
// does every change to a case through package casework, so the UI and the
// JSON API check the same rules.
//
// Each page lives in one file (a func returning its page: routes and the
// navigation link) and one template in templates/pages; pages lists them.
// Every page needs a signed-in principal (auth.Middleware puts it in the
// request context, auth.RequireUI sends others to the login page) and
// carries strict security headers.
//
// Every view of a case or citizen and every search is written to the
// access log before it is shown (package privacy, as the API does; see
// reason.go for the reason sociaalhuis data needs). Front-desk
// registrations go through package frontdesk and the quarantine through
// package quarantine, the API's own code paths.
//
// It reads through the store interface and contains no SQL; it must not
// import the consume loop (package registry), the bus or package api.
package web

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/intake/frontdesk"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/quarantine"
	"github.com/meldpunt/meldpunt/internal/registry/sources"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

//go:embed templates static
var files embed.FS

// LoginPath is the login page; auth.RequireUI sends anonymous browsers
// there.
const LoginPath = "/aanmelden"

// DueSoon is how far ahead the overview looks for deadlines ("binnenkort").
const DueSoon = 72 * time.Hour

// listLimit bounds the cases one list of a page asks the store for.
const listLimit = 500

// Options configure the UI. Store, Casework and Auth are required.
type Options struct {
	Store    store.Store
	Casework *casework.Service
	Auth     *auth.Service
	// Log receives failures of the store (nil: discard).
	Log *slog.Logger
	// InsecureCookies leaves Secure off the UI's own (flash) cookie, as
	// auth.Options.InsecureCookie does for the session cookie.
	InsecureCookies bool
	// ClientIP is the client's address for the login rate limit (default:
	// the host of r.RemoteAddr). Behind a trusted proxy, the forwarded one.
	ClientIP func(r *http.Request) string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// OIDC tells that sign-in through OpenID Connect is configured
	// (auth.OIDC serves auth.OIDCLoginPath): the login page offers it.
	OIDC bool
	// Intake publishes front-desk registrations (package intake adapts
	// the bus); nil: the registration page says it is not available.
	Intake frontdesk.Publisher
	// Republisher sends quarantined items again; nil: retrying is not
	// available.
	Republisher quarantine.Republisher
	// Sources reads the connectors' reports; nil: none are shown.
	Sources SourceLister
}

// SourceLister reads the connectors' reports on their sources.
type SourceLister interface {
	SourceReports(ctx context.Context) ([]sources.Report, error)
}

// Handler serves the staff UI.
type Handler struct {
	st       store.Store
	cw       *casework.Service
	auth     *auth.Service
	log      *slog.Logger
	loc      *time.Location
	now      func() time.Time
	clientIP func(r *http.Request) string
	secure   bool // Secure on the flash cookie
	oidc     bool // the login page offers auth.OIDCLoginPath
	mail     *bluemonday.Policy
	tmpl     map[string]*template.Template
	static   map[string]staticFile
	pages    []page
	intake   frontdesk.Publisher
	republ   quarantine.Republisher
	srcs     SourceLister
}

// New returns the UI handler. It fails only when an embedded template does
// not parse (a bug caught by every test).
func New(opts Options) (*Handler, error) {
	if opts.Store == nil || opts.Casework == nil || opts.Auth == nil {
		return nil, fmt.Errorf("web: Store, Casework and Auth are required")
	}
	h := &Handler{
		st: opts.Store, cw: opts.Casework, auth: opts.Auth, log: opts.Log,
		loc: opts.Casework.Location(), now: opts.Now, clientIP: opts.ClientIP,
		secure: !opts.InsecureCookies, mail: mailPolicy(), oidc: opts.OIDC,
		intake: opts.Intake, republ: opts.Republisher, srcs: opts.Sources,
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.clientIP == nil {
		h.clientIP = remoteHost
	}
	var err error
	if h.static, err = loadStatic(); err != nil {
		return nil, err
	}
	if h.tmpl, err = h.parseTemplates(); err != nil {
		return nil, err
	}
	h.pages = h.allPages()
	return h, nil
}

// allPages are the UI's pages, in the order of the navigation. Adding a
// page is one file with a func (h *Handler) xxxPage() page and one
// template templates/pages/xxx.html, and a line here; its link appears in
// the navigation of everyone with its role.
func (h *Handler) allPages() []page {
	return []page{
		h.loginPage(),
		h.overviewPage(),
		h.departmentPage(),
		h.searchPage(),
		h.citizensPage(),
		h.registerPage(),
		h.casePage(),
		h.complaintsPage(),
		h.sourcesPage(),
		h.quarantinePage(),
		h.reasonPage(),
		h.staticPage(),
	}
}

// page is one part of the UI: its routes and its link in the navigation.
type page struct {
	// nav is the label of the link in the navigation (empty: no link), to
	// path, for those with role.
	nav  string
	path string
	role auth.Role
	// routes are its method-and-path patterns ("GET /dossiers/{ref}").
	routes []route
}

// route is one pattern of a page and who may use it.
type route struct {
	pattern string
	// role is the lowest role that may use it; empty: anyone, signed in or
	// not (the login page, the stylesheet).
	role auth.Role
	// serve handles a request with the principal (zero when role is empty
	// and nobody is signed in).
	serve func(w http.ResponseWriter, r *http.Request, p auth.Principal)
}

// Register mounts the UI's routes on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, pg := range h.pages {
		for _, rt := range pg.routes {
			mux.Handle(rt.pattern, h.wrap(rt))
		}
	}
}

// wrap adds the security headers and, for a route with a role, the
// sign-in and role checks.
func (h *Handler) wrap(rt route) http.Handler {
	serve := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := auth.FromContext(r.Context())
		if rt.role != "" && !p.HasRole(rt.role) {
			h.fail(w, r, http.StatusForbidden, "Je hebt geen toegang tot deze pagina: ze vraagt de rol "+string(rt.role)+".")
			return
		}
		rt.serve(w, r, p)
	})
	var next http.Handler = serve
	if rt.role != "" {
		// Any role passes here; the role of the route is checked above,
		// so that a refusal is a page of the UI.
		next = auth.RequireUI(LoginPath, auth.RoleOnthaal)(serve)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pageHeaders(w.Header())
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy of every page: nothing from elsewhere, no inline
// script or style, no framing by anyone, forms only to this site.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; " +
	"frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"

// pageHeaders sets the security headers of a page. Pages show personal
// data, so no cache keeps them.
func pageHeaders(hd http.Header) {
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
}

// remoteHost is the host part of r.RemoteAddr.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// navLinks are the links of the navigation that p may follow.
func (h *Handler) navLinks(r *http.Request, p auth.Principal) []navLink {
	var links []navLink
	for _, pg := range h.pages {
		if pg.nav == "" || !p.HasRole(pg.role) {
			continue
		}
		cur := r.URL.Path == pg.path || (pg.path != "/" && strings.HasPrefix(r.URL.Path, pg.path+"/"))
		links = append(links, navLink{Label: pg.nav, Path: pg.path, Current: cur})
	}
	return links
}

type navLink struct {
	Label, Path string
	Current     bool
}

// staticFile is an embedded file served under /static/, with a version
// in its URL so that a browser may cache it.
type staticFile struct {
	data        []byte
	contentType string
	url         string
}

func loadStatic() (map[string]staticFile, error) {
	out := map[string]staticFile{}
	err := fs.WalkDir(files, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		ct := "application/octet-stream"
		switch path.Ext(name) {
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".svg":
			ct = "image/svg+xml"
		}
		base := path.Base(name)
		out[base] = staticFile{data: data, contentType: ct, url: "/static/" + base + "?v=" + shortHash(data)}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	return out, nil
}

// staticPage serves the stylesheets.
func (h *Handler) staticPage() page {
	return page{routes: []route{{pattern: "GET /static/{name}", serve: func(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
		f, ok := h.static[r.PathValue("name")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", f.contentType)
		w.Header().Set("Cache-Control", "public, max-age=86400")
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		_, _ = w.Write(f.data) // the client went away
	}}}}
}
