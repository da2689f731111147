package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
)

// parseTemplates parses every page template (templates/pages/NAME.html)
// together with the layout and the shared parts (templates/*.html), into a
// template set per page, keyed by NAME.
func (h *Handler) parseTemplates() (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(h.funcs()).ParseFS(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	names, err := fs.Glob(files, "templates/pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	out := make(map[string]*template.Template, len(names))
	for _, name := range names {
		t, err := base.Clone()
		if err == nil {
			t, err = t.ParseFS(files, name)
		}
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		out[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	return out, nil
}

func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{
		"datum":     h.formatDate,
		"dag":       h.formatDay,
		"iso":       isoTime,
		"status":    statusLabel,
		"soort":     typeLabel,
		"kanaal":    channelLabel,
		"richting":  directionLabel,
		"grootte":   formatSize,
		"dagen":     formatDays,
		"static":    func(name string) string { return h.static[name].url },
		"csrfField": func() string { return auth.CSRFFormField },
	}
}

// view is what the layout shows around a page.
type view struct {
	Title     string
	Principal *auth.Principal
	CSRF      string
	Nav       []navLink
	Flash     *flash
	// Page is the data of the page's own template.
	Page any
}

// render writes the page name with status. It renders into a buffer
// first, so that a template error is an error page and not half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	t, ok := h.tmpl[name]
	if !ok {
		h.log.Error("render page", "error", fmt.Errorf("no template %q", name))
		http.Error(w, "Er ging iets mis bij het tonen van deze pagina.", http.StatusInternalServerError)
		return
	}
	v := view{Title: title, CSRF: auth.CSRFToken(r.Context()), Flash: h.takeFlash(w, r), Page: data}
	if p, ok := auth.FromContext(r.Context()); ok {
		v.Principal = &p
		v.Nav = h.navLinks(r, p)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		h.log.Error("render page", "error", fmt.Errorf("template %s: %w", name, err))
		http.Error(w, "Er ging iets mis bij het tonen van deze pagina.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // the client went away
}

// fail shows an error page with a message for staff.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	title := "Fout"
	switch status {
	case http.StatusNotFound:
		title = "Niet gevonden"
	case http.StatusForbidden:
		title = "Geen toegang"
	case http.StatusServiceUnavailable:
		title = "Even niet beschikbaar"
	}
	h.render(w, r, status, "fout", title, struct{ Message string }{msg})
}

// storeFailed logs a failure of the store and shows an error page without
// its details.
func (h *Handler) storeFailed(w http.ResponseWriter, r *http.Request, what string, err error) {
	h.log.Error(what, "error", err)
	h.fail(w, r, http.StatusServiceUnavailable, "De gegevens zijn even niet beschikbaar. Probeer het zo opnieuw.")
}

// Times are shown in the municipality's time zone, in Dutch.

var monthsNL = [...]string{"jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."}

// timeOf accepts a time.Time or a *time.Time (nil: zero).
func timeOf(v any) time.Time {
	switch t := v.(type) {
	case time.Time:
		return t
	case *time.Time:
		if t != nil {
			return *t
		}
	}
	return time.Time{}
}

// formatDate is "4 dec. 2026 10:15".
func (h *Handler) formatDate(v any) string {
	t := timeOf(v)
	if t.IsZero() {
		return ""
	}
	t = t.In(h.loc)
	return fmt.Sprintf("%d %s %d %02d:%02d", t.Day(), monthsNL[t.Month()-1], t.Year(), t.Hour(), t.Minute())
}

// formatDay is "4 dec. 2026".
func (h *Handler) formatDay(v any) string {
	t := timeOf(v)
	if t.IsZero() {
		return ""
	}
	t = t.In(h.loc)
	return fmt.Sprintf("%d %s %d", t.Day(), monthsNL[t.Month()-1], t.Year())
}

// isoTime is the datetime attribute of a <time> element.
func isoTime(v any) string {
	t := timeOf(v)
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// formatSize is a file size as people read it, with a decimal comma.
func formatSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d bytes", n)
	case n < 1000*1000:
		return fmt.Sprintf("%d kB", (n+500)/1000)
	default:
		return strings.Replace(fmt.Sprintf("%.1f MB", float64(n)/1e6), ".", ",", 1)
	}
}

// formatDays is a number of days with one decimal and a decimal comma;
// nil is "–".
func formatDays(d *float64) string {
	if d == nil {
		return "–"
	}
	return strings.Replace(fmt.Sprintf("%.1f", *d), ".", ",", 1)
}

// shortHash versions a static file's URL.
func shortHash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:6])
}
