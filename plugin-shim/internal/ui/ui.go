package ui

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// UI writes the user-visible output of one command run. In human mode everything, including
// FAILED, goes to stdout as the official plugin does. In JSON mode stdout carries only JSON
// lines; the human error line goes to stderr so a person watching a CI log still sees it.
type UI struct {
	Out   io.Writer
	Err   io.Writer
	JSON  bool
	TTY   bool // stdout is a terminal: progress bar and colours
	color bool
	mu    sync.Mutex
	now   func() time.Time
}

// New returns a UI; colour follows the cf CLI's rule (terminal and CF_COLOR not "false").
func New(out, errOut io.Writer, tty, jsonMode bool) *UI {
	return &UI{
		Out:   out,
		Err:   errOut,
		JSON:  jsonMode,
		TTY:   tty,
		color: tty && !strings.EqualFold(os.Getenv("CF_COLOR"), "false"),
		now:   time.Now,
	}
}

// Say prints one human line (nothing in JSON mode).
func (u *UI) Say(format string, args ...any) {
	if u.JSON {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(args) == 0 {
		fmt.Fprintln(u.Out, format)
		return
	}
	fmt.Fprintf(u.Out, format+"\n", args...)
}

// OK prints the cf CLI's "OK".
func (u *UI) OK() {
	u.Say(u.paint("OK", "32;1"))
}

// Failed prints "FAILED" and the message: stdout in human mode, stderr in JSON mode.
func (u *UI) Failed(msg string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	w := u.Out
	if u.JSON {
		w = u.Err
	}
	fmt.Fprintln(w, u.paint("FAILED", "31;1"))
	fmt.Fprintln(w, msg)
}

// Warn prints a warning line: stdout in human mode, stderr in JSON mode.
func (u *UI) Warn(msg string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	w := u.Out
	if u.JSON {
		w = u.Err
	}
	fmt.Fprintln(w, u.paint(msg, "33;1"))
}

// Emit writes one JSON line in JSON mode (nothing in human mode). Empty fields are dropped by
// the omitempty tags of the record types.
func (u *UI) Emit(record any) {
	if !u.JSON {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	b, err := json.Marshal(record)
	if err != nil {
		return
	}
	u.Out.Write(append(b, '\n'))
}

// Now is the clock used for timestamps of records the shim makes itself.
func (u *UI) Now() time.Time { return u.now() }

func (u *UI) paint(s, code string) string {
	if !u.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}
