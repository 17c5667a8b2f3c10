//go:build fastgpt_intree

package fastgpt

// -tags fastgpt_intree: link the static library of the libfastgpt source tree this
// package sits in (bindings/go), for developing and testing the binding there. `make
// build` (cargo build --release --workspace) produces target/release/libfastgpt.a. The
// system libraries are what `rustc --print native-static-libs` asks for.
//
// Without the tag the package links the installed library through pkg-config
// (link_pkgconfig.go), which is what works from the module cache.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: ${SRCDIR}/../../target/release/libfastgpt.a -lpthread -ldl -lm
*/
import "C"
