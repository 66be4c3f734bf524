package ui

// JSON records of --json mode, one per line. Every record has "event"; the last line of a
// command is always a Summary.

// EventRecord is one progress line of an operation (or a line the shim adds, e.g. an upload).
type EventRecord struct {
	Event       string `json:"event"` // "progress", "upload", "operation", "action", "retry", "state", "smoke-test"
	OperationID string `json:"operation_id,omitempty"`
	Seq         int64  `json:"seq,omitempty"`
	Timestamp   string `json:"timestamp"`
	Level       string `json:"level,omitempty"`
	Phase       string `json:"phase,omitempty"`
	App         string `json:"app,omitempty"`
	Route       string `json:"route,omitempty"`
	Module      string `json:"module,omitempty"`
	State       string `json:"state,omitempty"`
	File        string `json:"file,omitempty"`
	Reused      *bool  `json:"reused,omitempty"`
	Action      string `json:"action,omitempty"`
	Command     string `json:"command,omitempty"` // smoke-test: the command a line is about
	Message     string `json:"message,omitempty"`
}

// Summary is the last line of every command in JSON mode.
type Summary struct {
	Event       string            `json:"event"` // always "summary"
	Command     string            `json:"command"`
	OperationID string            `json:"operation_id,omitempty"`
	MtaID       string            `json:"mta_id,omitempty"`
	State       string            `json:"state,omitempty"`
	ErrorType   string            `json:"error_type,omitempty"`
	Outcome     string            `json:"outcome"`
	ExitCode    int               `json:"exit_code"`
	Message     string            `json:"message,omitempty"`
	Next        map[string]string `json:"next_commands,omitempty"` // e.g. "resume": "cf bg-deploy -i X -a resume"
	Data        any               `json:"data,omitempty"`          // list commands: the records
}
