package mail

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
)

// parseParams splits a Content-Type or Content-Disposition value into its
// lower-case main value and its parameters (names lower case, values
// decoded to UTF-8). It implements RFC 2045 section 5.1 and RFC 2231
// (continuations "name*0", "name*1", and charset'language'%XX values), and
// tolerates what mailers write instead: missing or extra semicolons,
// unquoted values with spaces, unterminated quotes, RFC 2047 encoded words
// inside quoted values (Outlook, Thunderbird) and raw 8-bit bytes.
func parseParams(v []byte) (string, map[string]string, []string) {
	var probs []string
	semi := bytes.IndexByte(v, ';')
	head := v
	rest := []byte(nil)
	if semi >= 0 {
		head, rest = v[:semi], v[semi+1:]
	}
	h := bytes.TrimSpace(head)
	// "image/jpeg name=foto.jpg": a parameter without its semicolon.
	if i := bytes.IndexAny(h, " \t"); i >= 0 {
		if bytes.IndexByte(h[i:], '=') >= 0 {
			moved := append([]byte(nil), h[i:]...)
			moved = append(moved, ';')
			rest = append(moved, rest...)
		}
		h = h[:i]
	}
	value := strings.Trim(strings.ToLower(string(h)), `"'`)

	type segment struct {
		value   []byte
		encoded bool
	}
	simple := map[string][]byte{}
	var order []string
	extended := map[string]map[int]segment{}

	for len(rest) > 0 {
		rest = bytes.TrimLeft(rest, " \t\r\n;")
		if len(rest) == 0 {
			break
		}
		eq := bytes.IndexAny(rest, "=;")
		if eq < 0 || rest[eq] == ';' {
			// A bare word without "=": skip it.
			if eq < 0 {
				break
			}
			rest = rest[eq:]
			continue
		}
		name := strings.ToLower(strings.TrimSpace(string(rest[:eq])))
		rest = bytes.TrimLeft(rest[eq+1:], " \t\r\n")
		var val []byte
		if len(rest) > 0 && rest[0] == '"' {
			val, rest = readQuoted(rest[1:])
		} else {
			end := bytes.IndexByte(rest, ';')
			if end < 0 {
				end = len(rest)
			}
			val = bytes.TrimSpace(rest[:end])
			rest = rest[end:]
		}
		if name == "" {
			continue
		}
		if star := strings.IndexByte(name, '*'); star >= 0 {
			base, suffix := name[:star], name[star+1:]
			seg := segment{value: val}
			idx := 0
			if suffix == "" {
				seg.encoded = true
			} else {
				seg.encoded = strings.HasSuffix(suffix, "*")
				n, err := strconv.Atoi(strings.TrimSuffix(suffix, "*"))
				if err != nil || n < 0 || n > 999 {
					continue
				}
				idx = n
			}
			if extended[base] == nil {
				extended[base] = map[int]segment{}
				order = append(order, base)
			}
			if _, dup := extended[base][idx]; !dup {
				extended[base][idx] = seg
			}
			continue
		}
		if _, dup := simple[name]; !dup {
			simple[name] = val
			order = append(order, name)
		}
	}

	params := map[string]string{}
	for _, name := range order {
		if _, done := params[name]; done {
			continue
		}
		if segs, ok := extended[name]; ok {
			idxs := make([]int, 0, len(segs))
			for i := range segs {
				idxs = append(idxs, i)
			}
			sort.Ints(idxs)
			var raw []byte
			cs := ""
			for n, i := range idxs {
				if i != n {
					break // a gap in the continuations
				}
				seg := segs[i]
				b := seg.value
				if seg.encoded {
					if n == 0 {
						cs, b = splitCharsetPrefix(b)
					}
					b = percentDecode(b)
				}
				raw = append(raw, b...)
			}
			var s, problem string
			if cs == "" {
				s, _ = decodeMixed(raw)
				if bytes.Contains(raw, []byte("=?")) {
					s, _ = decodeWords([]byte(s))
				}
			} else {
				s, problem = decodeCharset(cs, raw)
			}
			if problem != "" {
				probs = append(probs, "parameter "+name+": "+problem)
			}
			params[name] = s
			continue
		}
		raw := simple[name]
		if bytes.Contains(raw, []byte("=?")) {
			s, ps := decodeWords(raw)
			params[name] = s
			for _, pr := range ps {
				probs = append(probs, "parameter "+name+": "+pr)
			}
			continue
		}
		s, _ := decodeMixed(raw)
		params[name] = s
	}
	return value, params, probs
}

// readQuoted reads a quoted string after its opening quote, undoing
// backslash escapes; an unterminated string runs to the end.
func readQuoted(b []byte) (val, rest []byte) {
	var out []byte
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\\':
			if i+1 < len(b) {
				i++
				// Windows paths in file names ("C:\dir\a.pdf") are
				// written with single backslashes: keep them.
				if b[i] != '"' && b[i] != '\\' {
					out = append(out, '\\')
				}
			}
			out = append(out, b[i])
		case '"':
			return out, b[i+1:]
		case '\r', '\n':
			// folding inside a quoted string
		default:
			out = append(out, b[i])
		}
	}
	return out, nil
}

// splitCharsetPrefix splits "charset'language'value" (RFC 2231 section 4).
func splitCharsetPrefix(b []byte) (string, []byte) {
	first := bytes.IndexByte(b, '\'')
	if first < 0 {
		return "", b
	}
	cs := string(b[:first])
	b = b[first+1:]
	if second := bytes.IndexByte(b, '\''); second >= 0 {
		b = b[second+1:]
	}
	return cs, b
}

func percentDecode(b []byte) []byte {
	if bytes.IndexByte(b, '%') < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '%' && i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]) {
			out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
			continue
		}
		out = append(out, b[i])
	}
	return out
}
