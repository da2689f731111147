package mail

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// attach records a part as an attachment, and unpacks what it can: a
// winmail.dat gives its files, a calendar invitation a summary.
func (p *parser) attach(e *entity, ctx walkCtx) {
	if p.full() {
		return
	}
	data := p.decodeTransfer(e, -1)
	name := e.fileName()
	if name == "" {
		name = defaultName(e.mediaType, e.path)
	}
	p.add(Attachment{
		Name:        name,
		ContentType: e.mediaType,
		ContentID:   e.contentID(),
		Inline:      e.disp == "inline" || e.disp == "" && ctx.inRelated,
		Data:        data,
		FromMessage: ctx.fromMessage,
	})
	switch {
	case isTNEF(e.mediaType, name, data):
		p.unpackTNEF(data, e.path, ctx)
	case e.mediaType == "application/pkcs7-mime" || e.mediaType == "application/x-pkcs7-mime":
		// RFC 8551 section 3.2: enveloped (encrypted) or opaque-signed
		// content. Unpacking it needs the recipient's key or a CMS parser;
		// the registry keeps the file.
		kind := strings.ToLower(e.params["smime-type"])
		if kind == "" {
			kind = "unknown"
		}
		p.problem(e.path, "S/MIME %s content (%s) kept as an attachment, not unpacked", kind, e.mediaType)
	case e.mediaType == "text/calendar":
		if s := summariseCalendar(data, e.params["charset"]); s != "" {
			p.calendars = append(p.calendars, s)
		}
	}
}

// full reports (once, as a problem) that no more attachments fit.
func (p *parser) full() bool {
	if len(p.attachments) < maxAttachments {
		return false
	}
	if !p.attachmentsCut {
		p.attachmentsCut = true
		p.problem("", "more than %d attachments; the rest are only in the raw message", maxAttachments)
	}
	return true
}

// add appends an attachment with its size and SHA-256.
func (p *parser) add(a Attachment) {
	if p.full() {
		return
	}
	sum := sha256.Sum256(a.Data)
	a.SHA256 = hex.EncodeToString(sum[:])
	a.Size = int64(len(a.Data))
	a.Name = sanitize(a.Name)
	a.FromMessage = sanitize(a.FromMessage)
	p.attachments = append(p.attachments, a)
}

// attachedMessage handles a message/rfc822 part (a forwarded message, or
// the original returned in a bounce): the message itself is an attachment,
// its files are attachments with FromMessage set, and its text comes back
// under a short header block to be appended to the body.
func (p *parser) attachedMessage(e *entity, depth int, ctx walkCtx) content {
	data := p.decodeTransfer(e, -1)
	nested := p.entity(data, e.path, "text/plain", true)
	subject := p.text(nested.hdr, "subject", e.path)
	name := e.fileName()
	if name == "" {
		name = messageFileName(subject)
	}
	if !p.full() {
		p.add(Attachment{
			Name:        name,
			ContentType: e.mediaType,
			ContentID:   e.contentID(),
			Inline:      e.disp == "inline",
			Data:        data,
			FromMessage: ctx.fromMessage,
		})
	}
	c := p.walk(nested, depth+1, walkCtx{fromMessage: name})

	var b strings.Builder
	b.WriteString("---------- Attached message ----------\n")
	line := func(label, value string) {
		if value != "" {
			b.WriteString(label + ": " + value + "\n")
		}
	}
	line("From", formatParties(p.addresses(nested.hdr, "from", e.path)))
	line("Date", p.text(nested.hdr, "date", e.path))
	line("Subject", subject)
	line("To", formatParties(p.addresses(nested.hdr, "to", e.path)))
	line("Cc", formatParties(p.addresses(nested.hdr, "cc", e.path)))
	if c.text != "" {
		b.WriteString("\n" + c.text)
	}
	return content{text: strings.TrimRight(b.String(), "\n")}
}

// messageFileName makes a file name for an attached message from its
// subject.
func messageFileName(subject string) string {
	name := strings.Map(func(r rune) rune {
		switch r {
		case '/', '\\', ':', '*', '?', '"', '<', '>', '|':
			return '_'
		}
		return r
	}, subject)
	name = strings.TrimSpace(name)
	if n := []rune(name); len(n) > 100 {
		name = strings.TrimSpace(string(n[:100]))
	}
	if name == "" {
		name = "message"
	}
	return name + ".eml"
}

// defaultName makes a file name for a part that has none.
func defaultName(mediaType, path string) string {
	switch mediaType {
	case "text/calendar":
		return "invite.ics"
	case "application/pkcs7-signature", "application/x-pkcs7-signature":
		return "smime.p7s"
	case "application/pkcs7-mime", "application/x-pkcs7-mime":
		return "smime.p7m"
	case "application/pgp-signature":
		return "signature.asc"
	case "application/pgp-encrypted":
		return "pgp-version.txt"
	case "message/delivery-status", "message/global-delivery-status":
		return "delivery-status.txt"
	case "message/disposition-notification":
		return "disposition-notification.txt"
	case "text/rfc822-headers", "message/global-headers":
		return "rfc822-headers.txt"
	case "application/ms-tnef", "application/vnd.ms-tnef":
		return "winmail.dat"
	}
	if path == "" {
		path = "1"
	}
	return "part-" + path + extensionOf(mediaType)
}

// mediaTypes maps common types to their usual extension and back. It is a
// fixed table so that names do not depend on the machine's mime.types.
var mediaTypes = [][2]string{
	{"application/pdf", ".pdf"},
	{"image/jpeg", ".jpg"},
	{"image/jpeg", ".jpeg"},
	{"image/png", ".png"},
	{"image/gif", ".gif"},
	{"image/bmp", ".bmp"},
	{"image/tiff", ".tif"},
	{"image/tiff", ".tiff"},
	{"image/webp", ".webp"},
	{"image/heic", ".heic"},
	{"image/svg+xml", ".svg"},
	{"text/plain", ".txt"},
	{"text/html", ".html"},
	{"text/html", ".htm"},
	{"text/csv", ".csv"},
	{"text/calendar", ".ics"},
	{"text/vcard", ".vcf"},
	{"text/x-vcard", ".vcf"},
	{"text/rtf", ".rtf"},
	{"application/rtf", ".rtf"},
	{"message/rfc822", ".eml"},
	{"application/vnd.ms-outlook", ".msg"},
	{"application/zip", ".zip"},
	{"application/msword", ".doc"},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"},
	{"application/vnd.ms-excel", ".xls"},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"},
	{"application/vnd.ms-powerpoint", ".ppt"},
	{"application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"},
	{"application/vnd.oasis.opendocument.text", ".odt"},
	{"application/vnd.oasis.opendocument.spreadsheet", ".ods"},
	{"application/xml", ".xml"},
	{"application/json", ".json"},
	{"audio/mpeg", ".mp3"},
	{"video/mp4", ".mp4"},
	{"application/ms-tnef", ".dat"},
	{"application/octet-stream", ".bin"},
}

func extensionOf(mediaType string) string {
	for _, m := range mediaTypes {
		if m[0] == mediaType {
			return m[1]
		}
	}
	return ""
}

// typeByName guesses a media type from a file name's extension.
func typeByName(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return "application/octet-stream"
	}
	ext := strings.ToLower(name[i:])
	for _, m := range mediaTypes {
		if m[1] == ext && ext != ".dat" && ext != ".bin" {
			return m[0]
		}
	}
	return "application/octet-stream"
}
