package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/meldpunt/meldpunt/internal/auth"
)

// Signing in and out. The login page is the one page without a principal.

func (h *Handler) loginPage() page {
	return page{routes: []route{
		{pattern: "GET " + LoginPath, serve: h.loginForm},
		{pattern: "POST " + LoginPath, serve: h.login},
		{pattern: "POST /afmelden", serve: h.logout},
	}}
}

type loginView struct {
	Username string
	Next     string
	Error    string
	OIDC     bool // offer sign-in through OpenID Connect
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
	next := auth.SafeNext(r.URL.Query().Get("next"))
	if _, ok := auth.FromContext(r.Context()); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "aanmelden", "Aanmelden", loginView{Next: next, OIDC: h.oidc})
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	next := auth.SafeNext(r.PostFormValue("next"))
	again := func(status int, msg string) {
		h.render(w, r, status, "aanmelden", "Aanmelden", loginView{Username: username, Next: next, Error: msg, OIDC: h.oidc})
	}
	p, err := h.auth.Login(r.Context(), username, password, h.clientIP(r))
	var limited *auth.RateLimitError
	switch {
	case errors.As(err, &limited):
		minutes := int(math.Ceil(limited.RetryAfter.Minutes()))
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(limited.RetryAfter.Seconds()))))
		again(http.StatusTooManyRequests, fmt.Sprintf("Te veel mislukte aanmeldpogingen. Probeer het opnieuw over %d %s.",
			minutes, plural(minutes, "minuut", "minuten")))
		return
	case errors.Is(err, auth.ErrInvalidCredentials):
		again(http.StatusUnauthorized, "De gebruikersnaam of het wachtwoord klopt niet.")
		return
	case errors.Is(err, auth.ErrAccountDisabled):
		again(http.StatusForbidden, "Deze account is uitgeschakeld. Vraag de beheerder om hulp.")
		return
	case err != nil:
		h.log.Error("login", "error", err)
		again(http.StatusServiceUnavailable, "Aanmelden is even niet mogelijk. Probeer het zo opnieuw.")
		return
	}
	// A session the browser had before is ended: the new one replaces it.
	if c, err := r.Cookie(auth.SessionCookieName); err == nil {
		if err := h.auth.Logout(r.Context(), c.Value); err != nil {
			h.log.Warn("end the previous session", "error", err)
		}
	}
	ns, err := h.auth.NewSession(r.Context(), p.Username)
	if err != nil {
		h.log.Error("login", "error", err)
		again(http.StatusServiceUnavailable, "Aanmelden is even niet mogelijk. Probeer het zo opnieuw.")
		return
	}
	h.auth.SetSessionCookie(w, ns)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the session. Without a session there is nothing to end (and
// no CSRF token to check: auth.Middleware checks it when there is one).
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
	if c, err := r.Cookie(auth.SessionCookieName); err == nil {
		if err := h.auth.Logout(r.Context(), c.Value); err != nil {
			h.log.Error("logout", "error", err)
			h.fail(w, r, http.StatusServiceUnavailable, "Afmelden is even niet gelukt. Probeer het zo opnieuw.")
			return
		}
	}
	h.auth.ClearSessionCookie(w)
	h.redirectBack(w, r, LoginPath, false, "Je bent afgemeld.")
}
