package mailimport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/ingest/mailevent"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
)

// testContext is generous: tests wait for events, never for wall-clock
// durations.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func testOptions() Options {
	return Options{Source: mailevent.Source{Inbox: "gemeentebestuur", Domain: caseevent.DomainGemeente}}
}

func newBus(t *testing.T) *bus.Bus {
	t.Helper()
	return natstest.Connect(t, natstest.Start(t))
}

// recorder is a Publisher that publishes through a real bus and keeps the
// events it was given. With cancelAfter set, it calls cancel when the
// object of that many messages has been stored.
type recorder struct {
	*bus.Bus
	mu          sync.Mutex
	events      []caseevent.Event
	raws        int
	cancelAfter int
	cancel      context.CancelFunc
}

func (r *recorder) PutObject(ctx context.Context, data []byte, contentType string) (caseevent.ObjectRef, error) {
	r.mu.Lock()
	if contentType == "message/rfc822" {
		r.raws++
		if r.raws == r.cancelAfter {
			r.cancel()
		}
	}
	r.mu.Unlock()
	return r.Bus.PutObject(ctx, data, contentType)
}

func (r *recorder) PublishEvents(ctx context.Context, evs []caseevent.Event) ([]bus.PublishResult, error) {
	r.mu.Lock()
	r.events = append(r.events, evs...)
	r.mu.Unlock()
	return r.Bus.PublishEvents(ctx, evs)
}

// streamEvents reads back every event the intake stream holds, by id.
func streamEvents(t *testing.T, b *bus.Bus) map[string]caseevent.Event {
	t.Helper()
	ctx := testContext(t)
	stream, err := b.JetStream().Stream(ctx, bus.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]caseevent.Event{}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		msg, err := stream.GetMsg(ctx, seq)
		if err != nil {
			t.Fatalf("get stream message %d: %v", seq, err)
		}
		ev, err := caseevent.Parse(msg.Data)
		if err != nil {
			t.Fatalf("stream message %d: %v", seq, err)
		}
		if id := msg.Header.Get(jetstream.MsgIDHeader); id != ev.ID {
			t.Fatalf("stream message %d: Nats-Msg-Id %q, event id %q", seq, id, ev.ID)
		}
		if _, dup := got[ev.ID]; dup {
			t.Errorf("event %s is in the stream twice", ev.ID)
		}
		got[ev.ID] = ev
	}
	return got
}

func corpus(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("../../mail/testdata/corpus/*.eml")
	if err != nil || len(files) < 30 {
		t.Fatalf("corpus: %d files, %v", len(files), err)
	}
	msgs := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msgs[filepath.Base(f)] = data
	}
	return msgs
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// mboxOf writes msgs, in the order of their names, as an mbox file.
func mboxOf(t *testing.T, path string, msgs map[string][]byte) {
	t.Helper()
	var buf bytes.Buffer
	for _, name := range slices.Sorted(maps.Keys(msgs)) {
		writeMbox(&buf, [][]byte{msgs[name]})
	}
	writeFile(t, path, buf.Bytes())
}

// maildirOf writes msgs as a Maildir, half in cur and half in new, with
// the files a Maildir holds besides (which are no messages).
func maildirOf(t *testing.T, dir string, msgs map[string][]byte) {
	t.Helper()
	for i, name := range slices.Sorted(maps.Keys(msgs)) {
		file := fmt.Sprintf("new/1765350%03d.M%dP4242.meldpunt-test", i, i)
		if i%2 == 0 {
			file = fmt.Sprintf("cur/1765350%03d.M%dP4242.meldpunt-test:2,S", i, i)
		}
		writeFile(t, filepath.Join(dir, file), msgs[name])
	}
	writeFile(t, filepath.Join(dir, "tmp", "1765359999.M1P1.delivery-in-progress"), []byte("Subject: half"))
	writeFile(t, filepath.Join(dir, "dovecot-uidlist"), []byte("3 V1765350000 N42\n"))
	writeFile(t, filepath.Join(dir, "dovecot.index.log"), []byte{0, 1, 2, 3})
}

