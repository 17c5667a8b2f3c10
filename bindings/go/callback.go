package fastgpt

// This file holds the //export'ed stream callback. A file with //export may contain only
// declarations in its preamble (cmd/cgo), so the C shim lives in fastgpt.go.

/*
#include <stdint.h>
*/
import "C"

import (
	"runtime/cgo"
	"runtime/debug"
)

// streamState is the Go side of one CreateChatCompletionStream call, reached from C
// through a cgo.Handle passed as uintptr_t.
type streamState struct {
	fn  func(Event) error
	err error // fn's error, or a *PanicError
}

//export fastgptGoStreamCallback
func fastgptGoStreamCallback(handle C.uintptr_t, event, data, text *C.char) (ret C.int32_t) {
	// No Go panic may unwind through the library (the C API contract, §6): recover everything and
	// stop the transfer instead.
	var state *streamState
	defer func() {
		if r := recover(); r != nil {
			if state != nil && state.err == nil {
				state.err = &PanicError{Value: r, Stack: debug.Stack()}
			}
			ret = 1
		}
	}()
	state = cgo.Handle(handle).Value().(*streamState)
	if state.fn == nil {
		return 0
	}
	// The strings are borrowed for this callback only: makeEvent copies them.
	if err := state.fn(makeEvent(event, data, text)); err != nil {
		state.err = err
		return 1
	}
	return 0
}
