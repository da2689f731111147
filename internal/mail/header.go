package mail

import (
	"bytes"
	"strings"
)

// field is one header field: its name in lower case and its value unfolded
// (RFC 5322 section 2.2.3: line breaks before white space removed), raw
// bytes, not yet decoded.
type field struct {
	name  string
	value []byte
}

type header struct {
	fields []field
}

// get returns the first value of the named field (lower case), trimmed, or
// nil.
func (h header) get(name string) []byte {
	for _, f := range h.fields {
		if f.name == name {
			return bytes.TrimSpace(f.value)
		}
	}
	return nil
}

func (h header) has(name string) bool {
	for _, f := range h.fields {
		if f.name == name {
			return true
		}
	}
	return false
}

// values returns every value of the named field, in order.
func (h header) values(name string) [][]byte {
	var vs [][]byte
	for _, f := range h.fields {
		if f.name == name {
			vs = append(vs, bytes.TrimSpace(f.value))
		}
	}
	return vs
}

// text returns the first value of the named field decoded for display
// (RFC 2047 encoded words, 8-bit bytes, white space runs made one space).
func (p *parser) text(h header, name, path string) string {
	v := h.get(name)
	if v == nil {
		return ""
	}
	return p.decodeWords(v, path, name)
}

// readHeader reads the header block at the start of data and returns it with
// the body that follows the blank line. It accepts what mailers produce:
// bare LF line ends, a blank line of white space, and (at the top of a
// message, root) an mbox "From " line. A line that is neither a field nor a
// continuation ends the header: it is the first line of a body whose blank
// separator line is missing.
func (p *parser) readHeader(data []byte, path string, root bool) (header, []byte) {
	var h header
	pos := 0
	first := true
	for pos < len(data) {
		end := bytes.IndexByte(data[pos:], '\n')
		next := len(data)
		if end < 0 {
			end = len(data)
		} else {
			end += pos
			next = end + 1
		}
		line := data[pos:end]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if len(bytes.Trim(line, " \t")) == 0 {
			if root && first {
				pos = next // leading blank lines of an export
				continue
			}
			return h, data[next:]
		}
		switch {
		case first && root && bytes.HasPrefix(line, []byte("From ")):
			// mbox separator line; not part of the message.
		case line[0] == ' ' || line[0] == '\t':
			if len(h.fields) == 0 {
				if root && first {
					return h, data[pos:]
				}
				p.problem(path, "header starts with a continuation line")
				break
			}
			f := &h.fields[len(h.fields)-1]
			f.value = append(f.value, line...)
		default:
			name, value, ok := splitField(line)
			if !ok {
				if len(h.fields) > 0 {
					p.problem(path, "header not followed by a blank line")
				}
				return h, data[pos:]
			}
			h.fields = append(h.fields, field{name: name, value: append([]byte(nil), value...)})
		}
		first = false
		pos = next
	}
	return h, nil
}

// splitField splits "Name: value". The name is printable ASCII without
// colon (RFC 5322 section 3.6.8); white space before the colon, which
// appears in the wild, is allowed.
func splitField(line []byte) (string, []byte, bool) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return "", nil, false
	}
	name := bytes.TrimRight(line[:colon], " \t")
	if len(name) == 0 {
		return "", nil, false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return "", nil, false
		}
	}
	return strings.ToLower(string(name)), line[colon+1:], true
}
