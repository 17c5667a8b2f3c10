# libfastgpt: the two commands of the README, and a few helpers.
#   make demo   build everything, then chat (streaming) with the bundled dev server,
#               or with a real FastGPT when FASTGPT_BASE_URL and FASTGPT_API_KEY are set
#   make test   every test: Rust unit/integration tests, the C tests plain,
#               under ASan/UBSan and under valgrind, install and link, the bindings, then a
#               short fuzzing smoke run and the repository hygiene check
#   make install [PREFIX=/usr/local] [DESTDIR=]   the header, the stripped libraries,
#               pkg-config and CMake files; make install-debug adds the debug information

CARGO  ?= cargo
CC     ?= cc
CFLAGS ?= -std=c99 -Wall -Wextra -Werror -pedantic -O2
LIBS    = target/release/libfastgpt.a -lpthread -ldl -lm
EXAMPLES = $(patsubst examples/c/%.c,target/examples/%,$(wildcard examples/c/*.c))

.PHONY: all build dist examples demo test test-lint test-hygiene test-rust test-c test-fuzz test-install test-bindings install install-debug uninstall header clean

# Installation layout (make install PREFIX=... [DESTDIR=...]).
PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
VERSION    := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
MAJOR      := $(word 1,$(subst ., ,$(VERSION)))
MINOR      := $(word 2,$(subst ., ,$(VERSION)))
# What the static library needs from the system (rustc --print native-static-libs).
LIBS_PRIVATE = -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
            -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
            -e 's|@MAJOR@|$(MAJOR)|g' -e 's|@MINOR@|$(MINOR)|g' \
            -e 's|@LIBS_PRIVATE@|$(LIBS_PRIVATE)|g' \
            -e 's|@CMAKE_LIBS_PRIVATE@|$(subst $(eval) ,;,$(patsubst -l%,%,$(LIBS_PRIVATE)))|g'

all: build examples

build:
	$(CARGO) build --release --workspace
	@# The shared library's soname is libfastgpt.so.$(MAJOR): programs linked against the
	@# build tree find it through this link (make install makes the same links).
	@ln -sf libfastgpt.so target/release/libfastgpt.so.$(MAJOR)

target/examples/%: examples/c/%.c include/fastgpt.h build
	@mkdir -p target/examples
	$(CC) $(CFLAGS) -Iinclude $< -o $@ $(LIBS)

examples: $(EXAMPLES)

demo: examples
	bash examples/c/demo.sh target/examples/chat

test: test-lint test-rust test-c test-install test-bindings test-fuzz test-hygiene

# rustfmt's formatting and a clippy run that treats every warning as an error.
# Each SKIPs, saying so, where its rustup component is not installed.
test-lint:
	@if $(CARGO) fmt --version >/dev/null 2>&1; then $(CARGO) fmt --all -- --check && echo "ok   rustfmt"; \
	 else echo "SKIP rustfmt: not installed (rustup component add rustfmt)"; fi
	@if $(CARGO) clippy --version >/dev/null 2>&1; then $(CARGO) clippy --workspace --all-targets -- -D warnings && echo "ok   clippy"; \
	 else echo "SKIP clippy: not installed (rustup component add clippy)"; fi

# No tracked file names a path of a build machine or cites a document the repository lacks.
test-hygiene:
	bash tests/hygiene.sh

test-rust:
	$(CARGO) test --workspace

test-c: build
	FASTGPT_SKIP_BUILD=1 bash tests/c/run.sh all

# Installs into a temporary prefix and builds an example with pkg-config, CMake and
# statically; checks the exported symbols.
test-install: build
	FASTGPT_SKIP_BUILD=1 bash tests/install/run.sh

# What make install ships: the library alone built with the dist profile (fat LTO, one
# codegen unit; Cargo skips LTO when the crate types include rlib, hence cargo rustc), then
# the shared library stripped, with a .gnu_debuglink to its debug information kept in a
# separate file, and the static archive without debug information. Tests use target/release.
STRIP   ?= strip
OBJCOPY ?= objcopy
DIST     = target/dist/install
# gdb looks for the debuglink's file next to the library and in its .debug/ directory.
DEBUGDIR ?= $(LIBDIR)/.debug

dist:
	$(CARGO) rustc -p fastgpt --lib --profile dist --crate-type cdylib,staticlib
	@mkdir -p $(DIST)
	$(OBJCOPY) --only-keep-debug target/dist/libfastgpt.so $(DIST)/libfastgpt.so.$(VERSION).debug
	$(STRIP) --strip-unneeded -R .comment -o $(DIST)/libfastgpt.so.$(VERSION) target/dist/libfastgpt.so
	cd $(DIST) && $(OBJCOPY) --add-gnu-debuglink=libfastgpt.so.$(VERSION).debug libfastgpt.so.$(VERSION)
	$(STRIP) --strip-debug -o $(DIST)/libfastgpt.a target/dist/libfastgpt.a

install: dist
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(LIBDIR)/cmake/fastgpt
	install -m 644 include/fastgpt.h $(DESTDIR)$(INCLUDEDIR)/fastgpt.h
	install -m 644 bindings/cpp/fastgpt.hpp $(DESTDIR)$(INCLUDEDIR)/fastgpt.hpp
	install -m 755 $(DIST)/libfastgpt.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libfastgpt.so.$(VERSION)
	ln -sf libfastgpt.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libfastgpt.so.$(MAJOR)
	ln -sf libfastgpt.so.$(MAJOR) $(DESTDIR)$(LIBDIR)/libfastgpt.so
	install -m 644 $(DIST)/libfastgpt.a $(DESTDIR)$(LIBDIR)/libfastgpt.a
	$(SUBST) pkg/fastgpt.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/fastgpt.pc
	$(SUBST) pkg/fastgptConfig.cmake.in > $(DESTDIR)$(LIBDIR)/cmake/fastgpt/fastgptConfig.cmake
	$(SUBST) pkg/fastgptConfigVersion.cmake.in > $(DESTDIR)$(LIBDIR)/cmake/fastgpt/fastgptConfigVersion.cmake

# The debug information of the installed shared library (gdb, perf and valgrind find it
# through the library's .gnu_debuglink).
install-debug: dist
	install -d $(DESTDIR)$(DEBUGDIR)
	install -m 644 $(DIST)/libfastgpt.so.$(VERSION).debug $(DESTDIR)$(DEBUGDIR)/libfastgpt.so.$(VERSION).debug

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/fastgpt.h $(DESTDIR)$(INCLUDEDIR)/fastgpt.hpp $(DESTDIR)$(LIBDIR)/libfastgpt.so* $(DESTDIR)$(LIBDIR)/libfastgpt.a \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/fastgpt.pc $(DESTDIR)$(DEBUGDIR)/libfastgpt.so.$(VERSION).debug
	rm -rf $(DESTDIR)$(LIBDIR)/cmake/fastgpt
	rmdir $(DESTDIR)$(DEBUGDIR) 2>/dev/null || true

# The C++, Go, C# and Swift bindings' tests (each says SKIP when its toolchain is missing).
test-bindings: build
	@for t in bindings/cpp/test.sh bindings/go/test.sh bindings/csharp/test.sh bindings/swift/test.sh; do \
	  if [ -f $$t ]; then echo "== $$t"; bash $$t || exit 1; fi; \
	done

# A 30-second run of each fuzz target when a nightly toolchain and cargo-fuzz exist.
test-fuzz:
	bash fuzz/smoke.sh

# Regenerates include/fastgpt.h from the Rust sources (tests fail when it is stale).
header:
	FASTGPT_UPDATE_HEADER=1 $(CARGO) test --test header

clean:
	$(CARGO) clean