func importAll(t *testing.T, pub Publisher, paths []string, opts Options) Summary {
	t.Helper()
	sum, err := Import(testContext(t), pub, paths, opts)
	if err != nil {
		t.Fatalf("Import: %v (%s)", err, sum)
	}
	return sum
}

// The same corpus imported as an mbox, as a Maildir and as .eml files
// gives the same registrations.
func TestImportFormatsGiveSameEvents(t *testing.T) {
	t.Parallel()
	msgs := corpus(t)
	dir := t.TempDir()
	for name, data := range msgs {
		writeFile(t, filepath.Join(dir, "eml", name), data)
	}
	maildirOf(t, filepath.Join(dir, "Maildir"), msgs)
	mboxOf(t, filepath.Join(dir, "archive.mbox"), msgs)

	formats := []struct{ name, path string }{
		{"eml", filepath.Join(dir, "eml")},
		{"maildir", filepath.Join(dir, "Maildir")},
		{"mbox", filepath.Join(dir, "archive.mbox")},
	}
	ids := make([][]string, len(formats))
	for i, f := range formats {
		b := newBus(t)
		sum := importAll(t, b, []string{f.path}, testOptions())
		if sum.Read != len(msgs) || sum.Published != len(msgs) || sum.Duplicates != 0 || sum.Errors != 0 {
			t.Errorf("%s: %s, want %d read and published; failed: %v", f.name, sum, len(msgs), sum.Failed)
		}
		events := streamEvents(t, b)
		ids[i] = slices.Sorted(maps.Keys(events))
		for id, ev := range events {
			if ev.Data.Raw == nil {
				t.Errorf("%s: event %s has no raw original", f.name, id)
				continue
			}
			raw, err := b.GetObject(testContext(t), ev.Data.Raw.Object)
			if err != nil {
				t.Fatalf("%s: raw of %s: %v", f.name, id, err)
			}
			if bytes.HasPrefix(raw, fromPrefix) || !bytes.HasSuffix(raw, []byte("\n")) {
				t.Errorf("%s: raw original of %s (%q) starts with a From_ line or lacks a final line ending", f.name, ev.Data.Subject, raw[:min(len(raw), 60)])
			}
		}
	}
	for i := 1; i < len(formats); i++ {
		if only0, onlyI := difference(ids[0], ids[i]), difference(ids[i], ids[0]); len(only0)+len(onlyI) > 0 {
			t.Errorf("%s and %s give different event ids:\nonly %s: %v\nonly %s: %v", formats[0].name, formats[i].name, formats[0].name, only0, formats[i].name, onlyI)
		}
	}
}

