package mailimport

import (
	"bufio"
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"
)

// split reads every message of the mbox in data.
func split(t testing.TB, data []byte, limit int64) []message {
	t.Helper()
	mr := newMboxReader(bufio.NewReaderSize(bytes.NewReader(data), readBufferSize), limit)
	var got []message
	for {
		m, err := mr.Next()
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		got = append(got, m)
		if len(got) > len(data)+1 {
			t.Fatalf("more messages than bytes: the reader does not advance")
		}
	}
}

func raws(ms []message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m.Raw)
	}
	return out
}

func TestMboxSplit(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("A", 3*readBufferSize)
	tests := []struct {
		name    string
		mbox    string
		want    []string
		offsets []int64
	}{
		{
			name:    "lf",
			mbox:    "From a@example.org Mon Dec  7 10:00:00 2026\nSubject: 1\n\nbody 1\n\nFrom b@example.org Mon Dec  7 11:00:00 2026\nSubject: 2\n\nbody 2\n\n",
			want:    []string{"Subject: 1\n\nbody 1\n", "Subject: 2\n\nbody 2\n"},
			offsets: []int64{0, 64},
		},
		{
			name: "crlf",
			mbox: "From a Mon Dec  7 10:00:00 2026\r\nSubject: 1\r\n\r\nbody 1\r\n\r\nFrom b Mon Dec  7 11:00:00 2026\r\nSubject: 2\r\n\r\nbody 2\r\n\r\n",
			want: []string{"Subject: 1\r\n\r\nbody 1\r\n", "Subject: 2\r\n\r\nbody 2\r\n"},
		},
		{
			name: "mboxrd quoting undone",
			mbox: "From a\nSubject: 1\n\n>From here on\n>>From there\n> From not quoted\n>Fromage\n\nFrom b\nSubject: 2\n\n",
			want: []string{"Subject: 1\n\nFrom here on\n>From there\n> From not quoted\n>Fromage\n", "Subject: 2\n"},
		},
		{
			name: "From line without empty line before it is body text",
			mbox: "From a\nSubject: 1\n\nline\nFrom the town hall\n",
			want: []string{"Subject: 1\n\nline\nFrom the town hall\n"},
		},
		{
			name: "empty lines at the end of a message are kept but one",
			mbox: "From a\nSubject: 1\n\nbody\n\n\n\nFrom b\nSubject: 2\n",
			want: []string{"Subject: 1\n\nbody\n\n\n", "Subject: 2\n"},
		},
		{
			name: "empty",
			mbox: "",
		},
		{
			name: "only a From line",
			mbox: "From a\n",
			want: []string{""},
		},
		{
			name: "empty message between two",
			mbox: "From a\nSubject: 1\n\nFrom b\n\nFrom c\nSubject: 3\n",
			want: []string{"Subject: 1\n", "", "Subject: 3\n"},
		},
		{
			name: "last message cut off",
			mbox: "From a\nSubject: 1\n\nbody\n\nFrom b\nSubject: 2\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/pl",
			want: []string{"Subject: 1\n\nbody\n", "Subject: 2\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/pl\n"},
		},
		{
			name: "cut off crlf message gets crlf",
			mbox: "From a\r\nSubject: 1\r\n\r\nbody",
			want: []string{"Subject: 1\r\n\r\nbody\r\n"},
		},
		{
			name: "content before the first From line",
			mbox: "stray\n\nFrom a\nSubject: 1\n",
			want: []string{"stray\n", "Subject: 1\n"},
		},
		{
			name: "long lines",
			mbox: "From " + long + "\nSubject: 1\n\n" + long + "\n>From " + long + "\n\nFrom b\nSubject: 2\n\n" + long,
			want: []string{"Subject: 1\n\n" + long + "\nFrom " + long + "\n", "Subject: 2\n\n" + long + "\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := split(t, []byte(tt.mbox), 1<<30)
			if g := raws(got); strings.Join(g, "\x00|") != strings.Join(tt.want, "\x00|") || len(g) != len(tt.want) {
				t.Fatalf("messages:\n got %q\nwant %q", g, tt.want)
			}
			for i, m := range got {
				if m.Truncated || m.Size != int64(len(m.Raw)) {
					t.Errorf("message %d: truncated %v, size %d, raw %d", i, m.Truncated, m.Size, len(m.Raw))
				}
				if i < len(tt.offsets) && m.Offset != tt.offsets[i] {
					t.Errorf("message %d: offset %d, want %d", i, m.Offset, tt.offsets[i])
				}
			}
		})
	}
}

