// Package ui renders everything the shim shows: human lines in the cf CLI's words, the
// newline-delimited JSON of --json, tables, the upload progress bar, and the exit-code table.
package ui

// Exit codes of every command. The cf CLI turns any non-zero plugin exit into its own exit 1,
// so these distinctions are visible only to callers that run the plugin binary directly (tests)
// and, through the "exit_code" field of the --json summary, to CI scripts.
const (
	// ExitOK: the command did what was asked. A deploy that stopped in ACTION_REQUIRED (waiting
	// for "resume" after the testing phase) also exits 0, as the official plugin does: CI scripts
	// rely on it and then resume or abort with -i/-a.
	ExitOK = 0
	// ExitFailed: the operation failed or was aborted, the target is not set, the engine could not
	// be reached or refused the request.
	ExitFailed = 1
	// ExitUsage: wrong flags or arguments ("Incorrect usage. ...").
	ExitUsage = 2
	// ExitInterrupted: Ctrl-C while following an operation; the operation itself goes on.
	ExitInterrupted = 130
)

// Outcome names used in the --json summary.
const (
	OutcomeFinished       = "finished"
	OutcomeActionRequired = "action_required"
	OutcomeFailed         = "failed"
	OutcomeAborted        = "aborted"
	OutcomeUsageError     = "usage_error"
	OutcomeError          = "error"
	OutcomeInterrupted    = "interrupted"
	OutcomeOK             = "ok"
)
