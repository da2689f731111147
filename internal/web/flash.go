package web

import (
	"encoding/base64"
	"net/http"
	"strings"
	"unicode/utf8"
)

// A flash message says, on the page a POST redirected to, how the action
// went (Post/Redirect/Get). It travels in a short-lived cookie, not in the
// URL, so that nobody can make a link that shows staff a message of their
// choosing.
const flashCookie = "meldpunt_flash"

// maxFlash bounds the text of a flash message, in bytes.
const maxFlash = 600

// flash is a message for the next page: OK or an error.
type flash struct {
	Error bool
	Text  string
}

// setFlash shows msg on the next page the browser gets.
func (h *Handler) setFlash(w http.ResponseWriter, isError bool, msg string) {
	kind := "ok"
	if isError {
		kind = "fout"
	}
	for len(msg) > maxFlash {
		_, size := utf8.DecodeLastRuneInString(msg)
		msg = msg[:len(msg)-size]
	}
	http.SetCookie(w, &http.Cookie{
		Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + msg)),
		Path: "/", MaxAge: 60, HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode,
	})
}

// takeFlash returns the flash message of the request, if any, and clears
// it.
func (h *Handler) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || !utf8.Valid(b) {
		return nil
	}
	kind, text, _ := strings.Cut(string(b), ":")
	if text == "" || len(text) > maxFlash || (kind != "ok" && kind != "fout") {
		return nil
	}
	return &flash{Error: kind == "fout", Text: text}
}

// redirectBack ends an action: the message for the next page and a 303 to
// where the browser should go.
func (h *Handler) redirectBack(w http.ResponseWriter, r *http.Request, to string, isError bool, msg string) {
	h.setFlash(w, isError, msg)
	http.Redirect(w, r, to, http.StatusSeeOther)
}
