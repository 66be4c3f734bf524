package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// ConflictMetadataKey is the trailing-metadata key (or google.rpc.ErrorInfo metadata key
// "operation_id") through which the engine names the operation that blocks a new one.
const ConflictMetadataKey = "conflicting-operation-id"

// Error is an engine answer other than OK, translated once here for the commands.
type Error struct {
	Code    codes.Code
	Message string // the engine's message, shown to the user as is
	// ConflictingOperationID is set when StartOperation was refused because another operation
	// holds the MTA (FAILED_PRECONDITION or ABORTED with the operation's id attached).
	ConflictingOperationID string
}

func (e *Error) Error() string { return e.Message }

// UnreachableError means no engine answered at Address.
type UnreachableError struct {
	Address string
	LogPath string // local engines only
	Cause   error
}

func (e *UnreachableError) Error() string {
	msg := fmt.Sprintf("Could not reach the deploy engine at %s", e.Address)
	if e.Cause != nil {
		msg += ": " + strings.TrimSpace(e.Cause.Error())
	}
	if e.LogPath != "" {
		msg += fmt.Sprintf(". See the engine log at %s", e.LogPath)
	}
	return msg
}

func (e *UnreachableError) Unwrap() error { return e.Cause }

// IsNotFound reports whether the engine answered NOT_FOUND.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == codes.NotFound
}

// ConflictingOperation returns the id of the operation that blocked a StartOperation.
func ConflictingOperation(err error) (string, bool) {
	var e *Error
	if errors.As(err, &e) && e.ConflictingOperationID != "" {
		return e.ConflictingOperationID, true
	}
	return "", false
}

// translate turns a gRPC error into an *Error or *UnreachableError. trailer may be nil.
func (c *grpcClient) translate(err error, trailer metadata.MD) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	var done *Error
	var unreachable *UnreachableError
	if errors.As(err, &done) || errors.As(err, &unreachable) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	switch st.Code() {
	case codes.Canceled:
		return context.Canceled
	case codes.Unavailable:
		return &UnreachableError{Address: c.ep.Display(), LogPath: c.ep.LogPath(), Cause: errors.New(st.Message())}
	case codes.DeadlineExceeded:
		return &Error{Code: st.Code(), Message: fmt.Sprintf("The deploy engine at %s did not answer in time (%s)", c.ep.Display(), st.Message())}
	case codes.PermissionDenied:
		return &Error{Code: st.Code(), Message: fmt.Sprintf("Permission denied by the deploy engine at %s: %s", c.ep.Display(), st.Message())}
	case codes.Unauthenticated:
		return &Error{Code: st.Code(), Message: fmt.Sprintf(`%s. Use "cf login" to log in again.`, strings.TrimSuffix(st.Message(), "."))}
	case codes.Internal, codes.Unknown, codes.Unimplemented, codes.DataLoss:
		return &Error{Code: st.Code(), Message: "The deploy engine failed: " + st.Message()}
	}
	e := &Error{Code: st.Code(), Message: st.Message()}
	if st.Code() == codes.FailedPrecondition || st.Code() == codes.Aborted || st.Code() == codes.AlreadyExists {
		e.ConflictingOperationID = conflictID(st, trailer)
	}
	return e
}

func conflictID(st *status.Status, trailer metadata.MD) string {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			if id := info.GetMetadata()["operation_id"]; id != "" {
				return id
			}
		}
	}
	if v := trailer.Get(ConflictMetadataKey); len(v) > 0 {
		return v[0]
	}
	return ""
}

// retryable reports whether a call may be repeated: the engine could not be reached, or the
// connection dropped.
func retryable(err error) bool {
	var u *UnreachableError
	if errors.As(err, &u) {
		return true
	}
	return status.Code(err) == codes.Unavailable
}
