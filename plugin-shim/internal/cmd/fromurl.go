package cmd

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Deploying from a URL, as the official plugin does: with no MTA argument and a standard input
// that is not a terminal (`echo URL | cf bg-deploy`), its first line names the archive. The plugin
// fetches it itself (the engine never reaches out to URLs a user names) into a private temporary
// directory, removed when the command ends, and deploys it like a file.

// urlFetchTimeout is the official plugin's limit for an upload from a URL.
const urlFetchTimeout = time.Hour

// urlOnStdin is the URL given on standard input, or "" when there is none (a terminal, an empty
// first line: the current directory is deployed then).
func (s *session) urlOnStdin() string {
	if s.env.InTTY || s.env.Stdin == nil {
		return ""
	}
	line, _ := bufio.NewReader(s.env.Stdin).ReadString('\n')
	return strings.TrimSpace(line)
}

// fetchArchive downloads the archive at rawURL; the path it returns is removed by s.close().
func (s *session) fetchArchive(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("Could not upload from url: %q is not an http or https URL", rawURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), urlFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", fmt.Errorf("Could not upload from url: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("Could not upload from url: %v", redact(err, u))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("Could not upload from url: %s", resp.Status)
	}
	dir, err := os.MkdirTemp("", "bg-deploy-url-")
	if err != nil {
		return "", err
	}
	s.cleanups = append(s.cleanups, func() { os.RemoveAll(dir) })
	name := path.Base(u.Path)
	if name == "." || name == "/" || name == "" {
		name = "archive.mtar"
	}
	dest := filepath.Join(dir, filepath.Base(name))
	out, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	bar := s.ui.NewProgress(resp.ContentLength)
	_, err = io.Copy(out, io.TeeReader(resp.Body, progressWriter{bar.Add}))
	bar.Finish()
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("Could not upload from url: %v", redact(err, u))
	}
	return dest, nil
}

// redact keeps a password in the URL out of error messages.
func redact(err error, u *url.URL) string {
	text := err.Error()
	if _, has := u.User.Password(); has {
		text = strings.ReplaceAll(text, u.String(), u.Redacted())
	}
	return text
}

type progressWriter struct{ add func(int64) }

func (p progressWriter) Write(b []byte) (int, error) { p.add(int64(len(b))); return len(b), nil }
