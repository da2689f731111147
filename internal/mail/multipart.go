package mail

import (
	"bytes"
)

// splitMultipart cuts a multipart body into its parts (RFC 2046 section
// 5.1.1) without copying. A delimiter is a line that starts with "--"
// boundary, optionally followed by "--" (the close delimiter) and white
// space; CRLF and bare LF line ends are both accepted, even mixed. The line
// break before a delimiter belongs to the delimiter. found is false when no
// delimiter occurs at all; closed is false when the close delimiter is
// missing, in which case the last part runs to the end of the body.
func splitMultipart(body []byte, boundary string) (parts [][]byte, found, closed bool) {
	delim := []byte("--" + boundary)
	start := -1 // start of the current part, -1 before the first delimiter
	pos := 0
	for pos < len(body) {
		i := bytes.Index(body[pos:], delim)
		if i < 0 {
			break
		}
		at := pos + i
		pos = at + len(delim)
		if at > 0 && body[at-1] != '\n' {
			continue // not at the start of a line
		}
		rest := body[at+len(delim):]
		isClose := bytes.HasPrefix(rest, []byte("--"))
		if isClose {
			rest = rest[2:]
		}
		lineEnd, ok := restOfDelimiterLine(rest)
		if !ok {
			continue // "--boundary" is only the prefix of something longer
		}
		if start >= 0 {
			parts = append(parts, body[start:trimLineBreak(body, at, start)])
		}
		found = true
		if isClose {
			return parts, true, true
		}
		start = at + len(delim) + lineEnd
		pos = start
	}
	if start >= 0 && start <= len(body) {
		parts = append(parts, body[start:])
	}
	return parts, found, false
}

// restOfDelimiterLine checks that only white space follows a delimiter up to
// the end of the line and returns the length of that rest, line break
// included.
func restOfDelimiterLine(rest []byte) (int, bool) {
	for i, c := range rest {
		switch c {
		case ' ', '\t', '\r':
		case '\n':
			return i + 1, true
		default:
			return 0, false
		}
	}
	return len(rest), true
}

// trimLineBreak returns the end of a part that a delimiter at position at
// follows: the CRLF or LF before the delimiter is not part of the content.
func trimLineBreak(body []byte, at, start int) int {
	end := at
	if end > start && body[end-1] == '\n' {
		end--
		if end > start && body[end-1] == '\r' {
			end--
		}
	}
	return end
}

// guessBoundary finds a boundary for a multipart body whose Content-Type
// has none, or whose boundary never occurs: the first line that starts with
// "--" and is followed later by the same line. Only the first few such
// lines are tried, so a hostile body costs a few scans, not one per line.
func guessBoundary(body []byte) string {
	pos, tries := 0, 0
	for pos < len(body) && tries < 10 {
		end := bytes.IndexByte(body[pos:], '\n')
		var line []byte
		if end < 0 {
			line = body[pos:]
			end = len(body)
		} else {
			line = body[pos : pos+end]
			end = pos + end + 1
		}
		line = bytes.TrimRight(line, " \t\r")
		if len(line) > 2 && len(line) <= 72 && bytes.HasPrefix(line, []byte("--")) {
			tries++
			b := line[2:]
			if bytes.Contains(body[end:], append([]byte("\n--"), b...)) {
				return string(b)
			}
		}
		pos = end
	}
	return ""
}
