package fastgpt

/*
#include "fastgpt.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Status is a libfastgpt status code. Each non-OK status is also usable as an errors.Is
// target: errors.Is(err, fastgpt.StatusAPI) holds for any *Error with that status.
type Status int32

// The library's status codes (values are permanent).
const (
	StatusOK               Status = C.FASTGPT_OK
	StatusInvalidArgument  Status = C.FASTGPT_E_INVALID_ARGUMENT
	StatusTransport        Status = C.FASTGPT_E_TRANSPORT
	StatusTimeout          Status = C.FASTGPT_E_TIMEOUT
	StatusHTTP             Status = C.FASTGPT_E_HTTP
	StatusAPI              Status = C.FASTGPT_E_API
	StatusProtocol         Status = C.FASTGPT_E_PROTOCOL
	StatusStreamIncomplete Status = C.FASTGPT_E_STREAM_INCOMPLETE
	StatusAborted          Status = C.FASTGPT_E_ABORTED
	StatusCancelled        Status = C.FASTGPT_E_CANCELLED
	StatusPanic            Status = C.FASTGPT_E_PANIC
)

// String is the library's name for the status ("FASTGPT_E_API", ..., "unknown").
func (s Status) String() string { return C.GoString(C.fastgpt_status_str(C.int32_t(s))) }

// Error makes a Status usable as a sentinel error.
func (s Status) Error() string { return "fastgpt: " + s.String() }

// Error is a failed library call: every member of the library's error JSON.
type Error struct {
	Status       Status          // the status code returned
	StatusName   string          // "FASTGPT_E_API", ...
	Message      string          // human-readable summary (English, also for FastGPT's i18n keys)
	MessageKey   string          // FastGPT's i18n key when the server's message was one ("common:code_error..."); "" otherwise
	HTTPStatus   int             // 0 when no response was received
	APICode      json.RawMessage // envelope / error-frame "code" as JSON (normally a number); nil when none
	StatusText   string          // its "statusText"; "" when none
	Body         string          // response body (at most 64 KiB); "" when none
	RetryAfterMs *int64          // from Retry-After, when present
	RequestID    string          // x-request-id response header, when present
	Method       string          // "" when no request was sent
	URL          string          // last request URL, "" when none
	Attempts     int             // requests sent, retries and path fallback included
	Timeout      string          // "connect", "request" or "idle" when a timeout fired
	Partial      json.RawMessage // streaming calls: the result accumulated so far; nil otherwise
	Raw          json.RawMessage // the whole error JSON as the library returned it

	// Cause is what led to the status when it came from the Go side: the context's error
	// for StatusCancelled caused by the context, the callback's error (or a *PanicError)
	// for StatusAborted, ErrClosed for a stream closed during Next. Unwrap returns it.
	Cause error
}

func (e *Error) Error() string {
	name := e.StatusName
	if name == "" {
		name = e.Status.String()
	}
	s := "fastgpt: " + name
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Cause != nil && e.Status == StatusAborted {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns Cause, so errors.Is(err, context.Canceled) holds for a call cancelled
// through its context, and errors.Is/As reach a stream callback's own error.
func (e *Error) Unwrap() error { return e.Cause }

// Is matches a Status target: errors.Is(err, fastgpt.StatusTimeout).
func (e *Error) Is(target error) bool {
	s, ok := target.(Status)
	return ok && e.Status == s
}

// APICodeInt returns APICode as an integer, when it is one.
func (e *Error) APICodeInt() (int, bool) {
	if len(e.APICode) == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(string(e.APICode))
	return n, err == nil
}

// PanicError is the cause of a StatusAborted error when the stream callback panicked.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the goroutine's stack at the panic
}

func (p *PanicError) Error() string { return fmt.Sprintf("stream callback panicked: %v", p.Value) }

type errorJSON struct {
	Error struct {
		Status       *int32          `json:"status"`
		StatusName   string          `json:"status_name"`
		Message      string          `json:"message"`
		MessageKey   *string         `json:"message_key"`
		HTTPStatus   *int            `json:"http_status"`
		APICode      json.RawMessage `json:"api_code"`
		StatusText   *string         `json:"status_text"`
		Body         *string         `json:"body"`
		RetryAfterMs *int64          `json:"retry_after_ms"`
		RequestID    *string         `json:"request_id"`
		Method       *string         `json:"method"`
		URL          *string         `json:"url"`
		Attempts     int             `json:"attempts"`
		Timeout      *string         `json:"timeout"`
		Partial      json.RawMessage `json:"partial"`
	} `json:"error"`
}

func nonNull(r json.RawMessage) json.RawMessage {
	if len(r) == 0 || string(r) == "null" {
		return nil
	}
	return r
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// parseError builds an *Error from the status code and the library's error JSON.
func parseError(st Status, s string) *Error {
	e := &Error{Status: st, StatusName: st.String()}
	if s == "" {
		e.Message = "no error JSON returned"
		return e
	}
	e.Raw = json.RawMessage(s)
	var w errorJSON
	if err := json.Unmarshal([]byte(s), &w); err != nil {
		e.Message = "unparsable error JSON: " + s
		return e
	}
	j := &w.Error
	if j.StatusName != "" {
		e.StatusName = j.StatusName
	}
	e.Message = j.Message
	e.MessageKey = deref(j.MessageKey)
	if j.HTTPStatus != nil {
		e.HTTPStatus = *j.HTTPStatus
	}
	e.APICode = nonNull(j.APICode)
	e.StatusText = deref(j.StatusText)
	e.Body = deref(j.Body)
	e.RetryAfterMs = j.RetryAfterMs
	e.RequestID = deref(j.RequestID)
	e.Method = deref(j.Method)
	e.URL = deref(j.URL)
	e.Attempts = j.Attempts
	e.Timeout = deref(j.Timeout)
	e.Partial = nonNull(j.Partial)
	return e
}
