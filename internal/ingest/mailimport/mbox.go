package mailimport

import (
	"bufio"
	"bytes"
	"io"
)

// readBufferSize is the bufio buffer for mbox and message files. Lines
// longer than this (a base64 attachment without line breaks) are read in
// pieces; only the start of a line decides whether it is a From_ line.
const readBufferSize = 64 << 10

// message is one message as a source found it, in its canonical form (see
// canonical).
type message struct {
	// Offset is the byte offset of the message in its file: of its From_
	// line in an mbox, 0 for a file of its own.
	Offset int64
	// Raw is the message, or only its header when Truncated.
	Raw []byte
	// Size is the size of the whole message.
	Size      int64
	Truncated bool
}

// mboxReader splits an mbox stream into messages without reading it whole.
//
// A message starts at a line beginning with "From " that is the first line
// of the stream or follows an empty line; the From_ line itself is not part
// of the message, and neither is the empty line before the next From_ line
// (or at the end of the stream), which every mbox writer adds. Lines
// matching ^>+From  lose one '>' (mboxrd, which also reads mboxo files
// correctly unless a body line really started with ">From "). Lines may
// end in LF or CRLF, mixed too. Content before the first From_ line, if
// any, is a message at offset 0.
type mboxReader struct {
	r     *bufio.Reader
	limit int64

	off       int64 // offset of the next byte to read
	lineStart bool  // the next byte starts a line
	prevBlank bool  // the last complete line was empty
	skipLine  bool  // the rest of the current line belongs to a From_ line
	eof       bool

	// The message being read.
	open    bool // a From_ line or content was seen
	start   int64
	acc     accumulator
	pending []byte // an empty line held back: it may be the separator
}

func newMboxReader(r *bufio.Reader, limit int64) *mboxReader {
	return &mboxReader{r: r, limit: limit, lineStart: true, acc: accumulator{limit: limit}}
}

// Next returns the next message, or io.EOF after the last. A read error
// ends the stream: Next returns it, and io.EOF after it.
func (m *mboxReader) Next() (message, error) {
	for !m.eof {
		frag, err := m.r.ReadSlice('\n')
		fragOff := m.off
		m.off += int64(len(frag))
		full := err != bufio.ErrBufferFull // frag ends its line (or the stream)
		if err != nil && err != bufio.ErrBufferFull && err != io.EOF {
			m.eof, m.open = true, false // the message read so far may be cut anywhere
			return message{}, err
		}
		if err == io.EOF {
			m.eof = true
		}
		if len(frag) == 0 {
			continue
		}

		if !m.lineStart {
			if !m.skipLine {
				m.acc.add(frag)
			}
			m.lineStart = full
			continue
		}
		m.lineStart = full
		m.skipLine = false
		if bytes.HasPrefix(frag, fromPrefix) && (m.prevBlank || fragOff == 0) {
			m.prevBlank = false
			m.skipLine = !full
			done, ok := m.finish()
			m.open, m.start = true, fragOff
			if ok {
				return done, nil
			}
			continue
		}
		blank := full && isBlankLine(frag)
		m.prevBlank = blank
		m.flushPending()
		if blank {
			m.pending = append(m.pending, frag...)
			continue
		}
		if isQuotedFrom(frag) {
			frag = frag[1:]
		}
		m.open = true
		m.acc.add(frag)
	}
	if done, ok := m.finish(); ok {
		return done, nil
	}
	return message{}, io.EOF
}

// flushPending adds a held-back empty line to the message: it was not the
// separator after all.
func (m *mboxReader) flushPending() {
	if len(m.pending) > 0 {
		m.open = true
		m.acc.add(m.pending)
		m.pending = m.pending[:0]
	}
}

// finish ends the message being read, dropping a held-back empty line, and
// reports whether there was one.
func (m *mboxReader) finish() (message, bool) {
	m.pending = m.pending[:0]
	if !m.open {
		return message{}, false
	}
	msg := m.acc.message(m.start)
	m.open = false
	m.acc = accumulator{limit: m.limit}
	return msg, true
}

var fromPrefix = []byte("From ")

func isBlankLine(line []byte) bool {
	return string(line) == "\n" || string(line) == "\r\n"
}

// isQuotedFrom reports whether line matches ^>+From .
func isQuotedFrom(line []byte) bool {
	rest := bytes.TrimLeft(line, ">")
	return len(rest) < len(line) && bytes.HasPrefix(rest, fromPrefix)
}

// accumulator collects the bytes of one message up to a size limit; past
// it, only the header is kept and the rest is counted.
type accumulator struct {
	limit     int64
	raw       []byte
	size      int64
	last      byte
	truncated bool
}

func (a *accumulator) add(p []byte) {
	if len(p) == 0 {
		return
	}
	a.size += int64(len(p))
	a.last = p[len(p)-1]
	if a.truncated {
		return
	}
	a.raw = append(a.raw, p...)
	if int64(len(a.raw)) > a.limit {
		a.raw = bytes.Clone(headerOnly(a.raw[:a.limit]))
		a.truncated = true
	}
}

func (a *accumulator) message(offset int64) message {
	return canonical(message{Offset: offset, Raw: a.raw, Size: a.size, Truncated: a.truncated}, a.last)
}

// canonical makes a message end with a line ending, in the style of its
// first line, unless it is empty. Some writers end a file without one and
// every mbox writer must add one; with this rule, the same message read
// from an mbox, a Maildir or an .eml file has the same bytes, so that even
// a message identified by its raw bytes (one that cannot be parsed) gets
// the same event id. last is the message's last byte.
func canonical(m message, last byte) message {
	if m.Size == 0 || last == '\n' {
		return m
	}
	eol := lineEnding(m.Raw)
	m.Size += int64(len(eol))
	if !m.Truncated {
		m.Raw = append(m.Raw, eol...)
	}
	return m
}

// lineEnding is the line ending of raw's first line: CRLF or LF.
func lineEnding(raw []byte) string {
	if i := bytes.IndexByte(raw, '\n'); i > 0 && raw[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// headerOnly returns the header of raw: everything up to and including the
// first empty line (LF or CRLF), or all of raw if it has none.
func headerOnly(raw []byte) []byte {
	for i := 0; i < len(raw); {
		j := bytes.IndexByte(raw[i:], '\n')
		if j < 0 {
			break
		}
		line := raw[i : i+j+1]
		if isBlankLine(line) {
			return raw[:i+j+1]
		}
		i += j + 1
	}
	return raw
}

// readHeader reads the header of a message from r, as headerOnly cuts it
// from the first limit bytes, without reading further than that.
func readHeader(r *bufio.Reader, limit int64) ([]byte, error) {
	var raw []byte
	lineStart := true
	for int64(len(raw)) < limit {
		frag, err := r.ReadSlice('\n')
		raw = append(raw, frag...)
		if err == io.EOF || (lineStart && err == nil && isBlankLine(frag)) {
			break
		}
		if err != nil && err != bufio.ErrBufferFull {
			return nil, err
		}
		lineStart = err == nil
	}
	return headerOnly(raw[:min(int64(len(raw)), limit)]), nil
}
