package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/privacy"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// The access log (GDPR). Every view of a case or citizen and every search
// is written to it before anything is shown, as the API does
// (privacy.Record); when it cannot be written nothing is shown (503).
//
// Data of the social services (sociaalhuis) needs a reason ("waarom").
// Without one the page is a small form asking for it. The reason is then
// remembered for reasonLifetime for what it was given for, and only that:
// one case (its page, the formatted versions of its mails and its
// attachments), one citizen, searching messages, or looking citizens up.
// It travels in a cookie whose path is what it was given for (so a browser
// sends it nowhere else), signed with the session's CSRF token (so it is
// good only in the session that gave it, for the scope and user it names)
// and carrying its expiry. Every later view in that time is still written
// to the log, each with the reason.

// reasonLifetime is how long a reason is remembered.
const reasonLifetime = 30 * time.Minute

const (
	reasonCookie = "meldpunt_reden"
	// reasonField and backField are the fields of the reason form.
	reasonField = "reden"
	backField   = "terug"
)

// Scopes a reason is given for: a case's is its caseURL, a citizen's
// citizenScope.
const (
	searchScope        = "/zoeken"
	citizenSearchScope = "/burgers"
)

func citizenScope(id int64) string { return "/burgers/" + strconv.FormatInt(id, 10) }

// reasonPage takes the reason forms.
func (h *Handler) reasonPage() page {
	return page{routes: []route{
		{pattern: "POST /dossiers/{ref}/reden", role: auth.RoleOnthaal,
			serve: h.giveReason(func(r *http.Request) string { return caseURL(r.PathValue("ref")) })},
		{pattern: "POST /burgers/{id}/reden", role: auth.RoleOnthaal,
			serve: h.giveReason(func(r *http.Request) string { return citizenScope(pathID(r)) })},
		{pattern: "POST /burgers/reden", role: auth.RoleOnthaal,
			serve: h.giveReason(func(*http.Request) string { return citizenSearchScope })},
		{pattern: "POST /zoeken/reden", role: auth.RoleOnthaal,
			serve: h.giveReason(func(*http.Request) string { return searchScope })},
	}}
}

// giveReason remembers the reason posted for the scope of the request and
// sends the browser back to where it was asked (a page within the scope).
func (h *Handler) giveReason(scopeOf func(r *http.Request) string) func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	return func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		scope := scopeOf(r)
		back := withinScope(scope, r.PostFormValue(backField))
		reason, err := privacy.CleanReason(r.PostFormValue(reasonField), true)
		if err != nil {
			h.redirectBack(w, r, back, true, reasonProblem(err))
			return
		}
		h.rememberReason(w, r, p, scope, reason)
		http.Redirect(w, r, back, http.StatusSeeOther)
	}
}

// withinScope is back when it is a path of this site within scope, else
// scope.
func withinScope(scope, back string) string {
	back = auth.SafeNext(back)
	u, err := url.Parse(back)
	if err != nil {
		return scope
	}
	if p := u.EscapedPath(); p == scope || strings.HasPrefix(p, scope+"/") {
		return back
	}
	return scope
}

func reasonProblem(err error) string {
	if errors.Is(err, privacy.ErrReasonTooLong) {
		return fmt.Sprintf("Je reden is te lang: hoogstens %d tekens.", privacy.MaxReason)
	}
	return "Geef een reden op: waarom bekijk je deze gegevens?"
}

// rememberReason keeps reason for scope in the browser for reasonLifetime.
// Without a session (no CSRF token to sign with) nothing is remembered.
func (h *Handler) rememberReason(w http.ResponseWriter, r *http.Request, p auth.Principal, scope, reason string) {
	key := auth.CSRFToken(r.Context())
	if key == "" {
		return
	}
	exp := h.now().Add(reasonLifetime).Unix()
	value := strconv.FormatInt(exp, 10) + "." + base64.RawURLEncoding.EncodeToString([]byte(reason)) + "." +
		reasonMAC(key, scope, p.Actor(), exp, reason)
	http.SetCookie(w, &http.Cookie{Name: reasonCookie, Value: value, Path: scope, MaxAge: int(reasonLifetime / time.Second),
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteStrictMode})
}

