// Package mailsync captures the shared mailboxes: one loop per folder that
// connects over IMAP, fetches every message after the folder's checkpoint
// without side effects (BODY.PEEK), turns it into a case event, publishes
// it, and only after JetStream acknowledged moves the checkpoint
// (UIDVALIDITY + highest captured UID, in the NATS KV bucket). Then it
// waits for new mail with IDLE (or polls) and starts again.
//
// It imports bus, caseevent, ingest, ingest/imap and ingest/mailevent; it
// knows nothing of the registry.
package mailsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/ingest"
	"github.com/meldpunt/meldpunt/internal/ingest/imap"
	"github.com/meldpunt/meldpunt/internal/ingest/mailevent"
)

// After-capture actions.
const (
	AfterKeep = "keep" // nothing on the server changes
	AfterFlag = "flag" // set a keyword such as $Meldpunt
	AfterMove = "move" // move to another folder
)

// Mailbox is one mailbox to capture, with everything resolved (secrets
// read, token source built).
type Mailbox struct {
	Inbox   string
	Domain  caseevent.Domain
	IMAP    imap.Config
	Folders []Folder
	// Since limits a folder's first capture to mail received from then on.
	Since       time.Time
	After       string
	FlagKeyword string
	MoveTo      string
}

// Folder is a folder of a mailbox and the direction of its mail.
type Folder struct {
	Name      string
	Direction caseevent.Direction
}

// Options tune the sync.
type Options struct {
	MaxMessageSize int64
	CaseRef        *regexp.Regexp
	// PollInterval: a folder is synced at least this often, IDLE or not.
	PollInterval time.Duration
	// Chunk is how many messages are fetched, published and checkpointed
	// together.
	Chunk int
}

// Syncer runs the folder loops.
type Syncer struct {
	bus     *bus.Bus
	cps     *ingest.Checkpoints
	health  *ingest.Health
	metrics *ingest.Metrics
	log     *slog.Logger
	opts    Options
}

// New returns a syncer publishing through b.
func New(b *bus.Bus, h *ingest.Health, m *ingest.Metrics, opts Options, log *slog.Logger) *Syncer {
	if opts.PollInterval <= 0 {
		opts.PollInterval = 60 * time.Second
	}
	if opts.Chunk <= 0 {
		opts.Chunk = 200
	}
	if opts.MaxMessageSize <= 0 {
		opts.MaxMessageSize = 50 << 20
	}
	return &Syncer{bus: b, cps: ingest.NewCheckpoints(b), health: h, metrics: m, log: log, opts: opts}
}

// Run syncs every folder of every mailbox until ctx ends.
func (s *Syncer) Run(ctx context.Context, mailboxes []Mailbox) {
	var wg sync.WaitGroup
	for _, mb := range mailboxes {
		for _, f := range mb.Folders {
			fs := &folderSync{Syncer: s, mb: mb, folder: f, source: mb.Inbox + "/" + f.Name,
				key: bus.CheckpointKey("mail", mb.Inbox, f.Name), failures: map[uint32]int{}}
			s.health.Register(fs.source)
			wg.Go(func() { fs.run(ctx) })
		}
	}
	wg.Wait()
}

// checkpoint is a folder's position: every message up to LastUID of
// UIDValidity is acknowledged by JetStream.
type checkpoint struct {
	UIDValidity uint32    `json:"uid_validity"`
	LastUID     uint32    `json:"last_uid"`
	UpdatedAt   time.Time `json:"updated_at"`
}

type folderSync struct {
	*Syncer
	mb     Mailbox
	folder Folder
	source string
	key    string
	// failures counts how often the server refused a message, by UID.
	failures map[uint32]int
}

// buildWorkers is how many messages are parsed and stored at once.
const buildWorkers = 16

// maxRefusals: a message the server refuses this often is registered as a
// placeholder, so one bad message never blocks the folder.
const maxRefusals = 3

