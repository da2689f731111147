package open311

import (
	"context"
	"encoding/json"
	"fmt"
)

// Service is one entry of GET services.{format}.
type Service struct {
	Code, Name, Description, Group string
}

// maxListBytes bounds one listing answer; 1,000 requests fit many times.
const maxListBytes = 64 << 20

// Services lists the jurisdiction's service types (GET {base}/services.json).
func (c *Client) Services(ctx context.Context) ([]Service, error) {
	body, _, err := c.get(ctx, c.endpoint("services", nil), maxListBytes, c.accept())
	if err != nil {
		return nil, fmt.Errorf("list services: %w", err)
	}
	if len(body) > maxListBytes {
		return nil, fmt.Errorf("list services: %w: answer larger than %d bytes", ErrGarbage, maxListBytes)
	}
	var svcs []Service
	if c.cfg.Format == "xml" {
		svcs, err = decodeServicesXML(body)
	} else {
		svcs, err = decodeServicesJSON(body)
	}
	if err != nil {
		return nil, fmt.Errorf("list services: %w", err)
	}
	return svcs, nil
}

func (c *Client) accept() string {
	if c.cfg.Format == "xml" {
		return "application/xml, text/xml"
	}
	return "application/json"
}

func decodeServicesJSON(data []byte) ([]Service, error) {
	items, err := jsonItems(data, "services")
	if err != nil {
		return nil, err
	}
	out := make([]Service, 0, len(items))
	for _, raw := range items {
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			continue // a service we cannot read only costs its name
		}
		f := fields{get: func(k string) (json.RawMessage, bool) { v, ok := m[k]; return v, ok }}
		out = append(out, serviceFrom(&f))
	}
	return out, nil
}

func decodeServicesXML(data []byte) ([]Service, error) {
	items, err := xmlItems(data, "services")
	if err != nil {
		return nil, err
	}
	out := make([]Service, 0, len(items))
	for _, it := range items {
		f := fields{get: it.field}
		out = append(out, serviceFrom(&f))
	}
	return out, nil
}

func serviceFrom(f *fields) Service {
	return Service{
		Code:        f.str("service_code"),
		Name:        f.str("service_name"),
		Description: f.str("description"),
		Group:       f.str("group"),
	}
}