// givenReason is the reason remembered for scope in this session, or "".
func (h *Handler) givenReason(r *http.Request, p auth.Principal, scope string) string {
	key := auth.CSRFToken(r.Context())
	if key == "" {
		return ""
	}
	now := h.now().Unix()
	for _, c := range r.CookiesNamed(reasonCookie) {
		expText, rest, ok1 := strings.Cut(c.Value, ".")
		encoded, mac, ok2 := strings.Cut(rest, ".")
		exp, err := strconv.ParseInt(expText, 10, 64)
		if !ok1 || !ok2 || err != nil || now > exp {
			continue
		}
		reason, err := base64.RawURLEncoding.DecodeString(encoded)
		if err != nil || !hmac.Equal([]byte(mac), []byte(reasonMAC(key, scope, p.Actor(), exp, string(reason)))) {
			continue
		}
		return string(reason)
	}
	return ""
}

// reasonMAC signs a remembered reason with the session's key.
func reasonMAC(key, scope, actor string, exp int64, reason string) string {
	m := hmac.New(sha256.New, []byte(key))
	fmt.Fprintf(m, "meldpunt reden\x00%s\x00%s\x00%d\x00%s", scope, actor, exp, reason)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// recordAccess writes e, as p, to the access log with the reason
// remembered for scope (privacy.Record): nil, an error that asks for a
// reason (needsReason), or a failure of the log.
func (h *Handler) recordAccess(r *http.Request, p auth.Principal, e store.AccessEntry, scope string) error {
	e.Actor, e.At, e.Reason = p.Actor(), h.now(), h.givenReason(r, p, scope)
	return privacy.Record(r.Context(), h.st, e, false)
}

// needsReason reports whether err of privacy.Record asks for a reason.
func needsReason(err error) bool {
	return errors.Is(err, privacy.ErrReasonRequired) || errors.Is(err, privacy.ErrReasonTooLong)
}

// recordView writes a view of e to the access log before it is shown.
// When it answered instead — the reason form (what names what the reason
// is for, "dit dossier"), or 503 when the log cannot be written — it
// returns false.
func (h *Handler) recordView(w http.ResponseWriter, r *http.Request, p auth.Principal, e store.AccessEntry, scope, what string) bool {
	err := h.recordAccess(r, p, e, scope)
	switch {
	case err == nil:
		return true
	case needsReason(err):
		h.askReason(w, r, scope, what)
	default:
		h.accessLogFailed(w, r, err)
	}
	return false
}

// accessLogFailed logs a failure of the access log and shows nothing.
func (h *Handler) accessLogFailed(w http.ResponseWriter, r *http.Request, err error) {
	h.log.Error("write the access log", "error", err)
	h.fail(w, r, http.StatusServiceUnavailable,
		"Het toegangslogboek kan nu niet bijgewerkt worden, en wat niet gelogd is, wordt niet getoond. Probeer het zo opnieuw.")
}

type reasonView struct {
	Action  string // where the form posts
	Back    string // the page to show afterwards
	What    string
	Minutes int
	Max     int
}

// askReason shows the form that asks why the user wants to see what of
// scope, to come back to this request afterwards.
func (h *Handler) askReason(w http.ResponseWriter, r *http.Request, scope, what string) {
	h.render(w, r, http.StatusOK, "reden", "Waarom bekijk je dit?", reasonView{Action: scope + "/reden",
		Back: r.URL.RequestURI(), What: what, Minutes: int(reasonLifetime / time.Minute), Max: privacy.MaxReason})
}

// frameRefused answers the frame of the case page that shows a mail's
// formatted version when its view could not be logged: a reason is missing
// (the case page asks for it) or the log failed. It is a document for the
// sandboxed frame, with the headers of a mail.
func (h *Handler) frameRefused(w http.ResponseWriter, err error) {
	status, msg := http.StatusForbidden, "Geef eerst op de pagina van het dossier een reden op; dan wordt deze versie getoond."
	if !needsReason(err) {
		h.log.Error("write the access log", "error", err)
		status, msg = http.StatusServiceUnavailable, "Het toegangslogboek kan nu niet bijgewerkt worden; daarom wordt dit bericht niet getoond."
	}
	hd := w.Header()
	hd.Set("Content-Security-Policy", mailCSP)
	hd.Set("X-Frame-Options", "SAMEORIGIN")
	hd.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(h.mailDocument("<p>" + msg + "</p>"))) // the client went away
}