func (f *folderSync) run(ctx context.Context) {
	log := f.log.With("inbox", f.mb.Inbox, "folder", f.folder.Name)
	for attempt := 1; ; attempt++ {
		err := f.connectAndSync(ctx, log)
		if ctx.Err() != nil {
			return
		}
		wait := ingest.Backoff(attempt, 500*time.Millisecond, time.Minute)
		needsPerson := errors.Is(err, imap.ErrAuthFailed)
		if d, ok := imap.ThrottleDelay(err); ok {
			wait = d
			log.Warn("the server throttles us; waiting as it suggests", "wait", d, "error", err)
		} else if needsPerson {
			wait = max(wait, time.Minute)
			log.Error("cannot sign in to the mailbox: check the credentials", "error", err)
		} else {
			log.Warn("mailbox sync failed, will reconnect", "error", err, "wait", wait.Round(time.Millisecond))
		}
		f.health.Failure(f.source, err, needsPerson)
		f.metrics.Errors.WithLabelValues(f.source).Inc()
		f.metrics.Healthy.WithLabelValues(f.source).Set(boolGauge(!needsPerson))
		if errSynced(err) {
			attempt = 0 // it worked for a while: start the backoff over
		}
		if !ingest.Sleep(ctx, wait) {
			return
		}
	}
}

// syncedError marks an error after at least one successful sync.
type syncedError struct{ error }

func (e syncedError) Unwrap() error { return e.error }

func errSynced(err error) bool {
	var s syncedError
	return errors.As(err, &s)
}

