//go:build !fastgpt_pkgconfig

package fastgpt

// Default build: link the static library from this source tree
// (cargo build --release --workspace produces target/release/libfastgpt.a).
// The system libraries are what `rustc --print native-static-libs` asks for.
//
// To link an installed library instead (make install), build with
// `-tags fastgpt_pkgconfig`: see link_pkgconfig.go.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: ${SRCDIR}/../../target/release/libfastgpt.a -lpthread -ldl -lm
*/
import "C"
