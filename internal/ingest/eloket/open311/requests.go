package open311

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// Requests lists the requests with requested_datetime in [start, end) and
// calls fn with each batch; it returns the first error, from the server or
// from fn.
//
// The standard caps one answer at 90 days and 1,000 results. The period is
// cut into windows of at most 90 days, oldest first; a window whose answer is
// full (MaxResults results, or a full page that brought nothing new) is split
// in two and each half listed, older half first, so nothing is lost. With
// PageSize > 0 each window is read page by page (page, page_size). Servers
// differ in whether end_date is inclusive, so the bounds are enforced here
// too, and a request is passed on at most once per call. When a one-second
// window is still full the listing goes on and ErrWindowFull is returned at
// the end.
//
// A malformed item does not stop the listing: it is passed on with Raw and
// ParseError set. Items whose requested_datetime could not be read cannot be
// placed in a window and are passed on as the server listed them.
func (c *Client) Requests(ctx context.Context, start, end time.Time, fn func([]Request) error) error {
	start, end = start.Truncate(time.Second), end.Truncate(time.Second)
	if !start.Before(end) {
		return nil
	}
	l := lister{c: c, fn: fn, seen: map[string]bool{}}
	for w := start; w.Before(end); w = w.Add(MaxWindow) {
		if err := l.window(ctx, w, earlier(end, w.Add(MaxWindow))); err != nil {
			return err
		}
	}
	return l.full
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

type lister struct {
	c    *Client
	fn   func([]Request) error
	seen map[string]bool
	full error // the first window that was full and could not be split
}

// window lists [start, end), splitting it when an answer comes back full.
func (l *lister) window(ctx context.Context, start, end time.Time) error {
	if l.c.cfg.PageSize == 0 {
		items, err := l.fetch(ctx, start, end, 0)
		if err != nil {
			return err
		}
		if len(items) >= l.c.maxResults {
			if split, err := l.split(ctx, start, end); split || err != nil {
				return err
			}
			return l.deliverFull(items, start, end)
		}
		return l.deliver(items, start, end)
	}
	for page := 1; ; page++ {
		items, err := l.fetch(ctx, start, end, page)
		if err != nil {
			return err
		}
		if len(items) > l.c.cfg.PageSize && page == 1 {
			// More results than asked for: page_size is ignored, so this
			// is an unpaged answer.
			if len(items) >= l.c.maxResults {
				if split, err := l.split(ctx, start, end); split || err != nil {
					return err
				}
				return l.deliverFull(items, start, end)
			}
			return l.deliver(items, start, end)
		}
		full := len(items) >= l.c.cfg.PageSize
		if full && page > 1 && l.fresh(items) == 0 {
			// A full page with nothing new: page is ignored and paging
			// cannot reach the rest.
			if split, err := l.split(ctx, start, end); split || err != nil {
				return err
			}
			return l.deliverFull(items, start, end)
		}
		if err := l.deliver(items, start, end); err != nil {
			return err
		}
		if !full {
			return nil
		}
	}
}

// split lists both halves of a window; split is false when the window is one
// second and cannot be split.
func (l *lister) split(ctx context.Context, start, end time.Time) (split bool, err error) {
	mid := start.Add(end.Sub(start) / 2).Truncate(time.Second)
	if !mid.After(start) || !mid.Before(end) {
		return false, nil
	}
	if err := l.window(ctx, start, mid); err != nil {
		return true, err
	}
	return true, l.window(ctx, mid, end)
}

func (l *lister) deliverFull(items []Request, start, end time.Time) error {
	if err := l.deliver(items, start, end); err != nil {
		return err
	}
	if l.full == nil {
		l.full = fmt.Errorf("list requests %s..%s: %w", formatTime(start), formatTime(end), ErrWindowFull)
	}
	return nil
}

func (l *lister) fresh(items []Request) int {
	n := 0
	for _, r := range items {
		if r.ID == "" || !l.seen[r.ID] {
			n++
		}
	}
	return n
}

// deliver passes on the items of [start, end) not passed on before.
func (l *lister) deliver(items []Request, start, end time.Time) error {
	batch := items[:0]
	for _, r := range items {
		if !r.RequestedAt.IsZero() && (r.RequestedAt.Before(start) || !r.RequestedAt.Before(end)) {
			continue
		}
		if r.ID != "" {
			if l.seen[r.ID] {
				continue
			}
			l.seen[r.ID] = true
		}
		batch = append(batch, r)
	}
	if len(batch) == 0 {
		return nil
	}
	return l.fn(batch)
}

// fetch asks for one window (and page, when page > 0).
func (l *lister) fetch(ctx context.Context, start, end time.Time, page int) ([]Request, error) {
	q := url.Values{}
	q.Set("start_date", formatTime(start))
	q.Set("end_date", formatTime(end))
	if page > 0 {
		q.Set("page", itoa(page))
		q.Set("page_size", itoa(l.c.cfg.PageSize))
	}
	what := fmt.Sprintf("list requests %s..%s", formatTime(start), formatTime(end))
	if page > 0 {
		what += fmt.Sprintf(" page %d", page)
	}
	body, _, err := l.c.get(ctx, l.c.endpoint("requests", q), maxListBytes, l.c.accept())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(body) > maxListBytes {
		return nil, fmt.Errorf("%s: %w: answer larger than %d bytes", what, ErrGarbage, maxListBytes)
	}
	var items []Request
	if l.c.cfg.Format == "xml" {
		items, err = decodeRequestsXML(body, l.c.loc)
	} else {
		items, err = decodeRequestsJSON(body, l.c.loc)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return items, nil
}