// connectAndSync holds one connection: sync, wait for news, sync again.
func (f *folderSync) connectAndSync(ctx context.Context, log *slog.Logger) error {
	c, err := imap.Dial(ctx, f.mb.IMAP, log)
	if err != nil {
		return err
	}
	defer c.Close()
	synced := false
	for {
		if err := f.syncOnce(ctx, c, log); err != nil {
			if synced {
				return syncedError{err}
			}
			return err
		}
		synced = true
		f.health.Success(f.source)
		f.metrics.LastSuccess.WithLabelValues(f.source).SetToCurrentTime()
		f.metrics.Healthy.WithLabelValues(f.source).Set(1)
		if c.SupportsIdle() {
			if _, err := c.Idle(ctx, f.opts.PollInterval); err != nil {
				return syncedError{fmt.Errorf("idle: %w", err)}
			}
		} else if !ingest.Sleep(ctx, f.opts.PollInterval) {
			return ctx.Err()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// syncOnce captures everything after the checkpoint.
func (f *folderSync) syncOnce(ctx context.Context, c *imap.Client, log *slog.Logger) error {
	readOnly := f.mb.After == AfterKeep
	folder, err := c.Select(ctx, f.folder.Name, readOnly)
	if err != nil {
		return err
	}
	var cp checkpoint
	rev, err := f.cps.Load(ctx, f.key, &cp)
	if err != nil {
		return fmt.Errorf("load checkpoint: %w", err)
	}
	if rev != 0 && cp.UIDValidity != folder.UIDValidity {
		log.Warn("UIDVALIDITY changed: capturing the whole folder again; messages captured before keep their ids and are not registered twice",
			"old_uid_validity", cp.UIDValidity, "uid_validity", folder.UIDValidity)
		cp = checkpoint{}
	}
	cp.UIDValidity = folder.UIDValidity
	var uids []uint32
	if cp.LastUID == 0 && !f.mb.Since.IsZero() {
		uids, err = c.UIDsSince(ctx, f.mb.Since)
	} else {
		uids, err = c.UIDsAfter(ctx, cp.LastUID)
	}
	if err != nil {
		return err
	}
	for len(uids) > 0 {
		n := min(len(uids), f.opts.Chunk)
		done, err := f.captureChunk(ctx, c, uids[:n], &cp, &rev)
		if err != nil {
			return err
		}
		uids = uids[done:]
	}
	return nil
}

// captureChunk fetches, publishes and checkpoints a run of UIDs, and
// returns how many of them are done.
func (f *folderSync) captureChunk(ctx context.Context, c *imap.Client, uids []uint32, cp *checkpoint, rev *uint64) (int, error) {
	src := mailevent.Source{Inbox: f.mb.Inbox, Domain: f.mb.Domain, Direction: f.folder.Direction}
	// Parsing a message and storing its objects (a few round trips to
	// NATS) happen on a pool of workers while the fetch goes on; the
	// events keep the UID order.
	type slot struct {
		uid uint32
		ev  caseevent.Event
		err error
	}
	var (
		slots []*slot
		wg    sync.WaitGroup
	)
	sem := make(chan struct{}, buildWorkers)
	fetchErr := c.Fetch(ctx, uids, f.opts.MaxMessageSize, func(m imap.Fetched) error {
		sl := &slot{uid: m.UID}
		slots = append(slots, sl)
		f.metrics.Captured.WithLabelValues(f.source).Inc()
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			sl.ev, sl.err = mailevent.Build(ctx, f.bus, src, mailevent.Capture{
				Raw: m.Raw, Size: m.Size, Truncated: m.Truncated, ReceivedAt: m.InternalDate, Limit: f.opts.MaxMessageSize,
			}, mailevent.Options{CaseRef: f.opts.CaseRef})
		})
		return nil
	})
	wg.Wait()
	var (
		evs     []caseevent.Event
		fetched []uint32
	)
	for _, sl := range slots {
		if sl.err != nil {
			// Keep what was built before it; the rest is fetched again.
			fetchErr = sl.err
			break
		}
		evs = append(evs, sl.ev)
		fetched = append(fetched, sl.uid)
	}
	done := len(uids)
	var refused *imap.MessageError
	if fetchErr != nil && errors.As(fetchErr, &refused) {
		f.failures[refused.UID]++
		if f.failures[refused.UID] >= maxRefusals && (len(fetched) == 0 || fetched[len(fetched)-1] < refused.UID) {
			// Register what we know, so the message is not lost from
			// sight, and move on.
			evs = append(evs, f.placeholder(refused, cp.UIDValidity))
			fetched = append(fetched, refused.UID)
			delete(f.failures, refused.UID)
			fetchErr = nil
			// The fetch stopped at the refused message: the rest of the
			// chunk comes next time round.
			done = 0
			for done < len(uids) && uids[done] <= refused.UID {
				done++
			}
		}
	}
	if len(evs) > 0 {
		// What was fetched is published and checkpointed even when a
		// shutdown began meanwhile.
		work, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		if err := ingest.Publish(work, f.bus, f.metrics, f.source, evs); err != nil {
			return 0, err
		}
		cp.LastUID = max(cp.LastUID, fetched[len(fetched)-1])
		cp.UpdatedAt = time.Now().UTC()
		newRev, err := f.cps.Save(work, f.key, cp, *rev)
		if errors.Is(err, bus.ErrCheckpointConflict) {
			return 0, fmt.Errorf("save checkpoint: another ingest-mail process syncs this folder too (run one per mailbox): %w", err)
		}
		if err != nil {
			return 0, fmt.Errorf("save checkpoint: %w", err)
		}
		*rev = newRev
		f.metrics.Checkpoint.WithLabelValues(f.source).Set(float64(cp.LastUID))
		if err := f.afterCapture(work, c, fetched); err != nil {
			return 0, err
		}
	}
	if fetchErr != nil {
		return 0, fetchErr
	}
	// Everything asked for up to done is captured, or vanished meanwhile
	// (expunged: there is nothing to capture).
	return done, nil
}

// afterCapture flags or moves what was captured, when so configured.
func (f *folderSync) afterCapture(ctx context.Context, c *imap.Client, uids []uint32) error {
	switch f.mb.After {
	case AfterFlag:
		if err := c.AddFlag(ctx, uids, f.mb.FlagKeyword); err != nil {
			return fmt.Errorf("flag captured messages: %w", err)
		}
	case AfterMove:
		if err := c.Move(ctx, uids, f.mb.MoveTo); err != nil {
			return fmt.Errorf("move captured messages: %w", err)
		}
	}
	return nil
}

// placeholder registers a message the server refused to hand over.
func (f *folderSync) placeholder(e *imap.MessageError, uidValidity uint32) caseevent.Event {
	ext := fmt.Sprintf("<imap-%s-%d-%d@meldpunt.invalid>", f.folder.Name, uidValidity, e.UID)
	m := caseevent.Message{
		Channel: caseevent.ChannelEmail, Direction: f.folder.Direction, Inbox: f.mb.Inbox, Domain: f.mb.Domain,
		ExternalID: ext,
		Text: fmt.Sprintf("De mailserver weigerde dit bericht af te geven (map %q, UID %d). Bekijk het in de mailbox zelf.",
			f.folder.Name, e.UID),
		ParseError: fmt.Sprintf("the server refused to deliver the message %d times: %v", maxRefusals, e.Err),
	}
	id := caseevent.NewID(caseevent.ChannelEmail, f.mb.Inbox, "imap-refused", f.folder.Name, fmt.Sprint(uidValidity), fmt.Sprint(e.UID))
	return caseevent.NewEvent(id, "meldpunt/ingest-mail/"+f.mb.Inbox, time.Now(), m)
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
