package web

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
)

// mailPolicy is how the HTML of a citizen's mail is made safe to show:
// the text markup of bluemonday's UGC policy, but with no remote content
// at all. A mail must not make the browser fetch anything (a tracking
// pixel tells the sender that, when and from where the mail was read), so
// there is no src, srcset, background, style or url() left that points
// anywhere, and an <img> that is not an inline (data:) picture is dropped
// altogether. Links keep their target but open in a new tab without the
// page as opener or referrer. No script, form, frame, object or meta
// survives. The result is shown in a sandboxed frame besides.
func mailPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowStandardAttributes()

	// Text structure, as the UGC policy has it.
	p.AllowElements("article", "aside", "figure", "section", "summary", "details",
		"h1", "h2", "h3", "h4", "h5", "h6", "hgroup", "blockquote", "q",
		"br", "div", "hr", "p", "span", "wbr",
		"abbr", "acronym", "cite", "code", "dfn", "em", "figcaption", "mark", "s", "samp",
		"strong", "sub", "sup", "var", "time", "del", "ins",
		"b", "i", "pre", "small", "strike", "tt", "u",
		"bdi", "bdo", "rp", "rt", "ruby")
	p.AllowLists()
	p.AllowTables()

	// Links: only to the web, mail and phone, absolute, marked so that
	// the page they open learns nothing about this one.
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.AllowURLSchemes("http", "https", "mailto", "tel")
	p.AllowAttrs("href").Matching(linkURL).OnElements("a")
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)

	// Pictures only inline: src is the only attribute an <img> may keep,
	// so an <img> whose src points elsewhere has none left and is dropped.
	p.AllowURLSchemeWithCustomPolicy("data", inlineImage)
	p.AllowAttrs("src").Matching(dataImage).OnElements("img")
	return p
}

var (
	// linkURL is the start of a link a mail may keep.
	linkURL = regexp.MustCompile(`(?i)^\s*(https?://|mailto:|tel:)`)
	// dataImage is an inline picture in a format no browser runs code in.
	dataImage = regexp.MustCompile(`(?i)^\s*data:image/(gif|jpeg|png|webp);base64,[a-z0-9+/=\s]+$`)
)

// inlineImage accepts a data: URL that is a picture in base64.
func inlineImage(u *url.URL) bool {
	if u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	mediaType, data, ok := strings.Cut(u.Opaque, ";base64,")
	if !ok {
		return false
	}
	switch strings.ToLower(mediaType) {
	case "image/gif", "image/jpeg", "image/png", "image/webp":
	default:
		return false
	}
	_, err := base64.StdEncoding.DecodeString(data)
	return err == nil
}

// mailDocument is the sanitised HTML of a mail as a document of its own,
// for the sandboxed frame it is shown in.
func (h *Handler) mailDocument(html string) string {
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="nl-BE"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">`)
	b.WriteString(`<base target="_blank"><link rel="stylesheet" href="`)
	b.WriteString(h.static["mail.css"].url)
	b.WriteString(`"><title>Bericht</title></head><body>`)
	b.WriteString(h.mail.Sanitize(html))
	b.WriteString(`</body></html>`)
	return b.String()
}
