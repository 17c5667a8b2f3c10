# libfastgpt: the two commands of the README, and a few helpers.
#   make demo   build everything, then chat (streaming) with the bundled dev server,
#               or with a real FastGPT when FASTGPT_BASE_URL and FASTGPT_API_KEY are set
#   make test   every test: Rust unit/integration tests, then the C tests plain, under
#               ASan/UBSan and under valgrind, then a short fuzzing smoke run

CARGO  ?= cargo
CC     ?= cc
CFLAGS ?= -std=c99 -Wall -Wextra -Werror -pedantic -O2
LIBS    = target/release/libfastgpt.a -lpthread -ldl -lm
EXAMPLES = $(patsubst examples/c/%.c,target/examples/%,$(wildcard examples/c/*.c))

.PHONY: all build examples demo test test-rust test-c test-fuzz header clean

all: build examples

build:
	$(CARGO) build --release --workspace

target/examples/%: examples/c/%.c include/fastgpt.h build
	@mkdir -p target/examples
	$(CC) $(CFLAGS) -Iinclude $< -o $@ $(LIBS)

examples: $(EXAMPLES)

demo: examples
	bash examples/c/demo.sh target/examples/chat

test: test-rust test-c test-fuzz

test-rust:
	$(CARGO) test --workspace

test-c: build
	FASTGPT_SKIP_BUILD=1 bash tests/c/run.sh all

# A 30-second run of each fuzz target when a nightly toolchain and cargo-fuzz exist.
test-fuzz:
	bash fuzz/smoke.sh

# Regenerates include/fastgpt.h from the Rust sources (tests fail when it is stale).
header:
	FASTGPT_UPDATE_HEADER=1 $(CARGO) test --test header

clean:
	$(CARGO) clean
