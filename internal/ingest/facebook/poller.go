package facebook

import (
	"context"
	"errors"

	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/ingest"
	"github.com/meldpunt/meldpunt/internal/ingest/facebook/graph"
)

// buildWorkers is how many events are built at once, and publishBatch
// how many are published together.
const (
	buildWorkers = 16
	publishBatch = 500
)

// Options tune the polling.
type Options struct {
	PollInterval    time.Duration
	Overlap         time.Duration
	CommentDays     int
	AttachmentLimit int64
	// ThrottleWait is the least wait after Facebook throttled us
	// (default one minute); the usage headers may ask for more.
	ThrottleWait time.Duration
}

// Source is a page with its Graph client and its token.
type Source struct {
	Page  Page
	Graph *graph.Client
	// Token reads the page access token (from its file or variable) anew.
	Token func() (string, error)
	// TokenOrigin names where the token comes from, for messages to staff.
	TokenOrigin string
}

// Poller polls pages.
type Poller struct {
	bus     *bus.Bus
	cps     *ingest.Checkpoints
	health  *ingest.Health
	metrics *ingest.Metrics
	log     *slog.Logger
	opts    Options
	now     func() time.Time

	mu      sync.Mutex
	wake    map[string]chan struct{} // by page id: poll now (webhooks)
	polling map[string]*sync.Mutex   // by page id: one poll at a time
}

// NewPoller returns a poller publishing through b.
func NewPoller(b *bus.Bus, h *ingest.Health, m *ingest.Metrics, opts Options, log *slog.Logger) *Poller {
	if opts.PollInterval <= 0 {
		opts.PollInterval = 30 * time.Second
	}
	if opts.CommentDays <= 0 {
		opts.CommentDays = 14
	}
	if opts.AttachmentLimit <= 0 {
		opts.AttachmentLimit = 25 << 20
	}
	if opts.ThrottleWait <= 0 {
		opts.ThrottleWait = time.Minute
	}
	return &Poller{bus: b, cps: ingest.NewCheckpoints(b), health: h, metrics: m, log: log, opts: opts, now: time.Now,
		wake: map[string]chan struct{}{}, polling: map[string]*sync.Mutex{}}
}

// Run polls every source until ctx ends.
func (p *Poller) Run(ctx context.Context, sources []Source) {
	var wg sync.WaitGroup
	for _, s := range sources {
		p.mu.Lock()
		p.wake[s.Page.ID] = make(chan struct{}, 1)
		p.polling[s.Page.ID] = &sync.Mutex{}
		p.mu.Unlock()
		p.health.Register(source(s.Page))
		wg.Go(func() { p.runPage(ctx, s) })
	}
	wg.Wait()
}