func difference(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// A message that cannot be parsed is identified by its raw bytes; a
// Maildir file without a final line ending and the same message in an mbox
// (where a line ending must be added) still give the same id.
func TestImportUnparseableSameEvent(t *testing.T) {
	t.Parallel()
	garbage := []byte("%PDF-1.7\n\x00\x01 From nowhere\n\nFrom somewhere\n%%EOF")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Maildir", "cur", "1765350000.M1P1.x:2,S"), garbage)
	var mbox bytes.Buffer
	writeMbox(&mbox, [][]byte{garbage})
	writeFile(t, filepath.Join(dir, "archive.mbox"), mbox.Bytes())

	var ids []string
	for _, path := range []string{filepath.Join(dir, "Maildir"), filepath.Join(dir, "archive.mbox")} {
		rec := &recorder{Bus: newBus(t)}
		sum := importAll(t, rec, []string{path}, testOptions())
		if sum.Published != 1 || len(rec.events) != 1 || rec.events[0].Data.ParseError == "" {
			t.Fatalf("%s: %s, events %v", path, sum, rec.events)
		}
		ids = append(ids, rec.events[0].ID)
	}
	if ids[0] != ids[1] {
		t.Errorf("the Maildir and the mbox give ids %s and %s", ids[0], ids[1])
	}
}

func TestImportTwiceGivesDuplicates(t *testing.T) {
	t.Parallel()
	msgs := corpus(t)
	dir := t.TempDir()
	for name, data := range msgs {
		writeFile(t, filepath.Join(dir, name), data)
	}
	b := newBus(t)
	first := importAll(t, b, []string{dir}, testOptions())
	second := importAll(t, b, []string{dir}, testOptions())
	if first.Published != len(msgs) || first.Duplicates != 0 {
		t.Errorf("first import: %s, want %d published", first, len(msgs))
	}
	if second.Read != len(msgs) || second.Published != 0 || second.Duplicates != len(msgs) || second.Errors != 0 {
		t.Errorf("second import: %s, want all %d duplicates", second, len(msgs))
	}
	if n := len(streamEvents(t, b)); n != len(msgs) {
		t.Errorf("stream holds %d events, want %d", n, len(msgs))
	}
}

func TestImportMbox(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	msg := func(n int, eol, body string) string {
		s := fmt.Sprintf("Message-ID: <m%d@example.org>\nFrom: Els Peeters <els@example.org>\nDate: Mon, 7 Dec 2026 10:0%d:00 +0100\nSubject: Bericht %d\n\n%s", n, n, n, body)
		return strings.ReplaceAll(s, "\n", eol)
	}
	tests := []struct {
		name     string
		mbox     string
		subjects []string
		texts    []string
		raws     []string
	}{
		{
			name:     "crlf",
			mbox:     "From els@example.org Mon Dec  7 10:00:00 2026\r\n" + msg(1, "\r\n", "Een.\n\n") + "From els@example.org Mon Dec  7 10:01:00 2026\r\n" + msg(2, "\r\n", "Twee.\n\n"),
			subjects: []string{"Bericht 1", "Bericht 2"},
			texts:    []string{"Een.", "Twee."},
			raws:     []string{msg(1, "\r\n", "Een.\n"), msg(2, "\r\n", "Twee.\n")},
		},
		{
			name:     "mboxrd quoting",
			mbox:     "From els Mon Dec  7 10:00:00 2026\n" + msg(1, "\n", "Hallo,\n\n>From now on: quoted.\n>>From twice.\n\n"),
			subjects: []string{"Bericht 1"},
			texts:    []string{"Hallo,\n\nFrom now on: quoted.\n>From twice."},
			raws:     []string{msg(1, "\n", "Hallo,\n\nFrom now on: quoted.\n>From twice.\n")},
		},
		{
			name:     "last message cut off",
			mbox:     "From els Mon Dec  7 10:00:00 2026\n" + msg(1, "\n", "Een.\n\n") + "From els Mon Dec  7 10:02:00 2026\n" + msg(2, "\n", "Twee, maar afgebr"),
			subjects: []string{"Bericht 1", "Bericht 2"},
			texts:    []string{"Een.", "Twee, maar afgebr"},
			raws:     []string{msg(1, "\n", "Een.\n"), msg(2, "\n", "Twee, maar afgebr\n")},
		},
		{
			name: "empty",
			mbox: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".mbox")
			writeFile(t, path, []byte(tt.mbox))
			rec := &recorder{Bus: newBus(t)}
			sum := importAll(t, rec, []string{path}, testOptions())
			if sum.Read != len(tt.subjects) || sum.Published != len(tt.subjects) || sum.Errors != 0 {
				t.Fatalf("%s, want %d published; failed %v", sum, len(tt.subjects), sum.Failed)
			}
			for i, ev := range rec.events {
				if ev.Data.Subject != tt.subjects[i] || strings.TrimSpace(ev.Data.Text) != tt.texts[i] {
					t.Errorf("event %d: subject %q, text %q; want %q, %q", i, ev.Data.Subject, ev.Data.Text, tt.subjects[i], tt.texts[i])
				}
				raw, err := rec.GetObject(testContext(t), ev.Data.Raw.Object)
				if err != nil || string(raw) != tt.raws[i] {
					t.Errorf("event %d: raw %q, %v; want %q", i, raw, err, tt.raws[i])
				}
			}
		})
	}
}

