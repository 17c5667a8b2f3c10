//go:build fastgpt_pkgconfig

package fastgpt

// Build with `go build -tags fastgpt_pkgconfig` to link the installed library found
// through pkg-config (`make install PREFIX=...` installs fastgpt.pc; set
// PKG_CONFIG_PATH when the prefix is not a standard one). This normally links
// libfastgpt.so; set LD_LIBRARY_PATH at run time when it is not in a standard directory.

/*
#cgo pkg-config: fastgpt
*/
import "C"
