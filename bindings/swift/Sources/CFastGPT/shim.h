/* Clang module shim for libfastgpt. Inside the source tree it uses the repository's header
 * (bindings/swift/Sources/CFastGPT -> include/fastgpt.h); elsewhere the installed one, found
 * through pkg-config's Cflags (-I<prefix>/include). */
#ifndef FASTGPT_SWIFT_SHIM_H
#define FASTGPT_SWIFT_SHIM_H
#if defined(__has_include)
#if __has_include("../../../../include/fastgpt.h")
#include "../../../../include/fastgpt.h"
#else
#include <fastgpt.h>
#endif
#else
#include <fastgpt.h>
#endif
#endif
