// Package mailimport feeds mail archives into the intake stream, for
// backfilling years of mailbox exports (ingest-mail import): .eml files,
// mbox files and Maildir folders. Every message goes through
// mailevent.Build, as in the IMAP sync, so a message gets the same event id
// whichever way it came in, and importing again registers nothing twice.
//
// It reads files, stores objects and publishes events through the small
// Publisher interface (internal/bus implements it). It imports caseevent,
// bus (for PublishResult) and ingest/mailevent, and nothing of the
// registry or of the IMAP connector.
package mailimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/ingest/mailevent"
)

// Defaults of Options.
const (
	DefaultMaxMessageSize = 50 << 20
	DefaultBatchSize      = 200
)

const (
	// maxBatchBytes ends a batch early when the text and HTML it holds
	// pass this size, so that a batch of large messages stays small.
	maxBatchBytes = 32 << 20
	// publishTimeout bounds one batch publish. Batches are published even
	// after ctx ended (the batch in hand is finished), so this is the only
	// limit on a bus that does not answer.
	publishTimeout = 30 * time.Second
	// maxBusFailures in a row (a message whose objects could not be
	// stored, a batch of which nothing was acknowledged) stop the import:
	// the bus is down, and importing on would only fail every message.
	maxBusFailures = 3
	// maxFailed is how many failures Summary.Failed lists; Errors counts
	// them all.
	maxFailed = 1000

	progressInterval = 2 * time.Second
	progressMessages = 1000
)

// Publisher stores objects and publishes events; *bus.Bus is one.
type Publisher interface {
	mailevent.Objects
	PublishEvents(ctx context.Context, evs []caseevent.Event) ([]bus.PublishResult, error)
}

// Options configure an import.
type Options struct {
	// Source is the mailbox the archive belongs to. Inbox and Domain are
	// required; Direction defaults to incoming.
	Source mailevent.Source
	Build  mailevent.Options
	// MaxMessageSize: a larger message is registered with its header,
	// its size and a note, as in the IMAP sync. Default 50 MiB.
	MaxMessageSize int64
	// BatchSize is the number of events per publish. Default 200.
	BatchSize int
	// Progress receives a line every 2 s or every 1000 messages; nil for
	// none.
	Progress io.Writer
}

// Summary counts what an import did. Read counts messages found; each of
// them was published, a duplicate or an error. Errors also counts paths
// and files that could not be read or hold no mail.
type Summary struct {
	Read      int
	Published int // acknowledged by JetStream and new
	// Duplicates were acknowledged, but the stream already had their
	// event id within its duplicate window (48 h by default); older
	// duplicates count as published and the registry drops them.
	Duplicates int
	Errors     int
	// Failed says what went wrong, for the first 1000 errors.
	Failed []Failure
}

// Failure is one message, file or path that was not imported.
type Failure struct {
	// Where is a file path, or "path:offset" for a message in an mbox
	// (offset is the byte offset of its From_ line).
	Where string
	Err   string
}

func (f Failure) String() string { return f.Where + ": " + f.Err }

// String is a one-line summary: "read 1234, published 1200, duplicates 30,
// errors 4".
func (s Summary) String() string {
	return fmt.Sprintf("read %d, published %d, duplicates %d, errors %d", s.Read, s.Published, s.Duplicates, s.Errors)
}

// Import reads the messages under paths and publishes them. A path is an
// .eml file, an mbox file (one whose first line starts with "From "), a
// Maildir (a directory with cur/ or new/) or any other directory, walked
// for all of these (hidden files and directories are skipped). An empty
// file holds no message. A file that does not start with a header field
// is not mail and is counted as an error, except in a Maildir, where it is
// published with a parse error as the IMAP sync would.
//
// A message, file or path that cannot be read is counted in
// Summary.Errors and the import goes on; an error is returned only when no
// path exists, when the bus keeps failing, or when ctx ends. When ctx ends,
// reading stops, the messages already read are still published, and the
// summary so far is returned with ctx's error.
func Import(ctx context.Context, pub Publisher, paths []string, opts Options) (Summary, error) {
	if err := opts.check(); err != nil {
		return Summary{}, err
	}
	opts = opts.withDefaults()
	im := &importer{ctx: ctx, pub: pub, opts: opts, lastProgress: time.Now()}

	infos := make([]os.FileInfo, len(paths))
	found := 0
	for i, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			im.fail(p, err)
			continue
		}
		infos[i] = info
		found++
	}
	if found == 0 {
		return im.sum, fmt.Errorf("import mail: nothing to import: none of the %d paths could be opened", len(paths))
	}

	var err error
	for i, p := range paths {
		if infos[i] == nil {
			continue
		}
		if err = im.importPath(p, infos[i]); err != nil {
			break
		}
	}
	if ferr := im.flush(); err == nil {
		err = ferr
	}
	return im.sum, err
}