func TestImportOnlyFromLine(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "broken.mbox")
	writeFile(t, path, []byte("From els Mon Dec  7 10:00:00 2026\n"))
	sum := importAll(t, newBus(t), []string{path}, testOptions())
	if sum.Read != 1 || sum.Errors != 1 || len(sum.Failed) != 1 || sum.Failed[0].Where != path+":0" {
		t.Errorf("%s, failed %v; want one empty message at %s:0", sum, sum.Failed, path)
	}
}

// A message over the size limit is registered with its header, its size
// and a note, and gets the same id from an .eml file and from an mbox.
func TestImportOversized(t *testing.T) {
	t.Parallel()
	header := "Message-ID: <big@example.org>\r\nFrom: Els Peeters <els@example.org>\r\nDate: Mon, 7 Dec 2026 10:00:00 +0100\r\nSubject: Plannen\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	body := strings.Repeat("JVBERi0xLjcKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVy\r\n", 200)
	raw := header + body
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "big.eml"), []byte(raw))
	var mbox bytes.Buffer
	writeMbox(&mbox, [][]byte{[]byte(raw)})
	writeFile(t, filepath.Join(dir, "big.mbox"), mbox.Bytes())

	opts := testOptions()
	opts.MaxMessageSize = 4000
	var ids []string
	for _, name := range []string{"big.eml", "big.mbox"} {
		rec := &recorder{Bus: newBus(t)}
		sum := importAll(t, rec, []string{filepath.Join(dir, name)}, opts)
		if sum.Published != 1 || sum.Errors != 0 || len(rec.events) != 1 {
			t.Fatalf("%s: %s, failed %v", name, sum, sum.Failed)
		}
		ev := rec.events[0]
		ids = append(ids, ev.ID)
		want := fmt.Sprintf("the message is %d bytes, over the limit of 4000", len(raw))
		if !strings.Contains(ev.Data.ParseError, want) || ev.Data.Subject != "Plannen" || ev.Data.Raw.ContentType != "text/rfc822-headers" {
			t.Errorf("%s: parse error %q, subject %q, raw %+v", name, ev.Data.ParseError, ev.Data.Subject, ev.Data.Raw)
		}
		got, err := rec.GetObject(testContext(t), ev.Data.Raw.Object)
		if err != nil || string(got) != header {
			t.Errorf("%s: raw %q, %v; want the header", name, got, err)
		}
	}
	if ids[0] != ids[1] {
		t.Errorf("the .eml file and the mbox give ids %s and %s", ids[0], ids[1])
	}
}

