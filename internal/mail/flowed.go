package mail

import (
	"strings"
)

// unflow undoes format=flowed (RFC 3676 section 4): a line ending in a
// space continues on the next line of the same quote depth; space-stuffing
// is removed; with DelSp=yes the trailing space itself is deleted. The
// signature separator "-- " is never flowed. Quoted lines are written back
// with "> " per level.
func unflow(s string, delSp bool) string {
	lines := strings.Split(s, "\n")
	var out []string
	var cur strings.Builder
	curDepth := -1
	open := false // cur holds a flowed line waiting for its continuation
	emit := func() {
		if curDepth < 0 {
			return
		}
		prefix := ""
		if curDepth > 0 {
			prefix = strings.Repeat(">", curDepth) + " "
		}
		out = append(out, prefix+cur.String())
		cur.Reset()
		curDepth = -1
		open = false
	}
	for _, line := range lines {
		depth := 0
		for depth < len(line) && line[depth] == '>' {
			depth++
		}
		text := line[depth:]
		if strings.HasPrefix(text, " ") {
			text = text[1:] // space-stuffing, or the space after ">"
		}
		flowed := strings.HasSuffix(text, " ") && text != "-- "
		if open && depth != curDepth {
			emit()
		}
		if !open {
			emit()
			curDepth = depth
		}
		if flowed && delSp {
			text = text[:len(text)-1]
		}
		cur.WriteString(text)
		open = flowed
		if !flowed {
			emit()
		}
	}
	emit()
	return strings.Join(out, "\n")
}
