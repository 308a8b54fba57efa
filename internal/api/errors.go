package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/vigil-sec/vigil/internal/store"
)

// GuardDuty's error types.
const (
	TypeBadRequest   = "BadRequestException"
	TypeAccessDenied = "AccessDeniedException"
	TypeNotFound     = "ResourceNotFoundException"
	TypeConflict     = "ConflictException"
	TypeInternal     = "InternalServerErrorException"
)

// Error is an API error with GuardDuty's type and status code.
type Error struct {
	Status  int
	Type    string
	Message string
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

func badRequest(format string, a ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Type: TypeBadRequest, Message: fmt.Sprintf(format, a...)}
}

func notFound(format string, a ...any) *Error {
	return &Error{Status: http.StatusNotFound, Type: TypeNotFound, Message: fmt.Sprintf(format, a...)}
}

func conflict(format string, a ...any) *Error {
	return &Error{Status: http.StatusConflict, Type: TypeConflict, Message: fmt.Sprintf(format, a...)}
}

func accessDenied(format string, a ...any) *Error {
	return &Error{Status: http.StatusForbidden, Type: TypeAccessDenied, Message: fmt.Sprintf(format, a...)}
}

// asError maps any error to an API error: store.ErrNotFound to 404,
// anything unknown to a 500 whose message says nothing internal.
func asError(err error) *Error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, store.ErrNotFound):
		return notFound("%v", err)
	}
	return &Error{Status: http.StatusInternalServerError, Type: TypeInternal, Message: "internal error"}
}

// writeError writes GuardDuty's error shape: the type in the
// X-Amzn-ErrorType header and in the body with the message.
func writeError(w http.ResponseWriter, e *Error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", e.Type)
	w.WriteHeader(e.Status)
	b, _ := json.Marshal(map[string]string{"message": e.Message, "__type": e.Type, "type": e.Type})
	w.Write(b)
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
