package open311

import (
	"context"
	"fmt"
	"net/url"
)

// Download fetches a media_url, reading at most limit bytes (limit <= 0:
// DefaultDownloadLimit). A larger file comes back cut at limit with
// truncated set. The api_key is not sent: media often sit on another host.
func (c *Client) Download(ctx context.Context, mediaURL string, limit int64) (data []byte, contentType string, truncated bool, err error) {
	if limit <= 0 {
		limit = DefaultDownloadLimit
	}
	u, err := url.Parse(mediaURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, "", false, fmt.Errorf("download media: bad url %q", truncate(mediaURL, 200))
	}
	data, contentType, err = c.get(ctx, u.String(), limit, "")
	if err != nil {
		return nil, "", false, fmt.Errorf("download media: %w", err)
	}
	if int64(len(data)) > limit {
		return data[:limit], contentType, true, nil
	}
	return data, contentType, false, nil
}
