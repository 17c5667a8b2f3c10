package fastgpt

/*
#include "fastgpt.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// Event is one SSE event of a streaming completion (copied out of the library).
type Event struct {
	Name string // "answer" (also for events without an event: line), "done", "flowResponses", "error", ...
	Data string // the event's data; "[DONE]" for "done"
	// Text is choices[0].delta.content for "answer"/"fastAnswer" events ("" for heartbeats,
	// stop and reasoning-only chunks). HasText is false for every other event.
	Text    string
	HasText bool
}

func makeEvent(event, data, text *C.char) Event {
	ev := Event{Name: C.GoString(event), Data: C.GoString(data)}
	if text != nil {
		ev.Text, ev.HasText = C.GoString(text), true
	}
	return ev
}

// StreamResult is the decoded form of a stream result (see ParseStreamResult).
type StreamResult struct {
	Answer             string          `json:"answer"`
	Reasoning          string          `json:"reasoning"`
	FinishReason       *string         `json:"finish_reason"`
	Done               bool            `json:"done"`
	EventCount         int             `json:"event_count"`
	Interactive        json.RawMessage `json:"interactive"`
	Variables          json.RawMessage `json:"variables"`
	FlowResponses      json.RawMessage `json:"flow_responses"`
	ToolCalls          json.RawMessage `json:"tool_calls"`
	Title              *string         `json:"title"` // the last chatTitle event's title (FastGPT >= 4.15), else nil
	ChatID             *string         `json:"chat_id"`
	ResponseChatItemID string          `json:"response_chat_item_id"`
	// Resume is set on the results of ResumeChatCompletionStream and OpenResumeStream.
	Resume *ResumeInfo `json:"resume,omitempty"`
}

// ResumeInfo is the "resume" member of a resumed stream's result: the last resumePhase
// ("catchup" or "live"), whether resumeCompleted arrived, resumeUnavailable's reason, and
// the final records resumeCompleted carried (FastGPT's authoritative state; nil when none).
type ResumeInfo struct {
	Phase             *string         `json:"phase"`
	Completed         bool            `json:"completed"`
	UnavailableReason *string         `json:"unavailable_reason"`
	Records           json.RawMessage `json:"records"`
}

// ParseStreamResult decodes a stream result (or an *Error's Partial). JSON null members
// become nil RawMessages.
func ParseStreamResult(raw json.RawMessage) (StreamResult, error) {
	var r StreamResult
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, err
	}
	r.Interactive, r.Variables = nonNull(r.Interactive), nonNull(r.Variables)
	r.FlowResponses, r.ToolCalls = nonNull(r.FlowResponses), nonNull(r.ToolCalls)
	if r.Resume != nil {
		r.Resume.Records = nonNull(r.Resume.Records)
	}
	return r, nil
}

// Stream is an open streaming completion read with Next (the pull form). Next, Result
// and Events are meant for one consumer; Close may be called from any goroutine at any
// time and is idempotent.
type Stream struct {
	mu sync.Mutex // serialises fastgpt_stream_next / _result / _free on h
	h  *C.fastgpt_stream
	k  *call // the stream's cancel token and context watcher

	closing   atomic.Bool
	closeOnce sync.Once
	closed    chan struct{} // closed by Close (unblocks Events' goroutine)

	errMu sync.Mutex
	err   error // terminal error seen by Events
}

// OpenStream sends a streaming completion and returns once the response head has
// arrived. Errors answered as JSON or as a non-2xx response are returned here; an
// `event: error` frame is returned by Next, first as an event and then as an *Error.
//
// ctx governs the whole stream: cancelling it (or its deadline) stops a blocked Next.
// Always Close the stream.
func (c *Client) OpenStream(ctx context.Context, request any) (*Stream, error) {
	var a cargs
	req := a.json("request", request)
	return c.openStream(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.fastgpt_stream, errp **C.char) C.int32_t {
		return C.fastgpt_stream_open(h, req, tok, out, errp)
	})
}

// openStream is the common part of every pull-form opener (fastgpt_stream_open and the
// like): open gets the client, the call's token and the two out-parameters. On success the
// token and its context watcher live on with the Stream until Close.
func (c *Client) openStream(ctx context.Context, a *cargs,
	open func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.fastgpt_stream, errp **C.char) C.int32_t,
) (*Stream, error) {
	defer a.free()
	if a.err != nil {
		return nil, a.err
	}
	h, err := c.acquire()
	if err != nil {
		return nil, err
	}
	defer c.release() // the library stream keeps its own reference to the client
	k, err := startCall(ctx)
	if err != nil {
		return nil, err
	}
	var sh *C.fastgpt_stream
	var errp *C.char
	st := open(h, k.tok, &sh, &errp)
	if st != C.FASTGPT_OK || sh == nil {
		_, err := k.result(st, errp)
		if sh != nil {
			C.fastgpt_stream_free(sh)
		}
		k.finish()
		return nil, err
	}
	takeString(errp)
	s := &Stream{h: sh, k: k, closed: make(chan struct{})}
	runtime.SetFinalizer(s, (*Stream).Close)
	return s, nil
}

// Next returns the next event, io.EOF once the stream has finished cleanly, or an
// *Error. The end is sticky: later calls return the same result.
func (s *Stream) Next() (Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.h == nil {
		return Event{}, ErrClosed
	}
	var ev, data, text *C.char
	var errp *C.char
	st := C.fastgpt_stream_next(s.h, &ev, &data, &text, &errp)
	if st != C.FASTGPT_OK {
		e := parseError(Status(st), takeString(errp))
		if e.Status == StatusCancelled {
			if s.closing.Load() {
				e.Cause = ErrClosed
			} else {
				e.Cause = s.k.cause()
			}
		}
		return Event{}, e
	}
	if ev == nil {
		return Event{}, io.EOF
	}
	// Valid until the next fastgpt_stream_next / _free: copy now.
	return makeEvent(ev, data, text), nil
}

// Result returns the result accumulated so far ({"answer","reasoning",...}). Call it
// before Close.
func (s *Stream) Result() (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.h == nil {
		return nil, ErrClosed
	}
	var out *C.char
	st := C.fastgpt_stream_result(s.h, &out)
	str := takeString(out)
	if st != C.FASTGPT_OK {
		return nil, parseError(Status(st), str)
	}
	return json.RawMessage(str), nil
}

// Close cancels the stream's token, waits for an in-flight Next to return, then frees
// the stream and the token. It is idempotent and safe from any goroutine.
func (s *Stream) Close() error {
	s.closeOnce.Do(func() {
		s.closing.Store(true)
		s.k.cancel() // unblocks a Next running on another goroutine within ~100 ms
		s.mu.Lock()  // ... and this waits for it: never free while next runs
		h := s.h
		s.h = nil
		s.mu.Unlock()
		C.fastgpt_stream_free(h)
		s.k.finish()
		close(s.closed)
		runtime.SetFinalizer(s, nil)
	})
	return nil
}

// Events delivers the stream's events on a channel, which is closed at the end of the
// stream, on an error, when ctx is done (which also cancels the stream), or when the
// stream is closed (so a consumer that stops reading early just closes the stream). After the
// channel is closed, Err reports why (nil for a clean end) and Result gives the result.
// Call Events at most once, and do not call Next concurrently with it.
func (s *Stream) Events(ctx context.Context) <-chan Event {
	if ctx == nil {
		ctx = context.Background()
	}
	ch := make(chan Event)
	go func() {
		defer close(ch)
		if done := ctx.Done(); done != nil {
			stop, exited := make(chan struct{}), make(chan struct{})
			go func() {
				defer close(exited)
				select {
				case <-done:
					s.k.cancel()
				case <-stop:
				}
			}()
			defer func() { close(stop); <-exited }()
		}
		for {
			ev, err := s.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var e *Error
				if errors.As(err, &e) && e.Status == StatusCancelled && e.Cause == nil && ctx.Err() != nil {
					e.Cause = ctx.Err()
				}
				s.setErr(err)
				return
			}
			select {
			case ch <- ev:
			case <-ctx.Done():
				s.setErr(ctx.Err())
				return
			case <-s.closed:
				s.setErr(ErrClosed)
				return
			}
		}
	}()
	return ch
}

func (s *Stream) setErr(err error) {
	s.errMu.Lock()
	s.err = err
	s.errMu.Unlock()
}

// Err is the error that ended Events' channel (nil after a clean end).
func (s *Stream) Err() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}
