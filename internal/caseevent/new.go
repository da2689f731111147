package caseevent

import "time"

// NewEvent wraps m in an envelope of type TypeMessageV1. id should come from
// NewID so that capturing the same message twice gives the same event; t is
// when the connector captured the message and is stored in UTC.
func NewEvent(id, source string, t time.Time, m Message) Event {
	return Event{
		SpecVersion:     SpecVersion,
		ID:              id,
		Source:          source,
		Type:            TypeMessageV1,
		Time:            t.UTC(),
		DataContentType: DataContentType,
		Data:            m,
	}
}
