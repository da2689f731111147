package web

import (
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// What a message carries is served on its own, only to those who may see
// its case, and so that a browser never runs it as part of the UI.

// mailCSP is the policy of a mail's sanitised HTML: a sandbox (an origin of
// its own, no script, no forms), nothing fetched but the UI's stylesheet
// and inline pictures, framed only by the case page.
const mailCSP = "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'self'; img-src data:; " +
	"frame-ancestors 'self'; form-action 'none'; base-uri 'none'"

// downloadCSP is the policy of a downloaded attachment: should a browser
// show it after all, it runs nothing and loads nothing.
const downloadCSP = "sandbox; default-src 'none'; frame-ancestors 'none'"

// mailHTML serves the sanitised HTML of message {id} of case {ref}, for
// the sandboxed frame of the case page.
func (h *Handler) mailHTML(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	d, ok := h.caseFor(w, r, p)
	if !ok {
		return
	}
	// Logged (and the reason asked) before the answer says whether the
	// message exists: that too is something about the case.
	m, ok := findMessage(d, pathID(r))
	if err := h.recordAccess(r, p, store.AccessEntry{Action: store.AccessViewCase, CaseRef: d.Ref, ContactID: d.ContactID, Domain: d.Domain,
		Detail: "opgemaakte versie van bericht " + strconv.FormatInt(pathID(r), 10)}, caseURL(r.PathValue("ref"))); err != nil {
		h.frameRefused(w, err)
		return
	}
	if !ok || strings.TrimSpace(m.HTML) == "" {
		h.fail(w, r, http.StatusNotFound, "Dit bericht bestaat niet in dit dossier, of het heeft geen opgemaakte versie.")
		return
	}
	hd := w.Header()
	hd.Set("Content-Security-Policy", mailCSP)
	hd.Set("X-Frame-Options", "SAMEORIGIN")
	hd.Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(h.mailDocument(m.HTML))) // the client went away
}

// attachment serves attachment {sha256} of a message of case {ref} as a
// download.
func (h *Handler) attachment(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	d, ok := h.caseFor(w, r, p)
	if !ok {
		return
	}
	sum := r.PathValue("sha256")
	var att *store.Attachment
	for _, m := range d.Messages {
		for i := range m.Attachments {
			if m.Attachments[i].SHA256 == sum {
				att = &m.Attachments[i]
				break
			}
		}
		if att != nil {
			break
		}
	}
	// Logged (and the reason asked) before the answer says whether the
	// attachment belongs to the case: that too is something about it.
	detail := "bijlage (niet in dit dossier) " + sum
	if att != nil {
		detail = "bijlage " + att.Name
	}
	if !h.recordView(w, r, p, store.AccessEntry{Action: store.AccessViewCase, CaseRef: d.Ref, ContactID: d.ContactID, Domain: d.Domain,
		Detail: detail}, caseURL(r.PathValue("ref")), "deze bijlage") {
		return
	}
	if att == nil {
		h.fail(w, r, http.StatusNotFound, "Deze bijlage hoort niet bij dit dossier.")
		return
	}
	b, err := h.st.Blob(r.Context(), sum)
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.fail(w, r, http.StatusNotFound, "De inhoud van deze bijlage is niet (meer) bewaard.")
		return
	case err != nil:
		h.storeFailed(w, r, "attachment", err)
		return
	}
	ct := att.ContentType
	if ct == "" {
		ct = b.ContentType
	}
	hd := w.Header()
	hd.Set("Content-Type", downloadType(ct))
	hd.Set("Content-Disposition", contentDisposition(att.Name))
	hd.Set("Content-Length", strconv.Itoa(len(b.Data)))
	hd.Set("Content-Security-Policy", downloadCSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "private, no-store")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(b.Data) // the client went away
}

// caseFor is case {ref} for p, or false after answering that there is none.
func (h *Handler) caseFor(w http.ResponseWriter, r *http.Request, p auth.Principal) (store.CaseDetail, bool) {
	d, err := h.cw.Case(r.Context(), p, r.PathValue("ref"))
	switch {
	case errors.Is(err, casework.ErrNotFound):
		h.notFoundCase(w, r)
		return d, false
	case err != nil:
		h.storeFailed(w, r, "case", err)
		return d, false
	}
	return d, true
}

// downloadType is the Content-Type to serve an attachment with: its own,
// unless missing, malformed, or a type a browser would run as part of a
// page (HTML, SVG, XML, script).
func downloadType(ct string) string {
	const fallback = "application/octet-stream"
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fallback
	}
	switch {
	case mt == "text/html", mt == "application/xhtml+xml", mt == "image/svg+xml",
		mt == "text/xml", mt == "application/xml", strings.HasSuffix(mt, "+xml"),
		mt == "text/javascript", mt == "application/javascript", mt == "application/x-javascript",
		mt == "application/ecmascript", mt == "text/ecmascript", mt == "text/css",
		mt == "application/x-shockwave-flash",
		strings.HasPrefix(mt, "multipart/"), strings.HasPrefix(mt, "message/"):
		return fallback
	}
	keep := map[string]string{}
	if cs, ok := params["charset"]; ok && strings.HasPrefix(mt, "text/") {
		keep["charset"] = cs
	}
	out := mime.FormatMediaType(mt, keep)
	if out == "" {
		return fallback
	}
	return out
}

// contentDisposition makes an attachment download under its name (RFC
// 6266): an ASCII fallback in filename, the exact name in filename* (RFC
// 8187, UTF-8, percent-encoded).
func contentDisposition(name string) string {
	name = strings.TrimSpace(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if name == "" {
		name = "bijlage"
	}
	var ascii, ext strings.Builder
	for _, c := range name {
		switch {
		case c < 0x20 || c == 0x7f || c > 0x7e, c == '"', c == '\\', c == ';', c == '%':
			ascii.WriteByte('_')
		default:
			ascii.WriteRune(c)
		}
	}
	for _, b := range []byte(name) {
		if isAttrChar(b) {
			ext.WriteByte(b)
		} else {
			const hex = "0123456789ABCDEF"
			ext.WriteByte('%')
			ext.WriteByte(hex[b>>4])
			ext.WriteByte(hex[b&15])
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + ext.String()
}

// isAttrChar reports whether b may stand for itself in an RFC 8187
// ext-value (attr-char).
func isAttrChar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}