func (o Options) check() error {
	var errs []error
	if o.Source.Inbox == "" {
		errs = append(errs, errors.New("no inbox"))
	}
	if o.Source.Domain != caseevent.DomainGemeente && o.Source.Domain != caseevent.DomainSociaalhuis {
		errs = append(errs, fmt.Errorf("domain %q: must be %s or %s", o.Source.Domain, caseevent.DomainGemeente, caseevent.DomainSociaalhuis))
	}
	switch o.Source.Direction {
	case "", caseevent.DirectionIncoming, caseevent.DirectionOutgoing:
	default:
		errs = append(errs, fmt.Errorf("direction %q: must be %s or %s", o.Source.Direction, caseevent.DirectionIncoming, caseevent.DirectionOutgoing))
	}
	if o.MaxMessageSize < 0 || o.BatchSize < 0 {
		errs = append(errs, errors.New("negative size limit or batch size"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("import mail: %w", err)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.Source.Direction == "" {
		o.Source.Direction = caseevent.DirectionIncoming
	}
	if o.MaxMessageSize == 0 {
		o.MaxMessageSize = DefaultMaxMessageSize
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	return o
}

// importer is the state of one Import.
type importer struct {
	ctx  context.Context
	pub  Publisher
	opts Options
	sum  Summary

	batch       []pending
	batchBytes  int
	busFailures int

	// For progress lines: where the import is.
	lastProgress  time.Time
	sinceProgress int
	where         string
	file          string
	fileSize      int64
	fileOffset    int64
}

// pending is an event built but not yet published.
type pending struct {
	ev    caseevent.Event
	where string
}

// message builds the event of one message and adds it to the batch. It
// returns an error only when the import must stop.
func (im *importer) message(where string, msg message) error {
	if err := im.ctx.Err(); err != nil {
		return err
	}
	im.where, im.fileOffset = where, msg.Offset
	c := mailevent.Capture{Raw: msg.Raw, Size: msg.Size, Truncated: msg.Truncated}
	if msg.Truncated {
		c.Limit = im.opts.MaxMessageSize
	}
	ev, err := mailevent.Build(im.ctx, im.pub, im.opts.Source, c, im.opts.Build)
	if err != nil {
		if ctxErr := im.ctx.Err(); ctxErr != nil {
			return ctxErr // not read: the next import does it
		}
		im.sum.Read++
		im.fail(where, err)
		return im.busFailed(err)
	}
	im.sum.Read++
	im.busFailures = 0
	im.batch = append(im.batch, pending{ev: ev, where: where})
	im.batchBytes += len(ev.Data.Text) + len(ev.Data.HTML)
	if len(im.batch) >= im.opts.BatchSize || im.batchBytes >= maxBatchBytes {
		if err := im.flush(); err != nil {
			return err
		}
	}
	im.progress()
	return nil
}

// flush publishes the batch. It runs to the end even when ctx has ended:
// the objects of these messages are stored, and the import promises to
// finish the batch in hand.
func (im *importer) flush() error {
	if len(im.batch) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(im.ctx), publishTimeout)
	defer cancel()
	evs := make([]caseevent.Event, len(im.batch))
	for i, p := range im.batch {
		evs[i] = p.ev
	}
	results, err := im.pub.PublishEvents(ctx, evs)
	acked := 0
	for i, p := range im.batch {
		var res bus.PublishResult
		if i < len(results) {
			res = results[i]
		}
		switch {
		case err != nil && res.Seq == 0:
			im.fail(p.where, fmt.Errorf("publish event %s: %w", p.ev.ID, err))
		case res.Duplicate:
			im.sum.Duplicates++
			acked++
		default:
			im.sum.Published++
			acked++
		}
	}
	clear(im.batch)
	im.batch, im.batchBytes = im.batch[:0], 0
	if acked > 0 || err == nil || errors.Is(err, bus.ErrMessageTooLarge) {
		im.busFailures = 0
		return nil
	}
	return im.busFailed(err)
}

// busFailed counts a failure of the bus and stops the import when there
// were too many in a row.
func (im *importer) busFailed(err error) error {
	im.busFailures++
	if im.busFailures < maxBusFailures {
		return nil
	}
	return fmt.Errorf("import mail: stopped after %d failures of the bus in a row (importing again is safe): %w", im.busFailures, err)
}

func (im *importer) fail(where string, err error) {
	im.sum.Errors++
	if len(im.sum.Failed) >= maxFailed {
		return
	}
	msg := err.Error()
	if pathErr, ok := errors.AsType[*fs.PathError](err); ok && pathErr.Path == where {
		msg = pathErr.Op + ": " + pathErr.Err.Error() // Where names the path already
	}
	im.sum.Failed = append(im.sum.Failed, Failure{Where: where, Err: msg})
}

// progress writes a progress line every progressInterval or every
// progressMessages messages, whichever comes first.
func (im *importer) progress() {
	if im.opts.Progress == nil {
		return
	}
	im.sinceProgress++
	if im.sinceProgress < progressMessages && time.Since(im.lastProgress) < progressInterval {
		return
	}
	im.sinceProgress, im.lastProgress = 0, time.Now()
	at := im.where
	if im.file != "" && im.fileSize > 0 {
		at = fmt.Sprintf("%s, %s of %s, %d%%", at, formatBytes(im.fileOffset), formatBytes(im.fileSize), im.fileOffset*100/im.fileSize)
	}
	// A progress line that cannot be written is no reason to stop.
	_, _ = fmt.Fprintf(im.opts.Progress, "%s (at %s)\n", im.sum, at)
}

func formatBytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	default:
		return fmt.Sprintf("%d kB", n/1000)
	}
}