func TestImportDirectoryWithJunk(t *testing.T) {
	t.Parallel()
	msgs := corpus(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a", "01.eml"), msgs["01-afvalophaling-utf8-crlf.eml"])
	writeFile(t, filepath.Join(dir, "a", "b", "oud.mbox"), nil)
	var mbox bytes.Buffer
	writeMbox(&mbox, [][]byte{msgs["02-grofvuil-bare-lf-flowed.eml"], msgs["05-windows-1252-euro-qp.eml"]})
	writeFile(t, filepath.Join(dir, "a", "b", "Inbox"), mbox.Bytes())
	maildirOf(t, filepath.Join(dir, "mailbox"), map[string][]byte{"06": msgs["06-iso-8859-15-euro-8bit.eml"], "07": msgs["07-iso-8859-1-really-windows-1252.eml"]})
	writeFile(t, filepath.Join(dir, "mailbox", ".Sent", "cur", "1.M1P1.x:2,S"), msgs["08-8bit-without-charset.eml"])
	writeFile(t, filepath.Join(dir, ".hidden.eml"), msgs["09-encoded-word-subjects.eml"])
	writeFile(t, filepath.Join(dir, ".git", "HEAD.eml"), msgs["10-malformed-encoded-words.eml"])
	writeFile(t, filepath.Join(dir, "leesmij.txt"), []byte("Export van de mailbox, 2019-2025.\n"))
	writeFile(t, filepath.Join(dir, "a", "foto.jpg"), []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"))
	writeFile(t, filepath.Join(dir, "a", "leeg.eml"), nil)
	writeFile(t, filepath.Join(dir, "a", "wit.eml"), []byte("\r\n\r\n"))
	if err := os.Symlink(filepath.Join(dir, "a"), filepath.Join(dir, "lus")); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "bestaat-niet.mbox")

	rec := &recorder{Bus: newBus(t)}
	sum := importAll(t, rec, []string{missing, dir}, testOptions())
	if sum.Read != 5 || sum.Published != 5 || sum.Errors != 4 {
		t.Errorf("%s, want 5 read and published and 4 errors", sum)
	}
	var failed []string
	for _, f := range sum.Failed {
		failed = append(failed, strings.TrimPrefix(f.Where, dir+"/"))
	}
	slices.Sort(failed)
	want := []string{"a/foto.jpg", "bestaat-niet.mbox", "leesmij.txt", "lus"}
	if !slices.Equal(failed, want) {
		t.Errorf("failed %v, want %v", sum.Failed, want)
	}
	var subjects []string
	for _, ev := range rec.events {
		subjects = append(subjects, ev.Data.Subject)
	}
	if len(subjects) != 5 {
		t.Errorf("published subjects %q", subjects)
	}
}

func TestImportPaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := Import(testContext(t), newBus(t), []string{filepath.Join(dir, "x.mbox"), filepath.Join(dir, "y")}, testOptions())
	if err == nil {
		t.Error("no error when no path exists")
	}
	_, err = Import(testContext(t), newBus(t), nil, testOptions())
	if err == nil {
		t.Error("no error without paths")
	}
	_, err = Import(testContext(t), newBus(t), []string{dir}, Options{Source: mailevent.Source{Inbox: "x", Domain: "elders"}})
	if err == nil {
		t.Error("no error for an unknown domain")
	}
}

// syntheticMbox is an mbox of n small, different messages.
func syntheticMbox(n int) []byte {
	var buf bytes.Buffer
	for i := range n {
		fmt.Fprintf(&buf, "From burger%d@example.org Mon Dec  7 10:00:00 2026\nMessage-ID: <%d@example.org>\nFrom: burger%d@example.org\nDate: Mon, 7 Dec 2026 10:00:00 +0100\nSubject: Melding %d\n\nDe lamp in straat %d is stuk.\n\n", i, i, i, i, i)
	}
	return buf.Bytes()
}

func TestImportProgress(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "groot.mbox")
	writeFile(t, path, syntheticMbox(progressMessages+1))
	var progress bytes.Buffer
	opts := testOptions()
	opts.Progress = &progress
	sum := importAll(t, newBus(t), []string{path}, opts)
	if sum.Published != progressMessages+1 {
		t.Errorf("%s", sum)
	}
	lines := strings.Split(strings.TrimSpace(progress.String()), "\n")
	last := lines[len(lines)-1]
	if progress.Len() == 0 || !strings.HasPrefix(last, "read ") || !strings.Contains(last, "(at "+path+":") || !strings.Contains(last, "%)") {
		t.Errorf("progress:\n%s", progress.String())
	}
}

// When ctx ends, the import stops reading, publishes what it has read and
// returns the summary so far.
func TestImportCancel(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "archief.mbox")
	writeFile(t, path, syntheticMbox(50))
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	b := newBus(t)
	rec := &recorder{Bus: b, cancelAfter: 25, cancel: cancel}
	opts := testOptions()
	opts.BatchSize = 10
	sum, err := Import(ctx, rec, []string{path}, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Import: %v, want context.Canceled", err)
	}
	n := len(streamEvents(t, b))
	if sum.Read < 24 || sum.Read > 25 || sum.Published != sum.Read || sum.Errors != 0 || n != sum.Read {
		t.Errorf("%s, stream holds %d; want the 24 or 25 read before the cancel published", sum, n)
	}

	// Importing again publishes the rest.
	again := importAll(t, b, []string{path}, testOptions())
	if again.Duplicates != sum.Read || again.Published != 50-sum.Read {
		t.Errorf("second import: %s", again)
	}
}
