//go:build !fastgpt_intree

package fastgpt

// Default build: the installed library, found through pkg-config. `make install
// PREFIX=...` (from the libfastgpt repository) installs fastgpt.h, libfastgpt.so,
// libfastgpt.a and fastgpt.pc; set PKG_CONFIG_PATH=<prefix>/lib/pkgconfig when the prefix
// is not one pkg-config searches, and make the shared library findable at run time
// (LD_LIBRARY_PATH, or CGO_LDFLAGS="-Wl,-rpath,<prefix>/lib" at build time).
//
// Developing inside the libfastgpt checkout: build with -tags fastgpt_intree to link the
// source tree's static library instead (link_intree.go).

/*
#cgo pkg-config: fastgpt
*/
import "C"