func TestMboxSizeLimit(t *testing.T) {
	t.Parallel()
	body := strings.Repeat(">From quoted line\n", 100)
	mbox := "From a\nSubject: big\r\nX: y\n\n" + body + "\nFrom b\nSubject: small\n\nok\n"
	got := split(t, []byte(mbox), 500)
	if len(got) != 2 {
		t.Fatalf("got %d messages, want 2", len(got))
	}
	big := got[0]
	full := "Subject: big\r\nX: y\n\n" + strings.ReplaceAll(body, ">From", "From")
	if !big.Truncated || string(big.Raw) != "Subject: big\r\nX: y\n\n" || big.Size != int64(len(full)) {
		t.Errorf("big: truncated %v, raw %q, size %d (want %d)", big.Truncated, big.Raw, big.Size, len(full))
	}
	if got[1].Truncated || string(got[1].Raw) != "Subject: small\n\nok\n" {
		t.Errorf("small: truncated %v, raw %q", got[1].Truncated, got[1].Raw)
	}
}

// TestMboxStreams reads an mbox of 128 MiB with a small size limit and
// checks that it was not held in memory.
func TestMboxStreams(t *testing.T) {
	// Not parallel: it measures the allocations of the whole program.
	const n, limit = 128, 256 << 10
	msg := []byte("From a\nSubject: groot\n\n" + strings.Repeat(strings.Repeat("A", 75)+"\n", 1<<20/76) + "\n")
	readers := make([]io.Reader, n)
	for i := range readers {
		readers[i] = bytes.NewReader(msg)
	}
	var before, now runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var peak uint64
	mr := newMboxReader(bufio.NewReaderSize(io.MultiReader(readers...), readBufferSize), limit)
	count := 0
	for {
		m, err := mr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		count++
		if !m.Truncated || string(m.Raw) != "Subject: groot\n\n" || m.Size != int64(len(msg)-len("From a\n\n")) {
			t.Fatalf("message %d: truncated %v, raw %q, size %d", count, m.Truncated, m.Raw, m.Size)
		}
		runtime.ReadMemStats(&now)
		peak = max(peak, now.HeapInuse)
	}
	if count != n {
		t.Errorf("read %d messages, want %d", count, n)
	}
	if grew := int64(peak) - int64(before.HeapInuse); grew > 32<<20 {
		t.Errorf("reading %d MiB grew the heap by %d MiB", n*len(msg)>>20, grew>>20)
	}
}

func TestHeaderOnly(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, raw, want string }{
		{"lf", "A: 1\nB: 2\n\nbody\n\nmore\n", "A: 1\nB: 2\n\n"},
		{"crlf", "A: 1\r\nB: 2\r\n\r\nbody\r\n", "A: 1\r\nB: 2\r\n\r\n"},
		{"mixed", "A: 1\r\nB: 2\n\r\nbody\n", "A: 1\r\nB: 2\n\r\n"},
		{"no body", "A: 1\nB: 2\n", "A: 1\nB: 2\n"},
		{"no end", "A: 1\nB: 2", "A: 1\nB: 2"},
		{"starts empty", "\nbody\n", "\n"},
		{"white space line is not empty", "A: 1\n \nB: 2\n\nbody", "A: 1\n \nB: 2\n\n"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		if got := string(headerOnly([]byte(tt.raw))); got != tt.want {
			t.Errorf("%s: headerOnly(%q) = %q, want %q", tt.name, tt.raw, got, tt.want)
		}
		for limit := int64(1); limit <= int64(len(tt.raw))+1; limit++ {
			got, err := readHeader(bufio.NewReaderSize(strings.NewReader(tt.raw), 16), limit)
			want := headerOnly([]byte(tt.raw)[:min(limit, int64(len(tt.raw)))])
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: readHeader(limit %d) = %q, %v; want %q", tt.name, limit, got, err, want)
			}
		}
	}
}

func TestLooksLikeMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want bool
	}{
		{"Received: from x\n", true},
		{"X-Mailer : obsolete\n", true},
		{"Return-Path: <>\r\n", true},
		{"Hello world\nSubject: no\n", false},
		{"%PDF-1.7\n", false},
		{": no name\n", false},
		{"\x89PNG\r\n\x1a\n", false},
		{"Naam met spatie: x\n", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := looksLikeMessage([]byte(tt.raw)); got != tt.want {
			t.Errorf("looksLikeMessage(%q) = %v, want %v", tt.raw, got, tt.want)
		}
	}
}

// writeMbox writes msgs as an mboxrd file, as mail programs do: a From_
// line, every line matching ^>*From  quoted with one more '>', the message
// ended with a line ending, and an empty line after it. A message that
// starts with a From_ line is an mbox already and is written as it is.
func writeMbox(w *bytes.Buffer, msgs [][]byte) {
	for _, raw := range msgs {
		var last byte
		if len(raw) > 0 {
			last = raw[len(raw)-1]
		}
		raw = canonical(message{Raw: bytes.Clone(raw), Size: int64(len(raw))}, last).Raw
		if bytes.HasPrefix(raw, fromPrefix) {
			w.Write(raw)
			w.WriteString("\n")
			continue
		}
		w.WriteString("From MAILER-DAEMON Thu Dec 10 09:00:00 2026\n")
		for line := range bytes.Lines(raw) {
			if bytes.HasPrefix(bytes.TrimLeft(line, ">"), fromPrefix) {
				w.WriteByte('>')
			}
			w.Write(line)
		}
		w.WriteString("\n")
	}
}

// FuzzMbox checks that the mbox reader never panics, and that it gives
// back the messages an mbox was written from, whole and cut to a size
// limit.
func FuzzMbox(f *testing.F) {
	f.Add([]byte("Subject: 1\n\nbody\n"), uint16(0))
	f.Add([]byte("Subject: 1\n\nFrom here\n\n>From there\x00Subject: 2\r\n\r\nx"), uint16(10))
	f.Add([]byte("\x00\x00From a\n\nFrom b\n"), uint16(3))
	f.Add([]byte("A: 1\r\n\r\n\r\n\r\n\x00\n\n\n"), uint16(5))
	f.Fuzz(func(t *testing.T, data []byte, limit uint16) {
		// Any bytes as an mbox: no panic, offsets increase.
		prev := int64(-1)
		for _, m := range split(t, data, int64(limit)+1) {
			if m.Offset <= prev && prev >= 0 || m.Offset > int64(len(data)) {
				t.Fatalf("offset %d after %d", m.Offset, prev)
			}
			prev = m.Offset
		}

		// NUL separates messages that are written into an mbox and read back.
		var msgs [][]byte
		for m := range bytes.SplitSeq(data, []byte{0}) {
			if bytes.HasPrefix(m, fromPrefix) {
				m = append([]byte("X"), m...) // a From_ line of its own is an mbox, not a message
			}
			msgs = append(msgs, m)
		}
		var mbox bytes.Buffer
		writeMbox(&mbox, msgs)
		got := split(t, mbox.Bytes(), 1<<30)
		if len(got) != len(msgs) {
			t.Fatalf("wrote %d messages, read %d:\n%q", len(msgs), len(got), mbox.Bytes())
		}
		for i, m := range msgs {
			var last byte
			if len(m) > 0 {
				last = m[len(m)-1]
			}
			want := canonical(message{Raw: bytes.Clone(m), Size: int64(len(m))}, last).Raw
			if !bytes.Equal(got[i].Raw, want) {
				t.Fatalf("message %d:\n got %q\nwant %q", i, got[i].Raw, want)
			}
		}

		// The same with a size limit: larger messages keep their header.
		lim := int64(limit) + 1
		cut := split(t, mbox.Bytes(), lim)
		if len(cut) != len(got) {
			t.Fatalf("with limit %d: %d messages, want %d", lim, len(cut), len(got))
		}
		for i, m := range cut {
			full := got[i].Raw
			if m.Size != int64(len(full)) || m.Truncated != (m.Size > lim) {
				t.Fatalf("message %d, limit %d: size %d, truncated %v; want size %d", i, lim, m.Size, m.Truncated, len(full))
			}
			want := full
			if m.Truncated {
				want = headerOnly(full[:lim])
			}
			if !bytes.Equal(m.Raw, want) {
				t.Fatalf("message %d, limit %d:\n got %q\nwant %q", i, lim, m.Raw, want)
			}
		}
	})
}
