# Gazette - one Makefile for build, run, test, bench and format.
#
#   make                 build ./build/gazette (optimised, with debug info)
#   make run             install what is missing, build, create the demo
#                        site under ./data if there is none, serve it
#   make test            install what is missing, build with ASan+UBSan,
#                        run every test, end with "N passed, N failed"
#   make SAN=address,undefined   build with the given sanitizers
#   make bench           optimised build + benchmark harness (bench/)
#   make fmt             clang-format every C file

SAN      ?=
BUILD    ?= build$(if $(SAN),-san)
CC       ?= cc
OPT      ?= -O2
PKGS      = libmicrohttpd sqlite3 jansson inih libsodium zlib libbrotlienc \
            libbrotlidec libcmark-gfm
# libvips is not linked: src/media/vipsdl.c dlopen()s it on the first
# upload (start-up and readers never map it); its headers give the types.
VIPS_CFLAGS := $(shell pkg-config --cflags vips 2>/dev/null)
VIPS_LIBS   := $(shell pkg-config --libs vips 2>/dev/null)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(VIPS_CFLAGS)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) \
              -lcmark-gfm-extensions -lstemmer -ldl

WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral \
           -Wvla -Wpointer-arith -Wundef
CFLAGS  ?= $(OPT) -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Isrc -I$(BUILD)/gen \
             $(PKG_CFLAGS) -pthread -MMD -MP \
             $(if $(SAN),-fsanitize=$(SAN) -fno-omit-frame-pointer \
               -fno-sanitize-recover=all)
LDFLAGS += -pthread $(if $(SAN),-fsanitize=$(SAN))
LDLIBS  += $(PKG_LIBS) -lm

SRCS      := $(shell find src -name '*.c' | sort)
OBJS      := $(SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/embedded.o
LIB_OBJS  := $(filter-out $(BUILD)/src/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
EMBED_IN  := $(shell find theme locales demo/content -type f 2>/dev/null | sort)
VERSION   := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

.PHONY: all run test unit deps bench fmt fuzz fuzz-lib clean
all: $(BUILD)/gazette

$(BUILD)/gazette: $(OBJS)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# V=1 shows the full commands.
Q := $(if $(V),,@)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -DGAZETTE_VERSION='"$(VERSION)"' -c -o $@ $<

# Theme, locales and demo content become C arrays (tools/embed.c).
$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=c11 -O2 $(WARN) -o $@ $<

$(BUILD)/gen/embedded.c: $(BUILD)/tools/embed $(EMBED_IN)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  EMBED   $(words $(EMBED_IN)) files")
	$(Q)$(BUILD)/tools/embed $@ $(EMBED_IN)

$(BUILD)/gen/embedded.o: $(BUILD)/gen/embedded.c
	$(Q)$(CC) -std=c11 -O0 $(if $(SAN),-fsanitize=$(SAN)) -Isrc -c -o $@ $<

# Unit tests link the archive: each pulls in only the modules it uses.
$(BUILD)/libgazette.a: $(LIB_OBJS)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libgazette.a
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  TEST    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libgazette.a \
		$(LDFLAGS) $(LDLIBS) -ljansson -lcmocka

deps:
	@scripts/install-deps

run: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@scripts/run-demo $(BUILD)/gazette

unit: $(UNIT_BINS)

# test_media makes its test images with libvips itself.
$(BUILD)/tests/test_media: LDLIBS += $(VIPS_LIBS)

JOBS := $(shell nproc 2>/dev/null || echo 2)

test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) SAN=address,undefined all unit
	@scripts/run-tests build-san

bench: deps
	@$(MAKE) --no-print-directory BUILD=build-bench OPT='-O3 -DNDEBUG' all
	@bench/run build-bench/gazette

# Fuzz targets (tests/fuzz/fuzz_*.c) with clang's libFuzzer + ASan/UBSan;
# each runs FUZZ_SECONDS (default 30) on its corpus in build-fuzz/corpus.
FUZZ_SECONDS ?= 30
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

FUZZ_LIB := build-fuzz/lib/libgazette.a

fuzz-lib:
	@$(MAKE) --no-print-directory BUILD=build-fuzz/lib CC=clang \
		CFLAGS='-O1 -g -fsanitize=fuzzer-no-link' SAN=address,undefined \
		$(FUZZ_LIB)

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c fuzz-lib
	$(Q)clang -std=c11 -D_GNU_SOURCE -O1 -g -Isrc $(PKG_CFLAGS) \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_LIB) \
		-pthread $(LDLIBS)

fuzz: $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p build-fuzz/corpus/$$(basename $$t); \
		echo "fuzz $$t for $(FUZZ_SECONDS) s"; \
		$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			build-fuzz/corpus/$$(basename $$t) 2>&1 | tail -2 || exit 1; \
	done

fmt:
	clang-format -i $$(find src tests tools -name '*.[ch]')

clean:
	rm -rf build build-san build-bench build-fuzz

-include $(OBJS:.o=.d) $(UNIT_BINS:=.d)
