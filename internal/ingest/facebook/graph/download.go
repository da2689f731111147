package graph

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// Download fetches an attachment URL with the request timeout. Over limit
// bytes it returns truncated=true and no data (having read at most limit+1
// bytes); the caller keeps the link and metadata instead. An error status is
// an *Error of Type "HTTPStatus" (429 Throttled, 408/5xx Transient, other
// 4xx such as an expired link Permanent).
func (c *Client) Download(ctx context.Context, url string, limit int64) (data []byte, contentType string, truncated bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, "", false, fmt.Errorf("download attachment: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, "", false, fmt.Errorf("download attachment: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, "", false, fmt.Errorf("download attachment: %w", &Error{Type: typeHTTPStatus, HTTPStatus: resp.StatusCode, Message: resp.Status})
	}
	contentType = resp.Header.Get("Content-Type")
	if limit < 0 {
		limit = 0
	}
	data, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, "", false, fmt.Errorf("download attachment: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, contentType, true, nil
	}
	return data, contentType, false, nil
}
