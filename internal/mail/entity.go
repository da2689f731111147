package mail

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// entity is one MIME entity: a whole message or one part of a multipart.
type entity struct {
	path       string // IMAP-style part number, "" for the message itself
	hdr        header
	body       []byte // the body as transferred (still encoded), a sub-slice of the input
	mediaType  string // "type/subtype", lower case
	params     map[string]string
	disp       string // "inline", "attachment" or "" (lower case)
	dispParams map[string]string
}

// entity reads the header of data and what its Content-Type and
// Content-Disposition say. defaultType applies when there is no
// Content-Type (text/plain; message/rfc822 inside multipart/digest).
func (p *parser) entity(data []byte, path, defaultType string, root bool) *entity {
	e := &entity{path: path}
	e.hdr, e.body = p.readHeader(data, path, root)
	e.mediaType, e.params = p.contentType(e.hdr, path, defaultType)
	if v := e.hdr.get("content-disposition"); v != nil {
		disp, params, probs := parseParams(v)
		for _, pr := range probs {
			p.problem(path, "Content-Disposition %s", pr)
		}
		switch disp {
		case "inline", "attachment":
			e.disp = disp
		default:
			// RFC 2183 section 2.8: an unknown disposition is an attachment.
			e.disp = "attachment"
		}
		e.dispParams = params
	}
	return e
}

// contentType parses the Content-Type of h. A missing one is defaultType;
// a malformed one is text/plain, as RFC 2045 section 5.2 says, unless its
// first word is clearly a multipart or message type.
func (p *parser) contentType(h header, path, defaultType string) (string, map[string]string) {
	v := h.get("content-type")
	if v == nil {
		return defaultType, map[string]string{}
	}
	mt, params, probs := parseParams(v)
	for _, pr := range probs {
		p.problem(path, "Content-Type %s", pr)
	}
	typ, sub, ok := strings.Cut(mt, "/")
	if !ok || typ == "" || sub == "" || !isToken(typ) || !isToken(sub) {
		switch {
		case strings.HasPrefix(mt, "multipart"):
			mt = "multipart/mixed"
		case mt == "text" || mt == "":
			mt = "text/plain"
		default:
			p.problem(path, "malformed Content-Type; read as text/plain")
			mt = "text/plain"
		}
	}
	return mt, params
}

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}

// fileName is the name the sender gave the part: Content-Disposition's
// filename, else Content-Type's name (RFC 2183, RFC 2045), without any
// directory.
func (e *entity) fileName() string {
	name := e.dispParams["filename"]
	if strings.TrimSpace(name) == "" {
		name = e.params["name"]
	}
	return cleanFileName(name)
}

// cleanFileName keeps the last element of a path ("C:\Users\els\foto.jpg"
// gives "foto.jpg") and drops control characters.
func cleanFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	return norm.NFC.String(strings.TrimSpace(name))
}

// contentID is the Content-ID without angle brackets or white space.
func (e *entity) contentID() string {
	v := e.hdr.get("content-id")
	if v == nil {
		return ""
	}
	s, _ := decodeMixed(v)
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "<")
	if i := strings.IndexByte(s, '>'); i >= 0 {
		s = s[:i]
	}
	return strings.Join(strings.Fields(s), "")
}

// isBodyText reports whether a text/plain or text/html part belongs to the
// body rather than being an attached file: not marked as attachment and
// without a file name.
func (e *entity) isBodyText() bool {
	if e.mediaType != "text/plain" && e.mediaType != "text/html" {
		return false
	}
	return e.disp != "attachment" && e.fileName() == ""
}
