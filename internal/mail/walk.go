package mail

import (
	"strings"
	"unicode/utf8"
)

// content is what a part contributes to the body.
type content struct {
	text   string // readable text, derived from HTML when there was no text/plain
	native bool   // text came from a text/plain part
	html   string
}

// walkCtx is what a part inherits from the parts around it.
type walkCtx struct {
	fromMessage string // Name of the attached message being unpacked
	inRelated   bool   // a resource of multipart/related
}

// walk visits an entity and its children, returns the body they make up
// and records the attachments they hold. The rules (package doc):
// text/plain is preferred, HTML is kept and converted to text where no
// text/plain exists, and every part that is not body text is an attachment.
func (p *parser) walk(e *entity, depth int, ctx walkCtx) content {
	p.parts++
	if p.parts > maxParts {
		if p.parts == maxParts+1 {
			p.problem(e.path, "more than %d parts; the rest is only in the raw message", maxParts)
		}
		return content{}
	}
	typ, _, _ := strings.Cut(e.mediaType, "/")
	switch {
	case typ == "multipart":
		if depth >= maxDepth {
			p.problem(e.path, "nested too deep; kept as an attachment")
			p.attach(e, ctx)
			return content{}
		}
		return p.multipart(e, depth, ctx)
	case e.mediaType == "message/rfc822" || e.mediaType == "message/global":
		if depth < maxDepth {
			return p.attachedMessage(e, depth, ctx)
		}
		p.problem(e.path, "attached message nested too deep; kept as an attachment")
	case e.isBodyText():
		return p.bodyText(e, ctx)
	}
	p.attach(e, ctx)
	return content{}
}

// multipart walks the children of a multipart entity.
func (p *parser) multipart(e *entity, depth int, ctx walkCtx) content {
	sub := strings.TrimPrefix(e.mediaType, "multipart/")
	boundary := e.params["boundary"]
	var parts [][]byte
	found, closed := false, false
	if boundary != "" {
		parts, found, closed = splitMultipart(e.body, boundary)
	}
	if !found {
		if guess := guessBoundary(e.body); guess != "" {
			if boundary == "" {
				p.problem(e.path, "multipart without boundary; boundary guessed from the body")
			} else {
				p.problem(e.path, "boundary of the Content-Type never occurs; boundary guessed from the body")
			}
			parts, found, closed = splitMultipart(e.body, guess)
		}
	}
	if !found {
		p.problem(e.path, "multipart/%s has no parts; body read as text", sub)
		e.mediaType = "text/plain"
		return p.walk(e, depth+1, ctx)
	}
	if !closed {
		p.problem(e.path, "multipart/%s misses its closing boundary; read to the end", sub)
	}

	defaultType := "text/plain"
	if sub == "digest" {
		defaultType = "message/rfc822"
	}
	children := make([]*entity, 0, len(parts))
	for i, b := range parts {
		children = append(children, p.entity(b, childPath(e.path, i), defaultType, false))
	}
	if len(children) == 0 {
		return content{}
	}

	switch sub {
	case "alternative":
		// RFC 2046 section 5.1.4: the alternatives are in increasing order
		// of preference; still, text/plain is what this package prefers.
		var best content
		for _, c := range children {
			r := p.walk(c, depth+1, ctx)
			if r.text != "" && (r.native || !best.native) {
				best.text, best.native = r.text, r.native
			}
			if r.html != "" {
				best.html = r.html
			}
		}
		return best

	case "related":
		// RFC 2387: the root is named by the start parameter, else first.
		root := 0
		if start := strings.Trim(e.params["start"], "<> "); start != "" {
			for i, c := range children {
				if c.contentID() == start {
					root = i
				}
			}
		}
		var all []content
		all = append(all, p.walk(children[root], depth+1, ctx))
		resCtx := ctx
		resCtx.inRelated = true
		for i, c := range children {
			if i == root {
				continue
			}
			if strings.HasPrefix(c.mediaType, "multipart/") {
				all = append(all, p.walk(c, depth+1, resCtx))
				continue
			}
			p.attach(c, resCtx)
		}
		return merge(all)

	case "signed":
		// RFC 1847 section 2.1: the first part is the signed content, the
		// second the signature, kept as an attachment.
		all := []content{p.walk(children[0], depth+1, ctx)}
		for _, c := range children[1:] {
			p.attach(c, ctx)
		}
		return merge(all)

	case "encrypted":
		p.problem(e.path, "encrypted message (multipart/encrypted); kept as attachments, not decrypted")
		for _, c := range children {
			p.attach(c, ctx)
		}
		return content{}

	case "report":
		if ctx.fromMessage == "" && p.reportType == "" {
			p.reportType = strings.ToLower(e.params["report-type"])
			if p.reportType == "" {
				p.reportType = "unknown"
			}
		}
	}

	// mixed, report, digest, parallel and unknown subtypes (RFC 2046
	// section 5.1.7: read as mixed).
	var all []content
	for _, c := range children {
		if c.mediaType == "message/delivery-status" || c.mediaType == "message/global-delivery-status" {
			if ctx.fromMessage == "" {
				p.dsnActions = append(p.dsnActions, dsnActions(p.decodeTransfer(c, 1<<20))...)
			}
		}
		all = append(all, p.walk(c, depth+1, ctx))
	}
	return merge(all)
}

// merge joins the contributions of consecutive parts (multipart/mixed).
func merge(all []content) content {
	var texts, htmls []string
	var m content
	for _, c := range all {
		if c.text != "" {
			texts = append(texts, c.text)
		}
		if c.html != "" {
			htmls = append(htmls, c.html)
		}
		m.native = m.native || c.native
	}
	m.text = joinParagraphs(texts)
	m.html = strings.Join(htmls, "\n")
	return m
}

// bodyText decodes a text/plain or text/html body part.
func (p *parser) bodyText(e *entity, ctx walkCtx) content {
	if p.bodyBudget <= 0 {
		p.bodySkipped = true
		p.attach(e, ctx)
		return content{}
	}
	// A part never needs more than MaxBodyBytes (and a little more, so the
	// cut is noticed); four bytes in give at least one byte out in every
	// charset, so this much input fills it.
	partCap := min(p.bodyBudget, p.opts.maxBody()+4)
	limit := 4*partCap + 4
	raw := p.decodeTransfer(e, limit)
	cut := len(raw) >= limit
	if cut {
		raw = trimPartialUTF8(raw[:limit])
	}
	label := e.params["charset"]
	if e.mediaType == "text/html" && label == "" && !utf8.Valid(raw) {
		label = sniffHTMLCharset(raw)
	}
	s, problem := decodeCharset(label, raw)
	if problem != "" {
		p.problem(e.path, "%s", problem)
	}
	if len(s) > partCap {
		s, _ = truncateUTF8(s, partCap)
	}
	p.bodyBudget -= len(s)

	if e.mediaType == "text/html" {
		return content{text: htmlToText(s), html: s}
	}
	s = normaliseNewlines(s)
	if strings.EqualFold(e.params["format"], "flowed") {
		s = unflow(s, strings.EqualFold(e.params["delsp"], "yes"))
	}
	return content{text: strings.Trim(s, "\n"), native: true}
}

// trimPartialUTF8 drops an incomplete UTF-8 sequence at the end of b, left
// there by cutting b at a byte limit.
func trimPartialUTF8(b []byte) []byte {
	for i := 1; i <= 3 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return b
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			return b
		}
	}
	return b
}

// normaliseNewlines makes every line end "\n".
func normaliseNewlines(s string) string {
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}
