package mail

import (
	"bytes"
	"strings"
)

// decodeTransfer undoes the Content-Transfer-Encoding of a part body (RFC
// 2045 section 6). limit < 0 means no limit; otherwise decoding may stop
// once limit bytes are out (the result can be a little longer). Unencoded
// bodies are returned as a sub-slice of body, without copying.
func (p *parser) decodeTransfer(e *entity, limit int) []byte {
	cte := strings.ToLower(strings.TrimSpace(string(e.hdr.get("content-transfer-encoding"))))
	if i := strings.IndexAny(cte, " \t;("); i >= 0 {
		cte = cte[:i]
	}
	cte = strings.Trim(cte, `"'`)
	switch cte {
	case "", "7bit", "8bit", "binary", "7-bit", "8-bit", "none":
		if limit >= 0 && len(e.body) > limit {
			return e.body[:limit]
		}
		return e.body
	case "base64", "x-base64":
		out, bad := decodeBase64(e.body, limit)
		if bad > 0 {
			p.problem(e.path, "base64 body has %d bytes that are not base64; skipped", bad)
		}
		return out
	case "quoted-printable", "x-quoted-printable", "qp":
		out, bad := decodeQP(e.body, limit)
		if bad > 0 {
			p.problem(e.path, "quoted-printable body has %d malformed escapes; kept as written", bad)
		}
		return out
	}
	p.problem(e.path, "unknown Content-Transfer-Encoding %s; body kept as it is", quoteLabel(cte))
	if limit >= 0 && len(e.body) > limit {
		return e.body[:limit]
	}
	return e.body
}

// base64Value maps a byte to its 6-bit value; 0xFE marks white space,
// skipped silently, 0xFD padding, 0xFF bytes that should not be there.
var base64Value = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for i, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" {
		t[c] = byte(i)
	}
	for _, c := range " \t\r\n\f\v" {
		t[c] = 0xFE
	}
	t['='] = 0xFD
	return t
}()

// decodeBase64 decodes base64 leniently: white space anywhere, missing
// padding and stray bytes are tolerated, and padding ends a quantum, so
// base64 pieces glued together decode as such. It returns the number of
// stray bytes skipped.
func decodeBase64(src []byte, limit int) ([]byte, int) {
	n := len(src)/4*3 + 3
	if limit >= 0 && n > limit+3 {
		n = limit + 3
	}
	out := make([]byte, 0, n)
	var acc uint32
	k, bad := 0, 0
	for _, c := range src {
		v := base64Value[c]
		if v == 0xFE {
			continue
		}
		if v == 0xFD {
			out = appendPartial(out, acc, k)
			acc, k = 0, 0
			continue
		}
		if v == 0xFF {
			bad++
			continue
		}
		acc = acc<<6 | uint32(v)
		k++
		if k == 4 {
			out = append(out, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, k = 0, 0
			if limit >= 0 && len(out) >= limit {
				return out, bad
			}
		}
	}
	return appendPartial(out, acc, k), bad
}

// appendPartial appends the bytes of an incomplete quantum of k sextets.
func appendPartial(out []byte, acc uint32, k int) []byte {
	switch k {
	case 2:
		out = append(out, byte(acc>>4))
	case 3:
		out = append(out, byte(acc>>10), byte(acc>>2))
	}
	return out
}

// decodeQP decodes quoted-printable (RFC 2045 section 6.7) leniently: white
// space at line ends is dropped, "=" at a line end joins lines, hard line
// breaks become CRLF, hex digits may be lower case, and an "=" that starts
// no valid escape stays as it is (counted as bad).
func decodeQP(src []byte, limit int) ([]byte, int) {
	n := len(src)
	if limit >= 0 && n > limit+2 {
		n = limit + 2
	}
	out := make([]byte, 0, n)
	bad := 0
	for len(src) > 0 {
		var line []byte
		hardBreak := false
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
			hardBreak = true
		} else {
			line, src = src, nil
		}
		line = bytes.TrimRight(line, " \t\r")
		if n := len(line); n > 0 && line[n-1] == '=' {
			line = line[:n-1]
			hardBreak = false
		}
		for i := 0; i < len(line); i++ {
			c := line[i]
			if c == '=' {
				if i+2 < len(line) && isHex(line[i+1]) && isHex(line[i+2]) {
					out = append(out, unhex(line[i+1])<<4|unhex(line[i+2]))
					i += 2
					continue
				}
				bad++
			}
			out = append(out, c)
		}
		if hardBreak {
			out = append(out, '\r', '\n')
		}
		if limit >= 0 && len(out) >= limit {
			break
		}
	}
	return out, bad
}