// Wake asks for a poll of the page soon (a webhook said something changed).
func (p *Poller) Wake(pageID string) {
	p.mu.Lock()
	ch := p.wake[pageID]
	p.mu.Unlock()
	if ch != nil {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func source(pg Page) string { return pg.Inbox + "/" + pg.ID }

// checkpoint is a page's position.
type checkpoint struct {
	// ConversationsHW is the newest updated_time of a conversation whose
	// messages are all acknowledged.
	ConversationsHW time.Time `json:"conversations_hw"`
	// FeedHW is the newest creation time of a visitor post or comment
	// that is acknowledged.
	FeedHW    time.Time `json:"feed_hw"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (p *Poller) runPage(ctx context.Context, s Source) {
	src := source(s.Page)
	log := p.log.With("inbox", s.Page.Inbox, "page", s.Page.ID)
	var refused string // the token Facebook refused; polling waits for another one
	var refusedSince time.Time
	failures := 0
	for {
		wait := p.opts.PollInterval
		token, err := s.Token()
		switch {
		case err != nil:
			log.Error("cannot read the page token", "error", err)
			p.fail(src, fmt.Errorf("read page token from %s: %w", s.TokenOrigin, err), true)
		case refused != "" && token == refused:
			// Still the refused token: nothing to do until it changes.
		default:
			if refused != "" {
				log.Info("the page token changed; polling again")
				refused = ""
			}
			s.Graph.SetToken(token)
			err := p.pollPage(ctx, s, log)
			if ctx.Err() != nil {
				return
			}
			switch graph.Classify(err) {
			case 0:
				failures = 0
				p.health.Success(src)
				p.metrics.LastSuccess.WithLabelValues(src).SetToCurrentTime()
				p.metrics.Healthy.WithLabelValues(src).Set(1)
			case graph.TokenInvalid:
				refused, refusedSince = token, p.now()
				log.Error(fmt.Sprintf("page token invalid since %s: create a new page access token and put it in %s; polling resumes by itself when it changes",
					refusedSince.Format(time.RFC3339), s.TokenOrigin), "error", err)
				p.fail(src, fmt.Errorf("page token invalid since %s: create a new one (%s): %w", refusedSince.Format(time.RFC3339), s.TokenOrigin, err), true)
			case graph.Permission:
				refused, refusedSince = token, p.now()
				log.Error("the page token lacks a permission (pages_messaging, pages_read_engagement, pages_read_user_content): grant it and create a new token",
					"error", err)
				p.fail(src, fmt.Errorf("page token lacks a permission since %s: %w", refusedSince.Format(time.RFC3339), err), true)
			case graph.Throttled:
				wait = max(s.Graph.Usage().Backoff(), p.opts.ThrottleWait)
				log.Warn("Facebook throttles this app or page; waiting", "wait", wait, "error", err)
				p.fail(src, err, false)
			default:
				failures++
				wait = ingest.Backoff(failures, time.Second, 2*time.Minute)
				log.Warn("poll failed, will retry", "error", err, "wait", wait.Round(time.Millisecond))
				p.fail(src, err, false)
			}
		}
		if d := s.Graph.Usage().Backoff(); d > wait {
			log.Info("close to Facebook's rate limits; polling less often", "wait", d)
			wait = d
		}
		p.mu.Lock()
		wake := p.wake[s.Page.ID]
		p.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-wake:
			t.Stop()
		case <-t.C:
		}
	}
}

func (p *Poller) fail(src string, err error, needsPerson bool) {
	p.health.Failure(src, err, needsPerson)
	p.metrics.Errors.WithLabelValues(src).Inc()
	if needsPerson {
		p.metrics.Healthy.WithLabelValues(src).Set(0)
	}
}

// pollPage captures what changed since the checkpoint: Messenger first,
// then visitor posts and comments.
func (p *Poller) pollPage(ctx context.Context, s Source, log *slog.Logger) error {
	p.mu.Lock()
	lock := p.polling[s.Page.ID]
	p.mu.Unlock()
	lock.Lock()
	defer lock.Unlock()

	key := bus.CheckpointKey("facebook", s.Page.Inbox, s.Page.ID)
	var cp checkpoint
	rev, err := p.cps.Load(ctx, key, &cp)
	if err != nil {
		return fmt.Errorf("load checkpoint: %w", err)
	}
	save := func() error {
		cp.UpdatedAt = p.now().UTC()
		r, err := p.cps.Save(context.WithoutCancel(ctx), key, cp, rev)
		if err != nil {
			return fmt.Errorf("save checkpoint: %w", err)
		}
		rev = r
		return nil
	}

	if hw, err := p.pollMessenger(ctx, s, cp.ConversationsHW); err != nil {
		return err
	} else if hw.After(cp.ConversationsHW) {
		cp.ConversationsHW = hw
		if err := save(); err != nil {
			return err
		}
	}
	hw, err := p.pollFeed(ctx, s, cp.FeedHW)
	if err != nil {
		return err
	}
	if hw.After(cp.FeedHW) {
		cp.FeedHW = hw
		return save()
	}
	return nil
}

// pollMessenger reads the conversations updated since hw (minus the
// overlap), newest first, and in each the messages since then. It returns
// the new high-water mark, valid only when everything was published.
func (p *Poller) pollMessenger(ctx context.Context, s Source, hw time.Time) (time.Time, error) {
	cutoff := hw.Add(-p.opts.Overlap)
	first := hw.IsZero()
	var convs []graph.Conversation
	err := s.Graph.Conversations(ctx, s.Page.ID, func(page []graph.Conversation) (bool, error) {
		for _, c := range page {
			if !first && !c.UpdatedTime.After(cutoff) {
				return false, nil // newest first: the rest is older
			}
			convs = append(convs, c)
		}
		return true, nil
	})
	if err != nil {
		return hw, fmt.Errorf("list conversations: %w", err)
	}
	newHW := hw
	// Messages of several conversations are published together; the
	// high-water mark moves only after the whole pass anyway.
	var items []item
	for _, c := range convs {
		err := s.Graph.Messages(ctx, c.ID, func(page []graph.Message) (bool, error) {
			for _, m := range page {
				if !first && !m.CreatedTime.After(cutoff) {
					return false, nil
				}
				items = append(items, messageItem(c.ID, m))
			}
			return true, nil
		})
		if err != nil {
			return hw, fmt.Errorf("read conversation %s: %w", c.ID, err)
		}
		if len(items) >= publishBatch {
			if err := p.publish(ctx, s, items); err != nil {
				return hw, err
			}
			items = items[:0]
		}
		if c.UpdatedTime.After(newHW) {
			newHW = c.UpdatedTime
		}
	}
	if err := p.publish(ctx, s, items); err != nil {
		return hw, err
	}
	return newHW, nil
}

// pollFeed reads visitor posts and the comments on the page's posts of the
// last CommentDays days, created since hw (minus the overlap). It returns
// the newest creation time seen, by Facebook's clock, not ours.
func (p *Poller) pollFeed(ctx context.Context, s Source, hw time.Time) (time.Time, error) {
	window := p.now().Add(-time.Duration(p.opts.CommentDays) * 24 * time.Hour)
	cutoff := hw.Add(-p.opts.Overlap)
	if hw.IsZero() {
		cutoff = time.Time{}
	}
	var posts []graph.Post
	err := s.Graph.Feed(ctx, s.Page.ID, window, func(page []graph.Post) (bool, error) {
		posts = append(posts, page...)
		return true, nil
	})
	if err != nil {
		return hw, fmt.Errorf("read feed: %w", err)
	}
	newHW := hw
	seen := func(t time.Time) {
		if t.After(newHW) {
			newHW = t
		}
	}
	var items []item
	for _, post := range posts {
		if post.From.ID != s.Page.ID && post.CreatedTime.After(cutoff) {
			items = append(items, postItem(post)) // a visitor's post; the page's own posts are context
			seen(post.CreatedTime)
		}
		err := s.Graph.Comments(ctx, post.ID, cutoff, func(page []graph.Comment) (bool, error) {
			for _, c := range page {
				if c.CreatedTime.After(cutoff) {
					items = append(items, commentItem(post.ID, c))
					seen(c.CreatedTime)
				}
			}
			return true, nil
		})
		if err != nil {
			return hw, fmt.Errorf("read comments of %s: %w", post.ID, err)
		}
	}
	if err := p.publish(ctx, s, items); err != nil {
		return hw, err
	}
	return newHW, nil
}

// publish builds and publishes the events of items and waits for every
// acknowledgement.
func (p *Poller) publish(ctx context.Context, s Source, items []item) error {
	if len(items) == 0 {
		return nil
	}
	src := source(s.Page)
	evs, errs := ingest.BuildAll(len(items), buildWorkers, func(i int) (caseevent.Event, error) {
		return build(ctx, p.bus, s.Graph, p.opts.AttachmentLimit, s.Page, items[i])
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	p.metrics.Captured.WithLabelValues(src).Add(float64(len(evs)))
	if err := ingest.Publish(ctx, p.bus, p.metrics, src, evs); err != nil {
		return err
	}
	return nil
}
