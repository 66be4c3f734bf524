package cmd

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"bgdeploy.local/plugin-shim/internal/archive"
	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
)

// --require-secure-parameters, as the official plugin does it: the __MTA___<name> (text),
// __MTA_JSON___<name> (JSON) and __MTA_CERT___<name> (base64, e.g. a PEM certificate) variables
// become the global parameters of an extension descriptor `__mta.secure` that extends the MTA (the
// engine merges it last). The plugin builds it in memory and sends it to the engine only.

const (
	secureExtensionID   = "__mta.secure"
	secureExtensionFile = "__mta.secure.mtaext"
)

var secureName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// secureParameters collects the variables, in name order; a bad name, value or a name given two
// ways is an error, in the official plugin's words.
func secureParameters(environ []string) (map[string]any, []string, error) {
	kinds := []struct{ prefix, label string }{{"__MTA_JSON___", "__MTA_JSON"}, {"__MTA_CERT___", "__MTA_CERT"}, {"__MTA___", "__MTA"}}
	params := map[string]any{}
	var names []string
	env := slices.Clone(environ)
	slices.Sort(env)
	for _, pair := range env {
		key, value, ok := strings.Cut(pair, "=")
		if !ok {
			continue
		}
		for _, k := range kinds {
			name, found := strings.CutPrefix(key, k.prefix)
			if !found {
				continue
			}
			if !secureName.MatchString(name) {
				return nil, nil, fmt.Errorf("invalid secure parameter name %q", name)
			}
			if _, dup := params[name]; dup {
				return nil, nil, fmt.Errorf("secure parameter %q defined multiple ways (collision with %s)", name, k.label)
			}
			switch k.label {
			case "__MTA_JSON":
				var v any
				if err := json.Unmarshal([]byte(value), &v); err != nil {
					return nil, nil, fmt.Errorf("invalid JSON for %s: %v", name, err)
				}
				params[name] = v
			case "__MTA_CERT":
				decoded, err := base64.StdEncoding.DecodeString(value)
				if err != nil {
					return nil, nil, fmt.Errorf("invalid base64 for %s: %v", name, err)
				}
				params[name] = string(decoded)
			default:
				params[name] = value
			}
			names = append(names, name)
			break
		}
	}
	slices.Sort(names)
	return params, names, nil
}

// secureExtension is the extension descriptor of the parameters, for the MTA mtaID.
func secureExtension(params map[string]any, mtaID, schemaVersion string) ([]byte, error) {
	return yaml.Marshal(map[string]any{
		"_schema-version": schemaVersion,
		"ID":              secureExtensionID,
		"extends":         mtaID,
		"parameters":      params,
	})
}

// prepareSecure builds the extension before anything is uploaded, so a missing or bad variable
// fails first.
func (s *session) prepareSecure(c *cmdline) error {
	environ := os.Environ
	if s.env.Environ != nil {
		environ = s.env.Environ
	}
	params, names, err := secureParameters(environ())
	if err != nil {
		return fmt.Errorf("Secure parameters error: %s", err)
	}
	if len(params) == 0 {
		return errors.New("No secure parameters found in environment. Set variables like __MTA___<name>, __MTA_JSON___<name>, or __MTA_CERT___<name>.")
	}
	id, schema, err := archive.Identify(c.archive)
	if err != nil {
		return err
	}
	if c.secureExtension, err = secureExtension(params, id, schema); err != nil {
		return fmt.Errorf("Could not build secure extension: %s", err)
	}
	s.ui.Say("Secure parameters from the environment: %s", strings.Join(names, ", "))
	return nil
}

// uploadSecure sends the extension to the engine from memory (it never touches the disk here).
func (s *session) uploadSecure(ctx context.Context, data []byte) (*pb.FileRef, error) {
	sum := sha256.Sum256(data)
	header := &pb.UploadHeader{Target: s.target.Proto(), FileName: secureExtensionFile,
		Kind: pb.FileKind_FILE_KIND_EXTENSION_DESCRIPTOR, Size: int64(len(data)), Sha256: hex.EncodeToString(sum[:])}
	ref, err := s.eng.Upload(ctx, header, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
		func(int64, bool) {})
	if err != nil {
		return nil, fmt.Errorf("Could not upload file %s: %w", secureExtensionFile, err)
	}
	return ref, nil
}
