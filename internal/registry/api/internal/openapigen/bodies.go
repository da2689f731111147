package openapigen

// The bodies of the case actions and the quarantine that package api
// decodes into unexported types, mirrored here so that they can be
// described. The API's OpenAPI test compares each with the type its
// handler really decodes into (TestOpenAPIRequestBodies): change both.
type (
	noteIn struct {
		Text string `json:"text"`
	}
	statusIn struct {
		Status string `json:"status"`
		Detail string `json:"detail"`
	}
	typeIn struct {
		Type   string `json:"type"`
		Detail string `json:"detail"`
	}
	detailIn struct {
		Detail string `json:"detail"`
	}
	answerIn struct {
		Answer string `json:"answer"`
	}
	mergeIn struct {
		Into   string `json:"into"`
		Detail string `json:"detail"`
	}
	splitIn struct {
		MessageIDs []int64 `json:"message_ids"`
		Subject    string  `json:"subject"`
		Detail     string  `json:"detail"`
	}
	emptyIn          struct{}
	quarantineNoteIn struct {
		Note string `json:"note"`
	}
)
