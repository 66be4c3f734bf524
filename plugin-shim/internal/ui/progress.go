package ui

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Progress counts uploaded bytes. On a terminal it draws a bar; elsewhere (CI logs) it stays
// silent, since a redrawn bar turns into thousands of log lines there (official plugin issue #174).
type Progress interface {
	Add(n int64)
	Reset() // the upload is retried from the start
	Finish()
}

// NewProgress returns the bar for an upload of size bytes.
func (u *UI) NewProgress(size int64) Progress {
	if u.JSON || !u.TTY {
		return silent{}
	}
	bar := progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(u.Out),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(40),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionOnCompletion(func() { io.WriteString(u.Out, "\n") }),
	)
	return &bar64{bar: bar}
}

type bar64 struct{ bar *progressbar.ProgressBar }

func (b *bar64) Add(n int64) { _ = b.bar.Add64(n) }
func (b *bar64) Reset()      { b.bar.Reset() }
func (b *bar64) Finish()     { _ = b.bar.Finish() }

type silent struct{}

func (silent) Add(int64) {}
func (silent) Reset()    {}
func (silent) Finish()   {}
